"""End-to-end harness: the real Bolt app behind the real Starlette adapter under uvicorn, on loopback,
talking to a SlackStandIn for the Web API, and helpers that send requests signed exactly as Slack signs them.

    with running_bot(gateway) as bot:              # or running_bot(gateway, lookup=..., store=..., clock=...)
        response = bot.slash_command("jane@example.com")
        assert response.status_code == 200
        [post] = bot.standin.wait_for("chat.postMessage")
        bot.click(post, ActionId.CLASSIFY, bucket="duplicate")

The gateway can be anything implementing billing.ports.BillingGateway (the sandbox-backed StripeGateway,
a fake, or a wrapper around either). Nothing here is global: each `running_bot` is a fresh app, store and stand-in.
"""

from __future__ import annotations

import hashlib
import hmac
import itertools
import json
import socket
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import httpx
import uvicorn
from slack_bolt import App

from billing.clock import Clock, SystemClock
from billing.lookup import LookupService
from billing.ports import BillingGateway
from billing.store import Store
from bot.app import build_app
from bot.config import Settings, load_settings
from bot.server import EVENTS_PATH, LOOPBACK, uvicorn_server
from bot.services import Services
from bot.slack_standin import Call, SlackStandIn
from messages.ids import ButtonValue, CallbackId

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
REQUEST_TIMEOUT = 2.5  # below Slack's 3 s: an ack slower than this is a failure


def slack_signature(secret: str, timestamp: str, body: str) -> str:
    """Slack's v0 scheme: HMAC-SHA256 over `v0:{timestamp}:{body}` with the signing secret."""
    digest = hmac.new(secret.encode(), f"v0:{timestamp}:{body}".encode(), hashlib.sha256).hexdigest()
    return f"v0={digest}"


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


@dataclass
class SlackHarness:
    """A running bot. Send signed requests with the helpers; read what it did from `standin`."""

    app: App
    services: Services
    standin: SlackStandIn
    url: str
    executor: ListenerExecutor
    signing_secret: str = SIGNING_SECRET
    http: httpx.Client = field(default_factory=lambda: httpx.Client(timeout=REQUEST_TIMEOUT))
    _ids: Iterator[int] = field(default_factory=lambda: itertools.count(1))

    # --- raw --------------------------------------------------------------------------------
    def post(
        self,
        body: str,
        *,
        content_type: str = "application/x-www-form-urlencoded",
        timestamp: int | None = None,
        signature: str | None = None,
    ) -> httpx.Response:
        """POST /slack/events signed like Slack; pass `timestamp`/`signature` to forge or age a request."""
        ts = str(int(time.time()) if timestamp is None else timestamp)
        headers = {
            "Content-Type": content_type,
            "X-Slack-Request-Timestamp": ts,
            "X-Slack-Signature": signature or slack_signature(self.signing_secret, ts, body),
        }
        return self.http.post(self.url, content=body.encode("utf-8"), headers=headers)

    def post_payload(self, payload: dict[str, Any], **signing: Any) -> httpx.Response:
        """Interactivity requests: form-encoded `payload=<json>`."""
        return self.post(urlencode({"payload": json.dumps(payload)}), **signing)

    def next_id(self, prefix: str) -> str:
        return f"{prefix}{next(self._ids):04d}"

    # --- what Slack sends ---------------------------------------------------------------------
    def slash_command(
        self,
        text: str,
        *,
        command: str = "/billing",
        channel_id: str = BILLING_CHANNEL,
        user_id: str = OPERATOR,
        **signing: Any,
    ) -> httpx.Response:
        """Replies through the response_url are recorded by the stand-in as method "response_url"."""
        form = {
            "token": "deprecated-verification-token",
            "team_id": TEAM_ID,
            "team_domain": "standin",
            "channel_id": channel_id,
            "channel_name": channel_id.lower(),
            "user_id": user_id,
            "user_name": user_id.lower(),
            "command": command,
            "text": text,
            "api_app_id": "A0BILLING",
            "is_enterprise_install": "false",
            "response_url": self.standin.response_url(self.next_id("command-")),
            "trigger_id": self.next_id("trigger-"),
        }
        return self.post(urlencode(form), **signing)

    def message_shortcut(
        self,
        text: str,
        *,
        channel_id: str = BILLING_CHANNEL,
        message_ts: str = "1690000000.000100",
        thread_ts: str | None = None,
        user_id: str = OPERATOR,
        callback_id: str = CallbackId.MESSAGE_SHORTCUT.value,
        **signing: Any,
    ) -> httpx.Response:
        message: dict[str, Any] = {"type": "message", "user": "U0CUSTOMER", "ts": message_ts, "text": text}
        if thread_ts:
            message["thread_ts"] = thread_ts
        payload = {
            "type": "message_action",
            "callback_id": callback_id,
            "trigger_id": self.next_id("trigger-"),
            "message_ts": message_ts,
            "team": {"id": TEAM_ID, "domain": "standin"},
            "channel": {"id": channel_id, "name": channel_id.lower()},
            "user": {"id": user_id, "name": user_id.lower(), "team_id": TEAM_ID},
            "message": message,
            "response_url": self.standin.response_url(self.next_id("shortcut-")),
            "token": "deprecated-verification-token",
            "action_ts": "1700000000.000001",
        }
        return self.post_payload(payload, **signing)

    def global_shortcut(
        self, *, callback_id: str = CallbackId.GLOBAL_SHORTCUT.value, user_id: str = OPERATOR, **signing: Any
    ) -> httpx.Response:
        payload = {
            "type": "shortcut",
            "callback_id": callback_id,
            "trigger_id": self.next_id("trigger-"),
            "team": {"id": TEAM_ID, "domain": "standin"},
            "user": {"id": user_id, "username": user_id.lower(), "team_id": TEAM_ID},
            "token": "deprecated-verification-token",
            "action_ts": "1700000000.000001",
        }
        return self.post_payload(payload, **signing)

    def block_action(
        self,
        action_id: str,
        value: str,
        *,
        channel_id: str | None = BILLING_CHANNEL,
        message: dict[str, Any] | None = None,
        view: dict[str, Any] | None = None,
        block_id: str = "block",
        user_id: str = OPERATOR,
        **signing: Any,
    ) -> httpx.Response:
        """A button click: on a message (pass `message`, as posted) or in a modal (pass `view`)."""
        payload: dict[str, Any] = {
            "type": "block_actions",
            "team": {"id": TEAM_ID, "domain": "standin"},
            "user": {"id": user_id, "username": user_id.lower(), "team_id": TEAM_ID},
            "api_app_id": "A0BILLING",
            "token": "deprecated-verification-token",
            "trigger_id": self.next_id("trigger-"),
            "actions": [
                {
                    "type": "button",
                    "action_id": action_id,
                    "block_id": block_id,
                    "value": value,
                    "action_ts": "1700000000.000002",
                }
            ],
        }
        if view is not None:
            payload["container"] = {"type": "view", "view_id": view.get("id")}
            payload["view"] = view
        else:
            message = message or {"type": "message", "ts": "1700000000.000100", "text": ""}
            payload["container"] = {
                "type": "message",
                "message_ts": message.get("ts"),
                "channel_id": channel_id,
            }
            payload["channel"] = {"id": channel_id, "name": str(channel_id).lower()}
            payload["message"] = message
            payload["response_url"] = self.standin.response_url(self.next_id("action-"))
        return self.post_payload(payload, **signing)

    def click(
        self, call: Call, action_id: str, *, user_id: str = OPERATOR, **value_fields: str
    ) -> httpx.Response:
        """Click the button `action_id` on a message the bot posted (a recorded chat.postMessage call).

        `value_fields` pick one of several buttons sharing an action_id, e.g. `bucket="duplicate"`.
        """
        button, block_id = find_button(call.args.get("blocks") or [], action_id, **value_fields)
        message = {"type": "message", "ts": call.ts, "text": call.args.get("text", "")}
        message["blocks"] = call.args.get("blocks") or []
        if call.args.get("thread_ts"):
            message["thread_ts"] = call.args["thread_ts"]
        return self.block_action(
            action_id,
            button["value"],
            channel_id=call.args.get("channel"),
            message=message,
            block_id=block_id,
            user_id=user_id,
        )

    def view_submission(
        self,
        values: dict[str, dict[str, dict[str, Any]]],
        *,
        callback_id: str = CallbackId.LOOKUP_MODAL.value,
        view_id: str = "V0MODAL001",
        private_metadata: str = "",
        user_id: str = OPERATOR,
        **signing: Any,
    ) -> httpx.Response:
        """`values` as Slack sends them: {block_id: {action_id: {"type": ..., "value": ...}}}."""
        payload = {
            "type": "view_submission",
            "team": {"id": TEAM_ID, "domain": "standin"},
            "user": {"id": user_id, "username": user_id.lower(), "team_id": TEAM_ID},
            "api_app_id": "A0BILLING",
            "token": "deprecated-verification-token",
            "trigger_id": self.next_id("trigger-"),
            "view": {
                "id": view_id,
                "type": "modal",
                "callback_id": callback_id,
                "private_metadata": private_metadata,
                "state": {"values": values},
                "hash": "1700000000.hash",
            },
        }
        return self.post_payload(payload, **signing)

    # --- reading what happened ----------------------------------------------------------------
    def wait_idle(self, timeout: float = 5) -> None:
        """Wait until every listener started so far has returned (its Slack calls and store writes done)."""
        self.executor.wait_idle(timeout)

    def recorded_text(self) -> str:
        """Everything the bot sent to Slack, as one string, for scans (secrets, card numbers)."""
        return "\n".join(json.dumps(call.args, sort_keys=True, default=str) for call in self.standin.calls)


def find_button(
    blocks: list[dict[str, Any]], action_id: str, **value_fields: str
) -> tuple[dict[str, Any], str]:
    """The first button with `action_id` whose decoded ButtonValue matches `value_fields`; and its block_id."""
    for block in blocks:
        elements = list(block.get("elements") or [])
        if block.get("accessory"):
            elements.append(block["accessory"])
        for element in elements:
            if element.get("action_id") != action_id:
                continue
            value = ButtonValue.decode(element["value"]).model_dump() if element.get("value") else {}
            if all(value.get(name) == wanted for name, wanted in value_fields.items()):
                return element, str(block.get("block_id", ""))
    raise AssertionError(f"no {action_id} button matching {value_fields} in {json.dumps(blocks)[:500]}")


class ListenerExecutor(ThreadPoolExecutor):
    """Bolt's listener pool, counting work in flight so tests can wait for every listener to finish."""

    def __init__(self) -> None:
        super().__init__(max_workers=5, thread_name_prefix="bolt-listener")
        self._in_flight = 0
        self._idle = threading.Condition()

    def submit(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Future[Any]:
        with self._idle:
            self._in_flight += 1
        future = super().submit(fn, *args, **kwargs)
        future.add_done_callback(self._finished)
        return future

    def _finished(self, _: Future[Any]) -> None:
        with self._idle:
            self._in_flight -= 1
            self._idle.notify_all()

    def wait_idle(self, timeout: float = 5) -> None:
        with self._idle:
            if not self._idle.wait_for(lambda: self._in_flight == 0, timeout=timeout):
                raise TimeoutError(f"{self._in_flight} listener(s) still running after {timeout}s")


@contextmanager
def serving(app: App, *, host: str = LOOPBACK) -> Iterator[str]:
    """Serve `app` through bot.server's ASGI app under uvicorn in a thread; yields the events URL."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind((host, 0))
    sock.listen(64)  # connections queue here until uvicorn accepts them, so no start-up wait is needed
    port = sock.getsockname()[1]
    server: uvicorn.Server = uvicorn_server(app, host=host, port=port)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, name="uvicorn-e2e", daemon=True)
    thread.start()
    try:
        yield f"http://{host}:{port}{EVENTS_PATH}"
    finally:
        server.should_exit = True
        thread.join(timeout=5)
        sock.close()


@contextmanager
def running_bot(
    gateway: BillingGateway,
    *,
    lookup: LookupService | None = None,
    clock: Clock | None = None,
    store: Store | None = None,
    db_path: Path | str = ":memory:",
    **setting_overrides: Any,
) -> Iterator[SlackHarness]:
    """A whole bot against `gateway`, with its own stand-in, store and settings (override any setting)."""
    with SlackStandIn(port=0) as standin:
        settings = harness_settings(standin, db_path, **setting_overrides)
        clock = clock or SystemClock()
        services = Services(
            settings=settings,
            gateway=gateway,
            store=store or Store(settings.billing_db, clock),
            clock=clock,
            lookup=lookup
            or LookupService(gateway, clock, metadata_key=settings.billing_identity_metadata_key),
        )
        executor = ListenerExecutor()
        app = build_app(services, listener_executor=executor)
        with serving(app) as url:
            harness = SlackHarness(app=app, services=services, standin=standin, url=url, executor=executor)
            try:
                yield harness
            finally:
                harness.http.close()
                executor.shutdown(wait=True, cancel_futures=True)
