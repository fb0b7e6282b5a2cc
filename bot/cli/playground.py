"""`billing-bot playground [--port N]`: a Slack-like page in the browser, driving the real bot offline
(see bot/playground/). Imported lazily: nothing of the playground loads for `billing-bot run`."""

from __future__ import annotations

import argparse
import logging

from bot.cli.sandbox_loader import sandbox_package

DEFAULT_PORT = 8780


def register(subcommands: argparse._SubParsersAction) -> None:
    parser = subcommands.add_parser(
        "playground",
        help="click through the whole bot in a browser, offline (a Slack-like page on 127.0.0.1)",
        description=(
            "The real bot over HTTP, a local Slack stand-in that also serves a Slack-like page, and the "
            "demo-seeded Stripe sandbox; no Slack workspace, Stripe account or settings needed. Ctrl-C stops it."
        ),
    )
    parser.add_argument(
        "--port",
        type=int,
        default=DEFAULT_PORT,
        metavar="N",
        help=f"the page's port on 127.0.0.1 (default {DEFAULT_PORT}; 0 picks a free one)",
    )
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    sandbox_package()  # one clear line, not a traceback, when the emulator cannot load
    from bot.playground.session import running_playground
    from bot.playground.web import serve_page

    # The page shows what the bot does; its INFO lines (one per audited step) would only repeat it.
    logging.getLogger().setLevel(logging.WARNING)
    with running_playground() as playground:
        serve_page(
            playground,
            port=args.port,
            ready=lambda url: print(f"Billing Ops playground: {url} (Ctrl-C to stop)", flush=True),
        )
    return 0
