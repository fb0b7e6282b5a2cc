"""An action's form in the playground, submitted as the page submits it (what its controls hold): the
client's own checks, the bot's format errors under the right block, the plan's refusal after the ack, and
the choices reaching the Confirm prompt (the browser test clicks the same path)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from bot.demo import DEMO_CHANNEL, DEMO_OPERATOR
from bot.playground.inputs import REQUIRED
from bot.playground.session import Playground, running_playground
from bot.playground.workspace import Message, OpenView


@pytest.fixture(scope="module")
def playground() -> Iterator[Playground]:
    with running_playground() as playground:
        yield playground


def click(playground: Playground, message: Message, label: str) -> Message:
    [(action_id, block_id, value)] = [
        (element["action_id"], str(block.get("block_id")), element.get("value", ""))
        for block in message.blocks
        for element in block.get("elements") or []
        if element.get("type") == "button" and element["text"]["text"] == label
    ]
    assert playground.click(DEMO_OPERATOR, message.channel, message.ts, action_id, block_id, value).ok
    updated = playground.sync().find(message.channel, message.ts)
    assert updated is not None
    return updated


def refund_form(playground: Playground) -> tuple[Message, OpenView]:
    playground.send_message(DEMO_OPERATOR, DEMO_CHANNEL, "/billing yuki.annual@example.com")
    card = playground.sync().top_level(DEMO_CHANNEL, DEMO_OPERATOR)[-1]
    card = click(playground, click(playground, card, "Product failure"), "Refund charge…")
    modal = playground.sync().modal_for(DEMO_OPERATOR)
    assert modal is not None and modal.view["title"]["text"] == "Refund a charge"
    return card, modal


def entries(charge: str, amount: str, reason: str = "requested_by_customer") -> dict[str, dict[str, str]]:
    return {"target": {"select": charge}, "amount": {"amount": amount}, "reason": {"select": reason}}


def test_the_refund_form_refuses_as_slack_and_the_bot_would_then_reaches_the_confirm_prompt(
    playground: Playground,
) -> None:
    card, modal = refund_form(playground)
    [charge] = [o["value"] for o in modal.view["blocks"][1]["element"]["options"]]

    playground.submit_entries(DEMO_OPERATOR, modal.id, entries("", "", ""))
    assert modal.errors == {"target": REQUIRED, "reason": REQUIRED}  # Slack's client: the bot saw nothing
    assert playground.sync().find(card.channel, card.ts) == card

    playground.submit_entries(DEMO_OPERATOR, modal.id, entries(charge, "ten", "duplicate"))
    assert modal.errors == {"amount": "Enter a positive amount, e.g. 12.50"}
    assert modal.values["reason"]["select"]["selected_option"]["value"] == "duplicate"  # kept, as in Slack

    playground.submit_entries(DEMO_OPERATOR, modal.id, entries(charge, "150", "duplicate"))
    assert playground.sync().modal_for(DEMO_OPERATOR) is None
    card = playground.sync().find(card.channel, card.ts) or card
    assert f"Refund $150.00 (of $200.00) of {charge}" in str(card.blocks)
    assert "(duplicate charge)" in str(card.blocks)


def test_an_amount_the_charge_cannot_cover_is_refused_after_the_ack_and_nothing_changes(
    playground: Playground,
) -> None:
    _, modal = refund_form(playground)
    [charge] = [o["value"] for o in modal.view["blocks"][1]["element"]["options"]]
    playground.submit_entries(DEMO_OPERATOR, modal.id, entries(charge, "250"))
    assert playground.sync().modal_for(DEMO_OPERATOR) is None
    told = playground.sync().top_level(DEMO_CHANNEL, DEMO_OPERATOR)[-1]
    assert told.only_for == DEMO_OPERATOR and "at most $200.00" in told.text
    assert playground.stripe.objects() == []


def test_the_seat_form_number_input_is_checked_as_slack_checks_it_then_previews(
    playground: Playground,
) -> None:
    playground.send_message(DEMO_OPERATOR, DEMO_CHANNEL, "/billing team@acme.example")
    card = playground.sync().top_level(DEMO_CHANNEL, DEMO_OPERATOR)[-1]
    card = click(playground, click(playground, card, "Team / multi-seat"), "Change seats…")
    modal = playground.sync().modal_for(DEMO_OPERATOR)
    assert modal is not None
    [(block_id, element)] = [
        (b["block_id"], b["element"]) for b in modal.view["blocks"] if b["type"] == "input"
    ]
    assert element["type"] == "number_input" and element["is_decimal_allowed"] is False

    playground.submit_entries(DEMO_OPERATOR, modal.id, {block_id: {element["action_id"]: "2.5"}})
    assert modal.errors == {block_id: "Please enter a whole number."}
    playground.submit_entries(DEMO_OPERATOR, modal.id, {block_id: {element["action_id"]: "3"}})
    assert playground.sync().modal_for(DEMO_OPERATOR) is None
    card = playground.sync().find(card.channel, card.ts) or card
    assert "from 5 to 3 seats" in str(card.blocks)
