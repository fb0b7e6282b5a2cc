"""`/billing QUERY`: ack, then look up and post the card in a billing channel."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, App, BoltContext
from slack_bolt.context.respond import Respond
from slack_sdk import WebClient

from billing.identity import split_query
from handlers import reports
from handlers.access import may_use
from handlers.lookup_actions import LookupFlow, allowed_channels_text, destination_in_channel
from handlers.middleware import Operator
from handlers.ports import Services
from handlers.work import Lane, run_later
from messages.card import usage_text
from messages.ids import ButtonValue

COMMAND = "/billing"
REPORTS = frozenset({"digest", "plans", "portal-check"})
RETRY_TARGET_LIMIT = 80


def register(app: App, services: Services) -> None:
    @app.command(COMMAND)
    def billing_command(
        ack: Ack,
        operator: Operator,
        command: dict[str, Any],
        client: WebClient,
        respond: Respond,
        context: BoltContext,
    ) -> None:
        ack()
        lane = Lane.REPORTS if is_report(command) else Lane.INTERACTIVE
        run_later(
            services.work,
            lane,
            command,
            client,
            respond,
            lambda: handle_billing_command(services, client, operator, command, respond),
            context=context,
        )


def is_report(command: dict[str, Any]) -> bool:
    return " ".join((command.get("text") or "").split()).lower() in REPORTS


def handle_billing_command(
    services: Services, client: WebClient, operator: Operator, command: dict[str, Any], respond: Respond
) -> None:
    query = " ".join((command.get("text") or "").split())
    if not query or query.lower() in ("help", "-h", "--help"):
        operator.tell(usage_text())
    elif query.lower() in REPORTS:
        report = query.lower()
        if may_use(services, operator, f"`/billing {report}`", in_billing_channel=True):
            reports.handle(services, report, command, respond)
    else:
        look_up(services, client, operator, query, command.get("channel_id"))


def look_up(
    services: Services, client: WebClient, operator: Operator, query: str, channel_id: str | None
) -> None:
    destination = destination_in_channel(services, channel_id, None)
    if destination is None:
        operator.tell(allowed_channels_text(services))
        return
    target, complaint = split_query(query)
    LookupFlow(services, client).run(
        operator,
        query=query,
        destination=destination,
        find=lambda: services.lookup.lookup(target, complaint=complaint),
        retry=retry_value(query),
    )


def retry_value(query: str) -> ButtonValue:
    # A long query (identifier + the customer's words) retries as a message: its email or ID leads.
    if len(query) <= RETRY_TARGET_LIMIT:
        return ButtonValue(target=query)
    return ButtonValue(text=query[:1500])
