"""`billing-bot`: one module per subcommand; each has register(subparsers) and sets `handler`."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from typing import NoReturn

from billing.errors import BillingError, ConfigError
from bot.cli import audit, demo, lookup, playground, reports, run, sandbox
from bot.config import load_log_settings
from bot.logs import configure_logging


class OneLineParser(argparse.ArgumentParser):
    """Bad arguments end like bad settings: one line naming what is wrong, exit status 2."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{self.prog}: {message} (see --help)\n")


def build_parser() -> argparse.ArgumentParser:
    parser = OneLineParser(
        prog="billing-bot",
        description="Billing Ops: a Slack chat-ops bot for customers' Stripe billing problems.",
    )
    subcommands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for module in (run, sandbox, lookup, reports, audit, demo, playground):
        module.register(subcommands)
    return parser


def one_line(text: str, limit: int = 300) -> str:
    """Library messages (stripe-python's network errors) span lines; a stopped program says one."""
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        configure_logging(load_log_settings())
        return int(args.handler(args) or 0)
    except ConfigError as error:
        print(f"billing-bot: {one_line(str(error))}", file=sys.stderr)
        return 2
    except BillingError as error:
        print(f"billing-bot: {one_line(error.message)}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130
