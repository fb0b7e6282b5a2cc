"""`billing-bot demo [--customer EMAIL]`: the whole flow offline, printed as a transcript (see bot/demo.py)."""

from __future__ import annotations

import argparse
import logging
import sys

from bot.cli.sandbox_loader import sandbox_package

DEMO_CUSTOMER = "jane@example.com"  # bot.demo.DEMO_CUSTOMER, named here without importing the demo


def register(subcommands: argparse._SubParsersAction) -> None:
    parser = subcommands.add_parser(
        "demo",
        help="run the whole flow offline: lookup, classify, cancel the duplicate and refund, confirm, handoff",
        description=(
            "The real bot over HTTP against a local Slack stand-in and the demo-seeded Stripe sandbox; "
            "no Slack workspace, Stripe account or settings needed."
        ),
    )
    parser.add_argument(
        "--customer",
        default=DEMO_CUSTOMER,
        metavar="EMAIL",
        help=f"the demo customer to look up (default {DEMO_CUSTOMER}, the one with a duplicate subscription)",
    )
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    sandbox_package()  # one clear line, not a traceback, when the emulator cannot load
    from bot.demo import DemoFailed, run_demo

    # The transcript is the output; the bot's own INFO lines (one per audited step) would interleave it.
    logging.getLogger().setLevel(logging.WARNING)
    try:
        run_demo(sys.stdout, customer=args.customer)
    except DemoFailed as failure:
        print(f"billing-bot demo: {failure}", file=sys.stderr)
        return 1
    return 0
