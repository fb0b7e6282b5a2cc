"""`billing-bot run`: Socket Mode when SLACK_APP_TOKEN is set, or `--http` for the Events API over HTTP."""

from __future__ import annotations

import argparse

from bot.app import build_app
from bot.config import load_settings
from bot.server import LOOPBACK, serve_http, serve_socket_mode
from bot.services import build_services


def register(subcommands: argparse._SubParsersAction) -> None:
    parser = subcommands.add_parser(
        "run",
        help="run the Slack bot (Socket Mode by default; --http for a public Request URL)",
        description="Socket Mode needs SLACK_APP_TOKEN; --http serves POST /slack/events and GET /healthz.",
    )
    parser.add_argument("--http", action="store_true", help="serve HTTP instead of Socket Mode")
    parser.add_argument("--port", type=int, default=3000, help="HTTP port (default 3000)")
    parser.add_argument(
        "--host", default=LOOPBACK, help=f"HTTP bind address (default {LOOPBACK}: loopback only)"
    )
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    settings = load_settings()
    settings.require("SLACK_BOT_TOKEN", "SLACK_SIGNING_SECRET", "BILLING_CHANNELS")
    if not args.http:
        settings.require("SLACK_APP_TOKEN")
    app = build_app(build_services(settings))
    if args.http:
        serve_http(app, host=args.host, port=args.port)
    else:
        serve_socket_mode(app, settings)
    return 0
