"""`billing-bot demo` (placeholder until its issue lands)."""

from __future__ import annotations

import argparse
import sys


def register(subcommands: argparse._SubParsersAction) -> None:
    parser = subcommands.add_parser("demo", help="(not yet available)")
    parser.set_defaults(handler=_not_yet)


def _not_yet(args: argparse.Namespace) -> int:
    print("billing-bot demo: not yet available", file=sys.stderr)
    return 1
