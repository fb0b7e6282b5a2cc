"""An action's form as an operator meets it: the button opens a "Loading…" modal, the bot replaces it with
the form once Stripe is read, the operator submits, and the card shows the Confirm prompt."""

from __future__ import annotations

from typing import Any

from bot.slack_requests import SlackRequests
from bot.slack_standin import Call, SlackStandIn
from messages.ids import CallbackId

TIMEOUT = 10


def open_form(
    slack: SlackRequests, standin: SlackStandIn, call: Call, action_id: str, *, user_id: str | None = None
) -> dict[str, Any]:
    """Click the action's button and return the form the bot put in the modal (with its view id)."""
    opened = len(standin.calls_to("views.open"))
    updated = len(standin.calls_to("views.update"))
    assert slack.click(call, action_id, user_id=user_id).status_code == 200
    loading = standin.wait_for("views.open", count=opened + 1, timeout=TIMEOUT)[-1].args["view"]
    assert loading["callback_id"] == CallbackId.ACTION_FORM.value
    update = standin.wait_for("views.update", count=updated + 1, timeout=TIMEOUT)[-1].args
    return {**update["view"], "id": update["view_id"]}


def submit_form(
    slack: SlackRequests,
    standin: SlackStandIn,
    view: dict[str, Any],
    answers: dict[str, str] | None = None,
    *,
    user_id: str | None = None,
) -> Call:
    """Submit the form and return the card's update (the Confirm prompt, or what went wrong)."""
    updates = len(standin.calls_to("chat.update"))
    assert slack.submit_form(view, answers, user_id=user_id).status_code == 200
    return standin.wait_for("chat.update", count=updates + 1, timeout=TIMEOUT)[-1]


def input_blocks(view: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {block["block_id"]: block for block in view["blocks"] if block["type"] == "input"}


def select_labels(view: dict[str, Any], block_id: str) -> list[str]:
    return [option["text"]["text"] for option in input_blocks(view)[block_id]["element"]["options"]]


def through_form(
    slack: SlackRequests,
    standin: SlackStandIn,
    call: Call,
    action_id: str,
    answers: dict[str, str] | None = None,
    *,
    user_id: str | None = None,
) -> Call:
    """Click the action's button, submit its form (`answers`, the rest as preselected): the Confirm prompt."""
    form = open_form(slack, standin, call, action_id, user_id=user_id)
    return submit_form(slack, standin, form, answers, user_id=user_id)
