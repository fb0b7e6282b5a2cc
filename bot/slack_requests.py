"""Requests to a Bolt app's `/slack/events`, built and signed exactly as Slack builds and signs them.

The offline demo plays the operator with these, and the end-to-end tests send them:

    slack = SlackRequests(url=events_url, signing_secret=secret, response_urls=standin.response_url,
                          user_id="U0OPERATOR", channel_id="C0BILLING1")
    slack.slash_command("jane@example.com")
    slack.click(posted_card, ActionId.CLASSIFY, bucket="duplicate")

Slash commands are form-encoded; interactivity (shortcuts, block actions, view submissions) is form-encoded
`payload=<json>`. Every request carries `X-Slack-Request-Timestamp` and a v0 `X-Slack-Signature`.
"""

from __future__ import annotations

import hashlib
import hmac
import itertools
import json
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

import httpx

from bot.slack_standin import TEAM_ID, Call
from bot.slack_view_state import form_state
from messages.ids import ButtonValue, CallbackId

FORM = "application/x-www-form-urlencoded"
REQUEST_TIMEOUT = 2.5  # below Slack's 3 s: an ack slower than this is a failure
# Slack still sends the deprecated verification token; Bolt ignores it in favour of the signature.
VERIFICATION_TOKEN = "deprecated-verification-token"
APP_ID = "A0BILLING"
ACTION_TS = "1700000000.000002"


def slack_signature(secret: str, timestamp: str, body: str) -> str:
    """Slack's v0 scheme: HMAC-SHA256 over `v0:{timestamp}:{body}` with the signing secret."""
    digest = hmac.new(secret.encode(), f"v0:{timestamp}:{body}".encode(), hashlib.sha256).hexdigest()
    return f"v0={digest}"


def signed_headers(
    secret: str,
    body: str,
    *,
    content_type: str = FORM,
    timestamp: int | None = None,
    signature: str | None = None,
) -> dict[str, str]:
    """The headers Slack sends; pass `timestamp`/`signature` to age or forge a request."""
    ts = str(int(time.time()) if timestamp is None else timestamp)
    return {
        "Content-Type": content_type,
        "X-Slack-Request-Timestamp": ts,
        "X-Slack-Signature": signature or slack_signature(secret, ts, body),
    }


class MissingButton(LookupError):
    """A message has none of the buttons the caller meant to click."""


def find_button(
    blocks: list[dict[str, Any]], action_id: str, **value_fields: str
) -> tuple[dict[str, Any], str]:
    """The first button with `action_id` whose decoded ButtonValue matches `value_fields`; and its block_id.

    Raises MissingButton naming the button when the blocks have none.
    """
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
    raise MissingButton(f"no {action_id} button matching {value_fields} in {json.dumps(blocks)[:500]}")


def _user(user_id: str) -> dict[str, str]:
    return {"id": user_id, "username": user_id.lower(), "team_id": TEAM_ID}


def _team() -> dict[str, str]:
    return {"id": TEAM_ID, "domain": "standin"}


@dataclass(kw_only=True)
class SlackRequests:
    """Sends what Slack sends to `url`. `response_urls(name)` gives the response_url a payload carries."""

    url: str
    signing_secret: str
    response_urls: Callable[[str], str]
    user_id: str
    channel_id: str
    http: httpx.Client = field(default_factory=lambda: httpx.Client(timeout=REQUEST_TIMEOUT))
    _ids: Iterator[int] = field(default_factory=lambda: itertools.count(1))

    # --- raw --------------------------------------------------------------------------------
    def post(
        self,
        body: str,
        *,
        content_type: str = FORM,
        timestamp: int | None = None,
        signature: str | None = None,
    ) -> httpx.Response:
        """POST to the events URL signed like Slack; pass `timestamp`/`signature` to forge or age a request."""
        headers = signed_headers(
            self.signing_secret, body, content_type=content_type, timestamp=timestamp, signature=signature
        )
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
        channel_id: str | None = None,
        user_id: str | None = None,
        **signing: Any,
    ) -> httpx.Response:
        channel_id = channel_id or self.channel_id
        user_id = user_id or self.user_id
        form = {
            "token": VERIFICATION_TOKEN,
            "team_id": TEAM_ID,
            "team_domain": "standin",
            "channel_id": channel_id,
            "channel_name": channel_id.lower(),
            "user_id": user_id,
            "user_name": user_id.lower(),
            "command": command,
            "text": text,
            "api_app_id": APP_ID,
            "is_enterprise_install": "false",
            "response_url": self.response_urls(self.next_id("command-")),
            "trigger_id": self.next_id("trigger-"),
        }
        return self.post(urlencode(form), **signing)

    def message_shortcut(
        self,
        text: str,
        *,
        channel_id: str | None = None,
        message_ts: str = "1690000000.000100",
        thread_ts: str | None = None,
        user_id: str | None = None,
        callback_id: str = CallbackId.MESSAGE_SHORTCUT.value,
        **signing: Any,
    ) -> httpx.Response:
        channel_id = channel_id or self.channel_id
        user_id = user_id or self.user_id
        message: dict[str, Any] = {"type": "message", "user": "U0CUSTOMER", "ts": message_ts, "text": text}
        if thread_ts:
            message["thread_ts"] = thread_ts
        payload = {
            "type": "message_action",
            "callback_id": callback_id,
            "trigger_id": self.next_id("trigger-"),
            "message_ts": message_ts,
            "team": _team(),
            "channel": {"id": channel_id, "name": channel_id.lower()},
            "user": {"id": user_id, "name": user_id.lower(), "team_id": TEAM_ID},
            "message": message,
            "response_url": self.response_urls(self.next_id("shortcut-")),
            "token": VERIFICATION_TOKEN,
            "action_ts": "1700000000.000001",
        }
        return self.post_payload(payload, **signing)

    def global_shortcut(
        self,
        *,
        callback_id: str = CallbackId.GLOBAL_SHORTCUT.value,
        user_id: str | None = None,
        **signing: Any,
    ) -> httpx.Response:
        payload = {
            "type": "shortcut",
            "callback_id": callback_id,
            "trigger_id": self.next_id("trigger-"),
            "team": _team(),
            "user": _user(user_id or self.user_id),
            "token": VERIFICATION_TOKEN,
            "action_ts": "1700000000.000001",
        }
        return self.post_payload(payload, **signing)

    def block_action(
        self,
        action_id: str,
        value: str,
        *,
        channel_id: str | None = None,
        message: dict[str, Any] | None = None,
        view: dict[str, Any] | None = None,
        block_id: str = "block",
        user_id: str | None = None,
        **signing: Any,
    ) -> httpx.Response:
        """A button click: on a message (pass `message`, as posted) or in a modal (pass `view`)."""
        payload: dict[str, Any] = {
            "type": "block_actions",
            "team": _team(),
            "user": _user(user_id or self.user_id),
            "api_app_id": APP_ID,
            "token": VERIFICATION_TOKEN,
            "trigger_id": self.next_id("trigger-"),
            "actions": [
                {
                    "type": "button",
                    "action_id": action_id,
                    "block_id": block_id,
                    "value": value,
                    "action_ts": ACTION_TS,
                }
            ],
        }
        if view is not None:
            payload["container"] = {"type": "view", "view_id": view.get("id")}
            payload["view"] = view
        else:
            channel_id = channel_id or self.channel_id
            message = message or {"type": "message", "ts": "1700000000.000100", "text": ""}
            payload["container"] = {
                "type": "message",
                "message_ts": message.get("ts"),
                "channel_id": channel_id,
            }
            payload["channel"] = {"id": channel_id, "name": channel_id.lower()}
            payload["message"] = message
            payload["response_url"] = self.response_urls(self.next_id("action-"))
        return self.post_payload(payload, **signing)

    def click(
        self, call: Call, action_id: str, *, user_id: str | None = None, **value_fields: str
    ) -> httpx.Response:
        """Click the button `action_id` on a message the bot posted or updated (a recorded Web API call).

        `value_fields` pick one of several buttons sharing an action_id, e.g. `bucket="duplicate"`.
        """
        blocks = call.args.get("blocks") or []
        button, block_id = find_button(blocks, action_id, **value_fields)
        message: dict[str, Any] = {
            "type": "message",
            "ts": call.ts,
            "text": call.args.get("text", ""),
            "blocks": blocks,
        }
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

    def submit_form(
        self, view: dict[str, Any], answers: dict[str, str] | None = None, *, user_id: str | None = None
    ) -> httpx.Response:
        """Submit a modal the bot opened as Slack would: every input block's value, `answers` by block_id,
        the element's initial value otherwise."""
        return self.view_submission(
            form_state(view, answers or {}),
            callback_id=str(view.get("callback_id") or ""),
            view_id=str(view.get("id") or "V0MODAL001"),
            private_metadata=str(view.get("private_metadata") or ""),
            user_id=user_id,
        )

    def view_submission(
        self,
        values: dict[str, dict[str, dict[str, Any]]],
        *,
        callback_id: str = CallbackId.LOOKUP_MODAL.value,
        view_id: str = "V0MODAL001",
        private_metadata: str = "",
        user_id: str | None = None,
        shown: dict[str, Any] | None = None,
        **signing: Any,
    ) -> httpx.Response:
        """`values` as Slack sends them: {block_id: {action_id: {"type": ..., "value": ...}}}; `shown`: the
        whole view the person submitted (blocks, title...), which Slack sends too."""
        payload = {
            "type": "view_submission",
            "team": _team(),
            "user": _user(user_id or self.user_id),
            "api_app_id": APP_ID,
            "token": VERIFICATION_TOKEN,
            "trigger_id": self.next_id("trigger-"),
            "view": {
                **(shown or {}),
                "id": view_id,
                "type": "modal",
                "callback_id": callback_id,
                "private_metadata": private_metadata,
                "state": {"values": values},
                "hash": (shown or {}).get("hash") or "1700000000.hash",
            },
        }
        return self.post_payload(payload, **signing)
