"""End-to-end harness: the real Bolt app behind the real Starlette adapter under uvicorn, on loopback,
talking to a SlackStandIn for the Web API, and bot.slack_requests' helpers that send requests signed exactly as
Slack signs them.

    with running_bot(gateway) as bot:              # or running_bot(gateway, lookup=..., store=..., clock=...)
        response = bot.slash_command("jane@example.com")
        assert response.status_code == 200
        [post] = bot.standin.wait_for("chat.postMessage")
        bot.click(post, ActionId.CLASSIFY, bucket="duplicate")

The gateway can be anything implementing billing.ports.BillingGateway (the sandbox-backed StripeGateway,
a fake, or a wrapper around either). Nothing here is global: each `running_bot` is a fresh app, store and stand-in.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from slack_bolt import App

from billing.clock import Clock, SystemClock
from billing.lookup import LookupService
from billing.ports import BillingGateway
from billing.store import Store
from bot.app import build_app
from bot.config import Settings, load_settings
from bot.server import LOOPBACK, HealthCheck, ListenerExecutor, serving_in_thread
from bot.services import Services, assemble_services
from bot.slack_client import slack_web_client
from bot.slack_requests import REQUEST_TIMEOUT, SlackRequests, find_button, slack_signature
from bot.slack_standin import SlackStandIn
from handlers.work import WorkLanes

# Re-exported: tests import these from the harness.
__all__ = [
    "REQUEST_TIMEOUT",
    "ListenerExecutor",
    "SlackHarness",
    "find_button",
    "harness_settings",
    "running_bot",
    "serving",
    "slack_signature",
]

# Obviously fake credentials with the right shapes; the secret scan looks for exactly these.
BOT_TOKEN = "xoxb-e2e-000000000000-harness-bot-token"
APP_TOKEN = "xapp-1-e2e-harness-app-token"
SIGNING_SECRET = "e2e0harness0signing0secret0abcdef"
STRIPE_KEY = "sk_test_e2eHarnessKey0000000000000000"
BILLING_CHANNEL = "C0BILLING1"
OTHER_BILLING_CHANNEL = "C0BILLING2"
OUTSIDE_CHANNEL = "C0GENERAL"
OPERATOR = "U0OPERATOR"
TEAM_ID = "T0STANDIN"


def harness_settings(standin: SlackStandIn, db_path: Path | str, **overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "slack_bot_token": BOT_TOKEN,
        "slack_signing_secret": SIGNING_SECRET,
        "slack_api_url": standin.base_url,
        "stripe_api_key": STRIPE_KEY,
        "billing_db": db_path,
        "billing_channels": [BILLING_CHANNEL, OTHER_BILLING_CHANNEL],
        "billing_operators": [OPERATOR],
    }
    values.update(overrides)
    return load_settings(_env_file=None, **values)


@dataclass(kw_only=True)
class SlackHarness(SlackRequests):
    """A running bot. Send signed requests with the helpers; read what it did from `standin`."""

    app: App
    services: Services
    standin: SlackStandIn
    executor: ListenerExecutor
    signing_secret: str = SIGNING_SECRET
    user_id: str = OPERATOR
    channel_id: str = BILLING_CHANNEL
    # Each wait the Web API client's retry handlers asked for (seconds); recorded, never slept.
    slack_waits: list[float] = field(default_factory=list)

    # --- reading what happened ----------------------------------------------------------------
    def wait_idle(self, timeout: float = 5) -> None:
        """Wait until every listener started so far has returned and the work it handed to a lane has run
        (its Slack calls and store writes done). A listener submits before it returns, so this order sees all."""
        self.executor.wait_idle(timeout)
        self.services.work.wait_idle(timeout)

    def recorded_text(self) -> str:
        """Everything the bot sent to Slack, as one string, for scans (secrets, card numbers)."""
        return "\n".join(json.dumps(call.args, sort_keys=True, default=str) for call in self.standin.calls)


@contextmanager
def serving(app: App, *, host: str = LOOPBACK, health_check: HealthCheck | None = None) -> Iterator[str]:
    """Serve `app` through bot.server's ASGI app under uvicorn in a thread; yields the events URL."""
    with serving_in_thread(app, host=host, health_check=health_check) as url:
        yield url


@contextmanager
def running_bot(
    gateway: BillingGateway,
    *,
    lookup: LookupService | None = None,
    clock: Clock | None = None,
    store: Store | None = None,
    db_path: Path | str = ":memory:",
    work: WorkLanes | None = None,
    **setting_overrides: Any,
) -> Iterator[SlackHarness]:
    """A whole bot against `gateway`, with its own stand-in, store and settings (override any setting)."""
    with SlackStandIn(port=0) as standin:
        settings = harness_settings(standin, db_path, **setting_overrides)
        clock = clock or SystemClock()
        services = assemble_services(settings, gateway, clock=clock, store=store, lookup=lookup, work=work)
        executor = ListenerExecutor()
        waits: list[float] = []
        client = slack_web_client(BOT_TOKEN, base_url=standin.base_url, sleep=waits.append)
        app = build_app(services, slack_client=client, listener_executor=executor)
        with serving(app, health_check=services.store.check_writable) as url:
            harness = SlackHarness(
                app=app,
                services=services,
                standin=standin,
                url=url,
                executor=executor,
                response_urls=standin.response_url,
                slack_waits=waits,
            )
            try:
                yield harness
            finally:
                harness.http.close()
                executor.shutdown(wait=True, cancel_futures=True)
                services.work.shutdown(wait=False)
