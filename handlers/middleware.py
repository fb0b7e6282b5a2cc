"""Who to answer and how: one small object the listeners and the error handler share."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from slack_bolt.context.respond import Respond
from slack_sdk import WebClient
from slack_sdk.models.blocks import Block

from messages.card import status_modal


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
