"""build_app(services): the Bolt app with every handlers module registered; nothing global."""

from __future__ import annotations

from concurrent.futures import Executor
from typing import cast

from slack_bolt import App
from slack_sdk import WebClient

from bot.services import Services
from bot.slack_client import build_slack_client
from handlers import actions, commands, errors, lookup_actions, middleware, reports, shortcuts, views, words
from handlers.guard import GuardedApp

# One register(app, services) per listener module; the middleware first (it puts the operator and the
# button's value into every listener's context), then errors, which catches every listener's failures.
HANDLER_MODULES = (middleware, errors, commands, shortcuts, views, lookup_actions, actions, reports, words)


def build_app(
    services: Services,
    *,
    slack_client: WebClient | None = None,
    token_verification_enabled: bool = True,
    listener_executor: Executor | None = None,
) -> App:
    """Sync Bolt App: the listener runs in a worker thread, so the HTTP ack returns as soon as ack() runs.

    `slack_client` must carry the bot token; `listener_executor` runs the listeners (tests pass one that
    can tell when every listener has finished).
    """
    settings = services.settings
    settings.require("SLACK_BOT_TOKEN", "SLACK_SIGNING_SECRET")
    assert settings.slack_bot_token is not None and settings.slack_signing_secret is not None
    token = settings.slack_bot_token.get_secret_value()
    client = slack_client or build_slack_client(token, settings.slack_api_url)
    app = App(
        client=client,
        signing_secret=settings.slack_signing_secret.get_secret_value(),
        process_before_response=False,
        token_verification_enabled=token_verification_enabled,
        listener_executor=listener_executor,
    )
    for module in HANDLER_MODULES:
        module.register(cast(App, GuardedApp(app)), services)
    return app
