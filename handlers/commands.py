"""`/billing QUERY`: ack, then look up and post the card in a billing channel."""

from __future__ import annotations

import importlib
from types import ModuleType
from typing import Any

from slack_bolt import Ack, App
from slack_bolt.context.respond import Respond
from slack_sdk import WebClient

from bot.services import Services
from handlers.lookup_actions import LookupFlow, allowed_channels_text, destination_in_channel
from handlers.middleware import Operator, operator_for
from messages.card import usage_text
from messages.ids import ButtonValue

COMMAND = "/billing"
REPORTS = frozenset({"digest", "plans", "portal-check"})
RETRY_TARGET_LIMIT = 80


def register(app: App, services: Services) -> None:
    @app.command(COMMAND)
    def billing_command(ack: Ack, command: dict[str, Any], client: WebClient, respond: Respond) -> None:
        ack()
        handle_billing_command(services, client, command, respond)


def handle_billing_command(
    services: Services, client: WebClient, command: dict[str, Any], respond: Respond
) -> None:
    query = " ".join((command.get("text") or "").split())
    operator = operator_for(command, client, respond)
    if not query or query.lower() in ("help", "-h", "--help"):
        operator.tell(usage_text())
    elif query.lower() in REPORTS:
        run_report(services, query.lower(), command, respond, operator)
    else:
        look_up(services, client, operator, query, command.get("channel_id"))


def run_report(
    services: Services, report_name: str, command: dict[str, Any], respond: Respond, operator: Operator
) -> None:
    reports = _reports_module()
    if reports is None:
        operator.tell(f"`/billing {report_name}` is not available yet.")
        return
    reports.handle(services, report_name, command, respond)


def look_up(
    services: Services, client: WebClient, operator: Operator, query: str, channel_id: str | None
) -> None:
    destination = destination_in_channel(services, channel_id, None)
    if destination is None:
        operator.tell(allowed_channels_text(services))
        return
    LookupFlow(services, client).run(
        operator,
        query=query,
        destination=destination,
        find=lambda: services.lookup.lookup(query),
        retry=retry_value(query),
    )


def retry_value(query: str) -> ButtonValue:
    if len(query) <= RETRY_TARGET_LIMIT:
        return ButtonValue(target=query)
    return ButtonValue(text=query[:1500])


def _reports_module() -> ModuleType | None:
    # handlers/reports.py is another issue's; until it lands, reports answer "not available yet".
    try:
        return importlib.import_module("handlers.reports")
    except ModuleNotFoundError as error:
        if error.name != "handlers.reports":
            raise
        return None
