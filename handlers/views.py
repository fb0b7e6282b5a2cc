"""The lookup modal's submission: keep the modal open with a status, then post the card."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, App, BoltContext
from slack_sdk import WebClient

from billing.identity import split_query
from handlers.commands import retry_value
from handlers.lookup_actions import LookupFlow, allowed_channels_text, first_billing_channel
from handlers.middleware import Operator
from handlers.ports import Services
from handlers.work import Lane, run_later
from messages.format import channel_mention, clip
from messages.ids import CallbackId
from messages.modals import (
    COMPLAINT_INPUT_ACTION,
    COMPLAINT_INPUT_BLOCK,
    LOOKUP_INPUT_ACTION,
    LOOKUP_INPUT_BLOCK,
    status_modal,
)


def register(app: App, services: Services) -> None:
    @app.view(CallbackId.LOOKUP_MODAL.value)
    def lookup_submitted(
        ack: Ack,
        operator: Operator,
        body: dict[str, Any],
        view: dict[str, Any],
        client: WebClient,
        context: BoltContext,
    ) -> None:
        query = submitted_query(view)
        if not query:
            ack(response_action="errors", errors={LOOKUP_INPUT_BLOCK: "Enter an email, Stripe ID or name."})
            return
        ack(response_action="update", view=status_modal(f"Looking up `{clip(query, 200)}`…"))
        complaint = submitted_complaint(view)
        run_later(
            services.work,
            Lane.INTERACTIVE,
            body,
            client,
            None,
            lambda: handle_lookup_submission(services, client, operator, query, complaint),
            context=context,
        )


def submitted_query(view: dict[str, Any]) -> str:
    values = view.get("state", {}).get("values", {})
    raw = values.get(LOOKUP_INPUT_BLOCK, {}).get(LOOKUP_INPUT_ACTION, {}).get("value") or ""
    return " ".join(str(raw).split())


def submitted_complaint(view: dict[str, Any]) -> str:
    values = view.get("state", {}).get("values", {})
    return str(
        values.get(COMPLAINT_INPUT_BLOCK, {}).get(COMPLAINT_INPUT_ACTION, {}).get("value") or ""
    ).strip()


def handle_lookup_submission(
    services: Services, client: WebClient, operator: Operator, query: str, complaint: str = ""
) -> None:
    destination = first_billing_channel(services)
    if destination is None:
        operator.tell(allowed_channels_text(services))
        return
    posted = LookupFlow(services, client).run(
        operator,
        query=query,
        destination=destination,
        find=lambda: services.lookup.lookup(query, complaint=complaint),
        retry=retry_value(_with_words(query, complaint)),
    )
    if posted is not None:
        operator.tell(f"Posted in {channel_mention(posted.channel)}.")


def _with_words(query: str, complaint: str) -> str:
    """Retry keeps the words when they can follow the identifier (`/billing`'s own form)."""
    combined = f"{query} {' '.join(complaint.split())}".strip()
    return combined if complaint and split_query(combined)[0] == query else query
