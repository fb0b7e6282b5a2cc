"""Bolt middleware that puts what every listener needs into its context (Netflix Dispatch's pattern):
`operator`, who to answer and how, and `button`, the clicked button's decoded value. Listeners then
take them as plain arguments, so tests can call them directly."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from slack_bolt import App, BoltContext, BoltResponse
from slack_bolt.context.respond import Respond
from slack_sdk import WebClient
from slack_sdk.models.blocks import Block

from messages.ids import BadButtonValue, ButtonValue

if TYPE_CHECKING:
    from handlers.ports import Services
from messages.modals import status_modal


@dataclass
class Operator:
    """The person who clicked or typed, and the quietest way to answer only them."""

    user_id: str
    client: WebClient
    channel_id: str | None = None
    respond: Respond | None = None
    view_id: str | None = None

    def tell(self, text: str, blocks: Sequence[Block] | None = None) -> None:
        if self.view_id:
            self.client.views_update(view_id=self.view_id, view=status_modal(text, blocks))
        elif self.respond is not None:
            self.respond(text=text, blocks=blocks, response_type="ephemeral", replace_original=False)
        elif self.channel_id:
            self.client.chat_postEphemeral(
                channel=self.channel_id, user=self.user_id, text=text, blocks=blocks
            )
        else:
            self.client.chat_postMessage(channel=self.user_id, text=text, blocks=blocks)


def operator_for(body: dict[str, Any], client: WebClient, respond: Respond | None) -> Operator:
    """Works for slash commands, shortcuts, block actions and view submissions alike."""
    user = body.get("user") or {}
    user_id = body.get("user_id") or user.get("id") or ""
    channel = body.get("channel") or {}
    channel_id = body.get("channel_id") or channel.get("id")
    view = body.get("view") or {}
    has_response_url = bool(body.get("response_url"))
    return Operator(
        user_id=user_id,
        client=client,
        channel_id=channel_id,
        respond=respond if has_response_url else None,
        view_id=view.get("id") if body.get("type") in ("view_submission", "block_actions") else None,
    )


def inject_operator_and_button(
    context: BoltContext, body: dict[str, Any], next: Callable[[], BoltResponse | None]
) -> BoltResponse | None:
    if context.client is not None:
        context["operator"] = operator_for(body, context.client, context.respond)
    raw = raw_button_value(body)
    if raw is not None:
        try:
            context["button"] = ButtonValue.decode(raw)
        except BadButtonValue as error:
            context["button"] = None  # the listener raises after its ack (require_button)
            context["button_problem"] = str(error)
    return next()


def raw_button_value(body: dict[str, Any]) -> str | None:
    """A block action's value, or the private_metadata a modal carries from the button that opened it."""
    if body.get("type") == "block_actions":
        actions = body.get("actions") or [{}]
        value = actions[0].get("value")
        return value if isinstance(value, str) else None
    if body.get("type") == "view_submission":
        return (body.get("view") or {}).get("private_metadata") or "{}"
    return None


def require_button(button: ButtonValue | None) -> ButtonValue:
    """The decoded value; BadButtonValue (expected hostile input, answered in handlers/errors.py) if the click
    carried none this bot made."""
    if button is None:
        raise BadButtonValue("the button's value is not one this bot made")
    return button


def register(app: App, services: Services) -> None:
    app.use(inject_operator_and_button)
