"""Message shortcut "Investigate billing" and global shortcut "Billing lookup"."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, App, BoltContext
from slack_bolt.context.respond import Respond
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from handlers.access import may_use
from handlers.lookup_actions import (
    Destination,
    LookupFlow,
    allowed_channels_text,
    destination_in_channel,
    first_billing_channel,
    tell_where_posted,
)
from handlers.middleware import Operator
from handlers.ports import Services
from handlers.work import Lane, run_later
from messages.card import source_note
from messages.format import clip
from messages.ids import ButtonValue, CallbackId
from messages.modals import lookup_modal

MESSAGE_TEXT_LIMIT = 1500


def register(app: App, services: Services) -> None:
    @app.shortcut(CallbackId.MESSAGE_SHORTCUT.value)
    def investigate_message(
        ack: Ack,
        operator: Operator,
        shortcut: dict[str, Any],
        client: WebClient,
        respond: Respond,
        context: BoltContext,
    ) -> None:
        ack()

        def investigate_if_allowed() -> None:
            if may_use(services, operator, "the Investigate billing shortcut", in_billing_channel=False):
                handle_message_shortcut(services, client, operator, shortcut)

        run_later(
            services.work,
            Lane.INTERACTIVE,
            shortcut,
            client,
            respond,
            investigate_if_allowed,
            context=context,
        )

    @app.shortcut(CallbackId.GLOBAL_SHORTCUT.value)
    def open_lookup_modal(ack: Ack, shortcut: dict[str, Any], client: WebClient) -> None:
        ack()
        client.views_open(trigger_id=shortcut["trigger_id"], view=lookup_modal())


def handle_message_shortcut(
    services: Services, client: WebClient, operator: Operator, shortcut: dict[str, Any]
) -> None:
    message = shortcut.get("message") or {}
    text = clip(message.get("text") or "", MESSAGE_TEXT_LIMIT)
    channel_id = (shortcut.get("channel") or {}).get("id")
    message_ts = message.get("ts")
    destination = destination_in_channel(services, channel_id, message.get("thread_ts") or message_ts)
    if destination is None:
        destination = _away_from_message(services, client, channel_id, message_ts)
    if destination is None:
        operator.tell(allowed_channels_text(services))
        return
    context = _thread_start(client, channel_id, message)
    posted = LookupFlow(services, client).run(
        operator,
        query=text,
        destination=destination,
        find=lambda: services.lookup.lookup_in_message(text, context=context),
        retry=ButtonValue(text=text),
    )
    if posted is not None and posted.channel != channel_id:
        tell_where_posted(client, operator, posted, what="the billing card for this message")


def _thread_start(client: WebClient, channel_id: str | None, message: dict[str, Any]) -> str:
    """A reply's thread usually opens with the customer's request: it is part of the complaint."""
    thread_ts, ts = message.get("thread_ts"), message.get("ts")
    if not channel_id or not thread_ts or thread_ts == ts:
        return ""
    try:
        replies = client.conversations_replies(channel=channel_id, ts=thread_ts, limit=1)
    except SlackApiError:
        # No history scope, or a channel the bot cannot read: the reply alone is the complaint.
        return ""
    first = (replies.get("messages") or [{}])[0]
    return clip(str(first.get("text") or ""), MESSAGE_TEXT_LIMIT) if first.get("ts") == thread_ts else ""


def _away_from_message(
    services: Services, client: WebClient, channel_id: str | None, message_ts: str | None
) -> Destination | None:
    """The message is outside the billing channels: post in the first one, linking back to it."""
    if not services.settings.billing_channels:
        return None
    permalink = _permalink(client, channel_id, message_ts)
    return first_billing_channel(services, note=source_note(permalink, channel_id or ""))


def _permalink(client: WebClient, channel_id: str | None, message_ts: str | None) -> str | None:
    if not channel_id or not message_ts:
        return None
    try:
        return str(client.chat_getPermalink(channel=channel_id, message_ts=message_ts)["permalink"])
    except SlackApiError:
        # e.g. a private channel the bot is not in: the card still goes out, without the link.
        return None
