"""`billing-bot run`: Socket Mode when SLACK_APP_TOKEN is set (unless `--http`), else the Events API over HTTP.

Before serving, Slack and Stripe are asked whether they accept the credentials, so a revoked or mistyped one
stops the program with one line naming the setting.

With DIGEST_CHANNEL set, the daily churn-risk digest scheduler runs alongside and stops with the bot.
"""

from __future__ import annotations

import argparse
import logging
import signal
import threading
from collections.abc import Callable
from types import FrameType
from typing import Any

from apscheduler.schedulers.base import BaseScheduler
from slack_bolt import App
from slack_sdk import WebClient

from bot.app import build_app
from bot.background import start_background
from bot.config import Settings, load_settings
from bot.faults import with_test_faults
from bot.outbox_worker import Courier, OutboxWorker, outbox_poster
from bot.preflight import check_slack_app_token, check_slack_bot_token, check_stripe_key
from bot.scheduler import Post, build_scheduler
from bot.server import LOOPBACK, ListenerExecutor, serve_http, serve_socket_mode
from bot.services import Services, assemble_services, open_store, stripe_gateway
from bot.slack_client import build_slack_client

log = logging.getLogger(__name__)

SchedulerFactory = Callable[[Services, Post], BaseScheduler]
# A Confirm's Stripe calls and its posts take seconds; a deploy's grace period is usually 30 s.
DRAIN_SECONDS = 25.0


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
    services = assemble_services(settings, with_test_faults(settings, gateway), store=store)
    executor = ListenerExecutor()
    app = build_app(services, slack_client=client, listener_executor=executor)
    BotRunner(services, app, listeners=executor).run(http=http, host=args.host, port=args.port)
    return 0


class Stopped(SystemExit):
    """SIGTERM (a deploy): leave the server loop, then let in-flight listeners finish."""


def _stop_on_sigterm(signum: int, frame: FrameType | None) -> None:
    raise Stopped(0)


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
        listeners: ListenerExecutor | None = None,
        background: Callable[[Services, WebClient], OutboxWorker] = start_background,
    ) -> None:
        self.services = services
        self.app = app
        self.listeners = listeners
        self.background = background
        self.scheduler_factory = scheduler_factory
        self.http_server = http_server
        self.socket_mode_server = socket_mode_server

    def run(self, *, http: bool, host: str = LOOPBACK, port: int = 3000) -> None:
        """Serve until stopped. On SIGTERM or Ctrl-C: stop taking requests, let in-flight listeners (a
        Confirm mid-refund) finish and the outbox send what it can, then exit."""
        previous = _catch_sigterm()
        worker = self.background(self.services, self.app.client)
        scheduler = self.start_digest_scheduler(worker.courier)
        try:
            if http:
                self.http_server(
                    self.app, host=host, port=port, health_check=self.services.store.check_writable
                )
            else:
                self.socket_mode_server(self.app, self.services.settings)
        finally:
            self.drain()
            # Work already running finishes (a Confirm mid-refund posts its card and handoff); queued work
            # is dropped rather than answered after shutdown.
            self.services.work.shutdown(wait=False)
            self.services.work.shutdown(wait=True)
            worker.stop()
            if scheduler is not None:
                scheduler.shutdown(wait=False)
            _restore_sigterm(previous)

    def drain(self) -> None:
        if self.listeners is None:
            return
        try:
            self.listeners.wait_idle(timeout=DRAIN_SECONDS)
        except TimeoutError as error:
            log.error("stopping with listeners still running: %s", error)

    def start_digest_scheduler(self, courier: Courier) -> BaseScheduler | None:
        if not self.services.settings.digest_channel:
            log.info("DIGEST_CHANNEL is not set: no daily churn-risk digest")
            return None
        scheduler = self.scheduler_factory(self.services, outbox_poster(self.services.outbox, courier))
        scheduler.start()
        log.info("Daily churn-risk digest scheduled for %s", self.services.settings.digest_channel)
        return scheduler


def _catch_sigterm() -> Any:
    """Signals can only be handled in the main thread (tests run the runner elsewhere)."""
    if threading.current_thread() is not threading.main_thread():
        return None
    return signal.signal(signal.SIGTERM, _stop_on_sigterm)


def _restore_sigterm(previous: Any) -> None:
    if previous is not None:
        signal.signal(signal.SIGTERM, previous)
