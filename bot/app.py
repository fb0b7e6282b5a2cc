"""build_app(services): the Bolt app with every handlers module registered; nothing global."""

from __future__ import annotations

import importlib
import logging
from concurrent.futures import Executor
from types import ModuleType

from slack_bolt import App
from slack_sdk import WebClient

from bot.services import Services
from handlers import commands, errors, lookup_actions, shortcuts, views

log = logging.getLogger(__name__)

# Modules other issues own; each registers its listeners once it exists.
OPTIONAL_HANDLER_MODULES = ("handlers.actions", "handlers.reports")


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
    client = slack_client or WebClient(token=token, base_url=settings.slack_api_url)
    app = App(
        client=client,
        signing_secret=settings.slack_signing_secret.get_secret_value(),
        process_before_response=False,
        token_verification_enabled=token_verification_enabled,
        listener_executor=listener_executor,
    )
    for module in handler_modules():
        module.register(app, services)
    return app


def handler_modules() -> list[ModuleType]:
    modules: list[ModuleType] = [errors, commands, shortcuts, views, lookup_actions]
    for name in OPTIONAL_HANDLER_MODULES:
        module = _import_optional(name)
        if module is not None:
            modules.append(module)
    return modules


def _import_optional(name: str) -> ModuleType | None:
    try:
        module = importlib.import_module(name)
    except ModuleNotFoundError as error:
        if error.name != name:
            raise
        log.info("%s is not available yet; its listeners are not registered", name)
        return None
    if not hasattr(module, "register"):
        log.warning("%s has no register(app, services); skipped", name)
        return None
    return module
