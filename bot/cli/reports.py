"""`billing-bot digest | plans | portal-check` (placeholders until the digest issue lands)."""

from __future__ import annotations

import argparse
import sys


def register(subcommands: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    for name in ("digest", "plans", "portal-check"):
        parser = subcommands.add_parser(name, help="(not yet available)")
        parser.set_defaults(handler=_not_yet)


def _not_yet(args: argparse.Namespace) -> int:
    print(f"billing-bot {args.command}: not yet available", file=sys.stderr)
    return 1
