"""`billing-bot run`: Socket Mode when SLACK_APP_TOKEN is set (unless `--http`), else the Events API over HTTP.

Before serving, Slack and Stripe are asked whether they accept the credentials, so a revoked or mistyped one
stops the program with one line naming the setting.

With DIGEST_CHANNEL set, the daily churn-risk digest scheduler runs alongside and stops with the bot.
"""

from __future__ import annotations

import argparse
import logging
from collections.abc import Callable

from apscheduler.schedulers.base import BaseScheduler
from slack_bolt import App

from bot.app import build_app
from bot.config import Settings, load_settings
from bot.preflight import check_slack_app_token, check_slack_bot_token, check_stripe_key
from bot.scheduler import Post, build_scheduler, chat_poster
from bot.server import LOOPBACK, serve_http, serve_socket_mode
from bot.services import Services, assemble_services, open_store, stripe_gateway
from bot.slack_client import build_slack_client

log = logging.getLogger(__name__)

SchedulerFactory = Callable[[Services, Post], BaseScheduler]


def register(subcommands: argparse._SubParsersAction) -> None:
    parser = subcommands.add_parser(
        "run",
        help="run the Slack bot (Socket Mode by default; --http for a public Request URL)",
        description=(
            "Socket Mode when SLACK_APP_TOKEN is set; otherwise (or with --http) HTTP: POST /slack/events, "
            "GET /healthz, GET /metrics."
        ),
    )
    parser.add_argument("--http", action="store_true", help="serve HTTP even when SLACK_APP_TOKEN is set")
    parser.add_argument(
        "--port", type=port_number, default=3000, help="HTTP port (default 3000; 0: any free port)"
    )
    parser.add_argument(
        "--host", default=LOOPBACK, help=f"HTTP bind address (default {LOOPBACK}: loopback only)"
    )
    parser.set_defaults(handler=run)


def port_number(text: str) -> int:
    try:
        port = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a port number from 0 to 65535, got {text!r}") from None
    if not 0 <= port <= 65535:
        raise argparse.ArgumentTypeError(f"expected a port number from 0 to 65535, got {text!r}")
    return port


def run(args: argparse.Namespace) -> int:
    settings = load_settings()
    settings.require("SLACK_BOT_TOKEN", "SLACK_SIGNING_SECRET", "STRIPE_API_KEY")
    assert settings.slack_bot_token is not None
    http = args.http or settings.slack_app_token is None
    if not settings.billing_channels:
        log.warning("BILLING_CHANNELS is empty: every lookup will be refused until it names the ops channels")
    store = open_store(settings)
    gateway = stripe_gateway(settings)
    check_stripe_key(gateway)
    client = build_slack_client(settings.slack_bot_token.get_secret_value(), settings.slack_api_url)
    check_slack_bot_token(client, settings)
    if not http:
        check_slack_app_token(settings)
    services = assemble_services(settings, gateway, store=store)
    BotRunner(services, build_app(services, slack_client=client)).run(
        http=http, host=args.host, port=args.port
    )
    return 0


class BotRunner:
    """Serves the app until it stops, with the digest scheduler started before and shut down after."""

    def __init__(
        self,
        services: Services,
        app: App,
        *,
        scheduler_factory: SchedulerFactory = build_scheduler,
        http_server: Callable[..., None] = serve_http,
        socket_mode_server: Callable[[App, Settings], None] = serve_socket_mode,
    ) -> None:
        self.services = services
        self.app = app
        self.scheduler_factory = scheduler_factory
        self.http_server = http_server
        self.socket_mode_server = socket_mode_server

    def run(self, *, http: bool, host: str = LOOPBACK, port: int = 3000) -> None:
        scheduler = self.start_digest_scheduler()
        try:
            if http:
                self.http_server(
                    self.app, host=host, port=port, health_check=self.services.store.check_writable
                )
            else:
                self.socket_mode_server(self.app, self.services.settings)
        finally:
            if scheduler is not None:
                scheduler.shutdown(wait=False)
            # Work already running finishes; queued work is dropped rather than answered after shutdown.
            self.services.work.shutdown(wait=False)

    def start_digest_scheduler(self) -> BaseScheduler | None:
        if not self.services.settings.digest_channel:
            log.info("DIGEST_CHANNEL is not set: no daily churn-risk digest")
            return None
        scheduler = self.scheduler_factory(self.services, chat_poster(self.app.client))
        scheduler.start()
        log.info("Daily churn-risk digest scheduled for %s", self.services.settings.digest_channel)
        return scheduler
