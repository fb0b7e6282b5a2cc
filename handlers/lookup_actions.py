"""The lookup flow shared by /billing, the shortcuts and the modal; and its own buttons (Open, Retry)."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from slack_bolt import Ack, App, BoltContext
from slack_bolt.context.respond import Respond
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.models.blocks import Block

from billing.errors import BillingError, StripeUnavailable
from billing.identity import split_query
from billing.snapshot import CustomerSnapshot, LookupResult
from handlers.errors import new_reference
from handlers.middleware import Operator, require_button
from handlers.ports import Services
from handlers.work import Lane, run_later
from messages.card import candidates_card, candidates_fallback_text, card_text, customer_card
from messages.errors import lookup_failed_blocks, lookup_failed_text, posted_elsewhere_text
from messages.format import channel_mention, clip
from messages.ids import ActionId, ButtonValue

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Destination:
    """Where a card goes: a billing channel, maybe a thread, maybe with a note above it."""

    channel: str
    thread_ts: str | None = None
    note: Block | None = None


@dataclass(frozen=True)
class Posted:
    channel: str
    ts: str


def allowed_channels_text(services: Services) -> str:
    channels = services.settings.billing_channels
    if not channels:
        return "No billing channels are configured (BILLING_CHANNELS), so cards cannot be posted yet."
    names = ", ".join(channel_mention(channel) for channel in channels)
    return f"Billing cards are only posted in {names}. Run this there."


class LookupFlow:
    """find -> card or candidates -> post -> open the case and audit; failures answer only the operator."""

    def __init__(self, services: Services, client: WebClient) -> None:
        self.services = services
        self.client = client

    def run(
        self,
        operator: Operator,
        *,
        query: str,
        destination: Destination,
        find: Callable[[], LookupResult],
        retry: ButtonValue,
    ) -> Posted | None:
        try:
            result = find()
        except StripeUnavailable as error:
            reference = new_reference()
            log.warning("%s: lookup failed, Stripe unavailable (request %s)", reference, error.request_id)
            text = lookup_failed_text(error.message, reference)
            operator.tell(text, lookup_failed_blocks(error.message, reference, retry))
            return None
        except BillingError as error:
            operator.tell(error.message)
            return None
        if result.snapshot is not None:
            return self.post_card(operator, result.snapshot, query=query, destination=destination)
        if result.candidates:
            return self._post(destination, candidates_card(result), candidates_fallback_text(result))
        operator.tell(
            f"No customer matches `{clip(query, 200)}` (matched on {result.matched_on or 'nothing'})."
        )
        return None

    def post_card(
        self, operator: Operator, snapshot: CustomerSnapshot, *, query: str, destination: Destination
    ) -> Posted:
        cases = self.services.cases
        case_id = cases.open(snapshot, query=query, opened_by=operator.user_id)
        posted = self._post(destination, customer_card(snapshot, case_id=case_id), card_text(snapshot))
        cases.card_posted(
            case_id,
            snapshot,
            query=query,
            actor=operator.user_id,
            channel=posted.channel,
            message_ts=posted.ts,
            thread_ts=destination.thread_ts,
        )
        return posted

    def _post(self, destination: Destination, blocks: list[Block], text: str) -> Posted:
        if destination.note is not None:
            blocks = [destination.note, *blocks]
        response = self.client.chat_postMessage(
            channel=destination.channel,
            thread_ts=destination.thread_ts,
            text=text,
            blocks=blocks,
            unfurl_links=False,
            unfurl_media=False,
        )
        return Posted(channel=str(response["channel"]), ts=str(response["ts"]))


# --- the lookup's own buttons -----------------------------------------------------------------


def register(app: App, services: Services) -> None:
    @app.action(ActionId.OPEN_CANDIDATE.value)
    def open_candidate(
        ack: Ack,
        operator: Operator,
        button: ButtonValue | None,
        body: dict[str, Any],
        client: WebClient,
        respond: Respond,
        context: BoltContext,
    ) -> None:
        ack()
        run_later(
            services.work,
            Lane.INTERACTIVE,
            body,
            client,
            respond,
            lambda: handle_open_candidate(services, client, operator, body, require_button(button)),
            context=context,
        )

    @app.action(ActionId.RETRY_LOOKUP.value)
    def retry_lookup(
        ack: Ack,
        operator: Operator,
        button: ButtonValue | None,
        body: dict[str, Any],
        client: WebClient,
        respond: Respond,
        context: BoltContext,
    ) -> None:
        ack()
        run_later(
            services.work,
            Lane.INTERACTIVE,
            body,
            client,
            respond,
            lambda: handle_retry(services, client, operator, require_button(button)),
            context=context,
        )


def handle_open_candidate(
    services: Services, client: WebClient, operator: Operator, body: dict[str, Any], value: ButtonValue
) -> None:
    customer_id = value.target or ""
    message = body.get("message") or {}
    destination = destination_in_channel(services, operator.channel_id, message.get("thread_ts"))
    if destination is None:
        operator.tell(allowed_channels_text(services))
        return
    query = value.text or customer_id
    matched_on = f"{query}, chosen from several customers"

    def find() -> LookupResult:
        snapshot = services.lookup.snapshot(customer_id, matched_on=matched_on, complaint=value.words or "")
        return LookupResult(query=query, matched_on=matched_on, snapshot=snapshot)

    LookupFlow(services, client).run(
        operator, query=query, destination=destination, find=find, retry=ButtonValue(target=customer_id)
    )


def handle_retry(services: Services, client: WebClient, operator: Operator, value: ButtonValue) -> None:
    destination = destination_in_channel(services, operator.channel_id, None) or first_billing_channel(
        services
    )
    if destination is None:
        operator.tell(allowed_channels_text(services))
        return
    if value.target:
        query = value.target
        target, words = split_query(query)
        find: Callable[[], LookupResult] = lambda: services.lookup.lookup(target, complaint=words)  # noqa: E731
    else:
        query = value.text or ""
        find = lambda: services.lookup.lookup_in_message(query)  # noqa: E731
    LookupFlow(services, client).run(operator, query=query, destination=destination, find=find, retry=value)


def tell_where_posted(client: WebClient, operator: Operator, posted: Posted, *, what: str) -> None:
    """The card went to another channel than the one the operator is in: say where, with a link."""
    try:
        link = str(client.chat_getPermalink(channel=posted.channel, message_ts=posted.ts)["permalink"])
    except SlackApiError:
        link = None
    operator.tell(posted_elsewhere_text(what, posted.channel, link))


def destination_in_channel(
    services: Services, channel_id: str | None, thread_ts: str | None
) -> Destination | None:
    if channel_id and channel_id in services.settings.billing_channels:
        return Destination(channel=channel_id, thread_ts=thread_ts)
    return None


def first_billing_channel(services: Services, note: Block | None = None) -> Destination | None:
    channels = services.settings.billing_channels
    return Destination(channel=channels[0], note=note) if channels else None
