"""What a request to /slack/events must pass before Bolt sees any of it.

1. Signature (401): Slack's v0 HMAC over the raw bytes, with a numeric timestamp within 5 minutes. Nothing
   of an unverified request is parsed, so no listener or error handler can act on what it names.
2. Size and encoding (400): at most MAX_BODY_BYTES of UTF-8.
3. Shape (400): the body parses as Slack sends it (a form, or a form's `payload=<json>`) and every field
   Bolt or a listener reads has the type Slack gives it. Bolt itself reads fields with `payload["user"]["id"]`
   and the like, so a wrong type would otherwise surface as an HTTP 500.

Rejections are expected input: one WARNING line each, no traceback.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import re
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from pydantic import BaseModel, ConfigDict, StrictStr, ValidationError

log = logging.getLogger(__name__)

MAX_BODY_BYTES = 256 * 1024
MAX_CLOCK_SKEW_SECONDS = 5 * 60
_TIMESTAMP = re.compile(r"[0-9]{1,12}")
_SIGNATURE = re.compile(r"v0=[0-9a-f]{64}")
INTERACTIVE_TYPES = frozenset(
    {"block_actions", "view_submission", "view_closed", "shortcut", "message_action"}
)
SLACK_HOOKS_HOST = "hooks.slack.com"
# What Slack always sends with each kind, and the listeners need.
REQUIRED_FIELDS = {
    "block_actions": ("user", "actions", "trigger_id"),
    "view_submission": ("user", "view"),
    "view_closed": ("user", "view"),
    "shortcut": ("user", "callback_id", "trigger_id"),
    "message_action": ("user", "callback_id", "trigger_id", "message"),
}
# The bot subscribes to no events; Slack still sends url_verification when the Request URL is set.
JSON_TYPES = frozenset({"url_verification"})


@dataclass(frozen=True)
class Rejected(Exception):
    status: int
    reason: str


def verify_signature(
    secret: str, headers: Mapping[str, str], body: bytes, *, now: Callable[[], float] = time.time
) -> None:
    """Raise Rejected(401) unless the request is signed by Slack with `secret` within 5 minutes."""
    timestamp = headers.get("x-slack-request-timestamp") or ""
    signature = headers.get("x-slack-signature") or ""
    if not _TIMESTAMP.fullmatch(timestamp):
        raise Rejected(401, "missing or non-numeric X-Slack-Request-Timestamp")
    if abs(now() - int(timestamp)) > MAX_CLOCK_SKEW_SECONDS:
        raise Rejected(401, "stale X-Slack-Request-Timestamp")
    if not _SIGNATURE.fullmatch(signature):
        raise Rejected(401, "missing or malformed X-Slack-Signature")
    base = b"v0:" + timestamp.encode() + b":" + body
    expected = "v0=" + hmac.new(secret.encode(), base, hashlib.sha256).hexdigest()
    if not hmac.compare_digest(expected, signature):
        raise Rejected(401, "bad X-Slack-Signature")


def response_url_check(slack_api_url: str) -> Callable[[str], bool]:
    """A response_url must be Slack's (hooks.slack.com) or on the Web API's own host (the local stand-in):
    the bot never POSTs to an address a payload picked."""
    own = urlsplit(slack_api_url)

    def allowed(url: str) -> bool:
        parts = urlsplit(url)
        if parts.scheme == "https" and parts.netloc == SLACK_HOOKS_HOST:
            return True
        return (parts.scheme, parts.netloc) == (own.scheme, own.netloc)

    return allowed


def parse_body(
    body: bytes, content_type: str, *, response_url_allowed: Callable[[str], bool] = lambda url: False
) -> dict[str, Any]:
    """The payload as Bolt will parse it (slack_bolt.request.internals.parse_body), checked for shape."""
    if len(body) > MAX_BODY_BYTES:
        raise Rejected(400, f"body over {MAX_BODY_BYTES} bytes")
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        raise Rejected(400, "body is not UTF-8") from None
    if "\x00" in text:
        raise Rejected(400, "body contains NUL")
    if content_type.split(";")[0].strip() == "application/json" or text.startswith("{"):
        payload = _json_object(text)
        _check(_JsonBody, payload)
        if payload.get("type") not in JSON_TYPES:
            raise Rejected(400, "unexpected JSON body type")
        return payload
    form = dict(parse_qsl(text, keep_blank_values=True))
    if "payload" in text:
        # Bolt takes any body containing "payload" as interactivity; one without the field parses to {}.
        raw = form.get("payload")
        if raw is None:
            raise Rejected(400, "form without a payload field")
        payload = _json_object(raw)
        _check(_Interactive, payload)
        kind = payload.get("type")
        if kind not in INTERACTIVE_TYPES:
            raise Rejected(400, "unknown interactivity type")
        for name in REQUIRED_FIELDS.get(str(kind), ()):
            if not payload.get(name):
                raise Rejected(400, f"{kind} without {name}")
        user = payload.get("user") or {}
        if not user.get("id"):
            raise Rejected(400, f"{kind} without user.id")
        # Slack sends the workspace as team.id (org-wide installs: user.team_id); older Bolts index it blindly.
        if not ((payload.get("team") or {}).get("id") or user.get("team_id")):
            raise Rejected(400, f"{kind} without team.id")
        view = payload.get("view") or {}
        if kind in ("view_submission", "view_closed") and not (view.get("type") and view.get("callback_id")):
            raise Rejected(400, f"{kind} without view.type and view.callback_id")
        _check_response_url(payload.get("response_url"), response_url_allowed)
        return payload
    _check(_Command, form)
    if not form["user_id"]:
        raise Rejected(400, "command without user_id")
    _check_response_url(form.get("response_url"), response_url_allowed)
    return form


def _check_response_url(url: object, allowed: Callable[[str], bool]) -> None:
    if url is not None and not (isinstance(url, str) and allowed(url)):
        raise Rejected(400, "response_url is not Slack's")


def _json_object(text: str) -> dict[str, Any]:
    try:
        payload = json.loads(text)
    except (json.JSONDecodeError, RecursionError):
        raise Rejected(400, "payload is not JSON") from None
    if not isinstance(payload, dict):
        raise Rejected(400, "payload is not a JSON object")
    return payload


def _check(model: type[BaseModel], payload: dict[str, Any]) -> None:
    try:
        model.model_validate(payload)
    except ValidationError as error:
        first = error.errors()[0]
        where = ".".join(str(part) for part in first["loc"]) or "body"
        raise Rejected(400, f"malformed field {where}: {first['type']}") from None


# --- the fields Bolt and the listeners read, with the types Slack sends --------------------------


class _Loose(BaseModel):
    model_config = ConfigDict(extra="allow")


class _Id(_Loose):
    id: StrictStr | None = None


class _User(_Id):
    team_id: StrictStr | None = None


class _Team(_Id):
    enterprise_id: StrictStr | None = None
    domain: StrictStr | None = None


class _Action(_Loose):
    action_id: StrictStr
    block_id: StrictStr | None = None
    value: StrictStr | None = None
    type: StrictStr | None = None


class _Message(_Loose):
    text: StrictStr | None = None
    ts: StrictStr | None = None
    thread_ts: StrictStr | None = None
    user: StrictStr | None = None
    blocks: list[dict[str, Any]] | None = None


class _ViewState(_Loose):
    values: dict[StrictStr, dict[StrictStr, dict[StrictStr, Any]]] = {}


class _View(_Loose):
    id: StrictStr | None = None
    type: StrictStr | None = None
    callback_id: StrictStr | None = None
    private_metadata: StrictStr | None = None
    external_id: StrictStr | None = None
    state: _ViewState | None = None


class _Container(_Loose):
    type: StrictStr | None = None
    message_ts: StrictStr | None = None
    channel_id: StrictStr | None = None
    view_id: StrictStr | None = None


class _Authorization(_Loose):
    enterprise_id: StrictStr | None = None
    team_id: StrictStr | None = None
    user_id: StrictStr | None = None
    is_enterprise_install: bool | None = None


class _Interactive(_Loose):
    type: StrictStr
    callback_id: StrictStr | None = None
    trigger_id: StrictStr | None = None
    response_url: StrictStr | None = None
    action_ts: StrictStr | None = None
    message_ts: StrictStr | None = None
    api_app_id: StrictStr | None = None
    token: StrictStr | None = None
    user: _User | None = None
    team: _Team | None = None
    enterprise: _Id | StrictStr | None = None
    channel: _Id | None = None
    container: _Container | None = None
    message: _Message | None = None
    view: _View | None = None
    actions: list[_Action] | None = None
    authorizations: list[_Authorization] | None = None
    is_enterprise_install: bool | None = None
    function_data: dict[str, Any] | None = None
    bot_access_token: StrictStr | None = None


class _JsonBody(_Loose):
    type: StrictStr
    token: StrictStr | None = None
    challenge: StrictStr | None = None
    team_id: StrictStr | None = None
    enterprise_id: StrictStr | None = None
    api_app_id: StrictStr | None = None
    event: dict[str, Any] | None = None
    authorizations: list[_Authorization] | None = None
    is_enterprise_install: bool | None = None


class _Command(_Loose):
    # parse_qsl gives strings only; these are the fields Bolt matches on and the listener needs.
    command: StrictStr
    user_id: StrictStr
    response_url: StrictStr
    text: StrictStr | None = None
