"""Checks at start that Slack and Stripe accept the credentials, so a bad one stops `run` with one line.

Without them a revoked token or an unreachable API surfaces as a traceback from deep inside Bolt, or, worse,
as the first operator's failed lookup.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any
from urllib.error import URLError

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.web import SlackResponse

from billing.errors import ConfigError, StripeKeyRejected, StripeUnavailable, StripeUnreachable
from billing.gateway import StripeGateway
from bot.config import Settings

log = logging.getLogger(__name__)


def check_slack_bot_token(client: WebClient, settings: Settings) -> str:
    """auth.test with the bot token; returns the bot's user ID."""
    answer = _slack_call(lambda: client.auth_test(), "SLACK_BOT_TOKEN", settings)
    log.info(
        "Slack accepted SLACK_BOT_TOKEN (bot user %s, team %s)", answer.get("user_id"), answer.get("team_id")
    )
    return str(answer.get("user_id") or "")


def check_slack_app_token(settings: Settings) -> None:
    """apps.connections.open with the app-level token: what Socket Mode itself calls first."""
    assert settings.slack_app_token is not None
    client = WebClient(token=settings.slack_app_token.get_secret_value(), base_url=settings.slack_api_url)
    _slack_call(
        lambda: client.apps_connections_open(app_token=client.token or ""), "SLACK_APP_TOKEN", settings
    )


def check_stripe_key(gateway: StripeGateway) -> None:
    try:
        gateway.check_access()
    except StripeKeyRejected:
        raise ConfigError("STRIPE_API_KEY was refused by Stripe: check the key and its permissions") from None
    except StripeUnreachable as error:
        raise ConfigError(f"STRIPE_API_BASE is unreachable: {error.detail}") from None
    except StripeUnavailable as error:
        raise ConfigError(f"STRIPE_API_KEY could not be checked: {error.detail}") from None


@contextmanager
def _sdk_quiet() -> Iterator[None]:
    # slack_sdk logs each failed attempt at ERROR; at start the one line below says it all.
    sdk_log = logging.getLogger("slack_sdk.web.base_client")
    level = sdk_log.level
    sdk_log.setLevel(logging.CRITICAL)
    try:
        yield
    finally:
        sdk_log.setLevel(level)


def _slack_call(call: Callable[[], SlackResponse], name: str, settings: Settings) -> dict[str, Any]:
    try:
        with _sdk_quiet():
            data = call().data
        return data if isinstance(data, dict) else {}
    except SlackApiError as error:
        code = error.response.get("error") if error.response is not None else "unknown_error"
        raise ConfigError(f"{name} was refused by Slack: {code}") from None
    except (URLError, OSError) as error:
        reason = getattr(error, "reason", error)
        raise ConfigError(f"SLACK_API_URL is unreachable: {settings.slack_api_url} ({reason})") from None
