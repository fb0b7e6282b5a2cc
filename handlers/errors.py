"""The one error handler: typed errors become their message; anything else a reference ID + logged traceback."""

from __future__ import annotations

import logging
import secrets
from typing import Any

from slack_bolt import App
from slack_bolt.context import BoltContext
from slack_bolt.context.respond import Respond
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.web import SlackResponse

from billing.errors import BillingError
from handlers.middleware import operator_for
from handlers.ports import Services
from messages.errors import (
    billing_error_text,
    slack_problem_text,
    tampered_value_text,
    unexpected_error_text,
)
from messages.ids import BadButtonValue

log = logging.getLogger(__name__)


def new_reference() -> str:
    """Short enough to read aloud, unique enough to find in the log."""
    return f"ref-{secrets.token_hex(3)}"


def register(app: App, services: Services) -> None:
    app.error(handle_error)


def handle_error(
    error: Exception,
    body: dict[str, Any],
    client: WebClient,
    respond: Respond | None,
    context: BoltContext | None = None,
) -> None:
    slack_text = _slack_problem(error, context) if isinstance(error, SlackApiError) else None
    if isinstance(error, BillingError):
        text = billing_error_text(error.message)
    elif isinstance(error, BadButtonValue):
        log.warning(
            "refused a %s request with a value the bot did not make: %s", body.get("type") or "command", error
        )
        text = tampered_value_text()
    elif isinstance(error, SlackApiError) and slack_text is not None:
        # Expected in a real workspace (bot not invited, channel archived): one line, no traceback.
        log.warning("Slack refused %s: %s", _failed_method(error), error.response.get("error"))
        text = slack_text
    else:
        reference = new_reference()
        # The traceback names code and types, not settings; tokens live in SecretStr and never reach it.
        log.error(
            "%s: unhandled error in a %s request", reference, body.get("type") or "command", exc_info=error
        )
        text = unexpected_error_text(reference)
    try:
        operator_for(body, client, respond).tell(text)
    except Exception as failure:
        log.warning("could not tell the operator about an error: %s: %s", type(failure).__name__, failure)


def _slack_problem(error: SlackApiError, context: BoltContext | None) -> str | None:
    response = error.response
    return slack_problem_text(
        str(response.get("error") or ""),
        channel=_argument(response, "channel"),
        bot_user_id=context.bot_user_id if context is not None else None,
        needed_scope=response.get("needed"),
    )


def _argument(response: SlackResponse, name: str) -> str | None:
    """An argument of the failed Web API call (the SDK keeps them as json, form data or query params)."""
    for kind in ("json", "data", "params"):
        arguments = (response.req_args or {}).get(kind) or {}
        if isinstance(arguments, dict) and arguments.get(name):
            return str(arguments[name])
    return None


def _failed_method(error: SlackApiError) -> str:
    return str(error.response.api_url).rsplit("/", 1)[-1]
