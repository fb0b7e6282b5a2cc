"""A form modal in headless Chromium: opened as "Loading…" and replaced by views.update (by external_id,
with its hash), filled in with a select, a datepicker and a number, checked by the page as the Slack
client checks it, answered with `response_action: errors`, and finally submitted: the view_submission the
bot's Bolt app received carries Slack's view.state.values shapes."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from bot.demo import DEMO_OPERATOR
from bot.playground.session import SECOND_OPERATOR, Playground
from bot.playground.workspace import Origin
from bot.slack_client import build_slack_client

pytestmark = pytest.mark.browser

CALLBACK = "playground_test_form"
EXTERNAL_ID = "playground-test-form-1"


def plain(text: str) -> dict[str, str]:
    return {"type": "plain_text", "text": text}


def option(text: str, value: str) -> dict[str, Any]:
    return {"text": plain(text), "value": value}


LOADING = {
    "type": "modal",
    "callback_id": CALLBACK,
    "external_id": EXTERNAL_ID,
    "title": plain("Refund charge"),
    "close": plain("Cancel"),
    "blocks": [{"type": "section", "text": {"type": "mrkdwn", "text": "Loading…"}}],
}
FORM = {
    "type": "modal",
    "callback_id": CALLBACK,
    "private_metadata": '{"case":"case_1"}',
    "title": plain("Refund charge"),
    "submit": plain("Continue"),
    "close": plain("Cancel"),
    "blocks": [
        {
            "type": "section",
            "text": {"type": "mrkdwn", "text": "Jane &lt;b&gt;Doe&lt;/b&gt;: pick a charge."},
        },
        {
            "type": "input",
            "block_id": "charge",
            "label": plain("Charge"),
            "element": {
                "type": "static_select",
                "action_id": "target",
                "placeholder": plain("Pick a charge"),
                "options": [option("ch_1 · $20.00 <dup>", "ch_1"), option("ch_2 · $35.00", "ch_2")],
            },
        },
        {
            "type": "input",
            "block_id": "when",
            "label": plain("Resume on"),
            "element": {"type": "datepicker", "action_id": "date", "initial_date": "2026-12-01"},
        },
        {
            "type": "input",
            "block_id": "seats",
            "label": plain("Seats"),
            "hint": plain("Between 1 and 10."),
            "element": {
                "type": "number_input",
                "action_id": "quantity",
                "is_decimal_allowed": False,
                "min_value": "1",
                "max_value": "10",
            },
        },
        {
            "type": "input",
            "block_id": "reason",
            "optional": True,
            "label": plain("Reason"),
            "element": {"type": "plain_text_input", "action_id": "text", "multiline": True},
        },
    ],
}


def values(seats: str) -> dict[str, Any]:
    return {
        "charge": {"target": {"type": "static_select", "selected_option": option("ch_2 · $35.00", "ch_2")}},
        "when": {"date": {"type": "datepicker", "selected_date": "2026-12-24"}},
        "seats": {"quantity": {"type": "number_input", "value": seats}},
        "reason": {"text": {"type": "plain_text_input", "value": None}},
    }


def bot_records_submissions(playground: Playground) -> list[dict[str, Any]]:
    """A listener on the bot's own Bolt app: the first submission is refused on the seats block, the next
    ones close the modal."""
    received: list[dict[str, Any]] = []

    def submitted(ack: Any, body: dict[str, Any]) -> None:
        received.append(body)
        if len(received) == 1:
            ack(response_action="errors", errors={"seats": "Only 5 seats are free."})
        else:
            ack()

    playground.bot.app.view(CALLBACK)(submitted)
    return received


def test_a_form_modal_is_replaced_filled_checked_refused_and_submitted_in_slacks_shapes(
    page: Any, playground: Playground, screenshots: Path
) -> None:
    received = bot_records_submissions(playground)
    settings = playground.bot.services.settings
    assert settings.slack_bot_token is not None
    slack = build_slack_client(settings.slack_bot_token.get_secret_value(), settings.slack_api_url)
    trigger = "trigger-test-form"
    playground.workspace.origins.record(trigger, Origin(user=DEMO_OPERATOR))
    loading = slack.views_open(trigger_id=trigger, view=LOADING)["view"]
    modal = page.get_by_role("dialog", name="Refund charge")
    modal.get_by_text("Loading…").wait_for()
    shoot(page, screenshots, "1-loading")

    slack.views_update(external_id=EXTERNAL_ID, hash=loading["hash"], view=FORM)
    charge = modal.locator("select[data-action-id='target']")
    charge.wait_for()
    assert modal.get_by_text("Loading…").count() == 0
    assert "Jane <b>Doe</b>: pick a charge." in modal.inner_text()  # customer text shown as text
    assert modal.locator(".modal-body b").count() == 0
    assert charge.locator("option").all_inner_texts() == [
        "Pick a charge",
        "ch_1 · $20.00 <dup>",
        "ch_2 · $35.00",
    ]
    assert modal.locator("input[type='date']").input_value() == "2026-12-01"

    charge.select_option("ch_2")
    modal.locator("input[type='date']").fill("2026-12-24")
    seats = modal.locator("input[data-action-id='quantity']")
    seats.fill("12")
    modal.locator(".modal-submit").click()
    seats_block = modal.locator("label.bk-input:has(input[data-action-id='quantity'])")
    seats_block.get_by_role("alert").wait_for()
    assert seats_block.get_by_role("alert").inner_text() == "Please enter a number between 1 and 10."
    assert received == []  # the client's own check: nothing reached the bot
    shoot(page, screenshots, "2-client-check")

    seats.fill("7")
    modal.locator(".modal-submit").click()
    seats_block.get_by_text("Only 5 seats are free.").wait_for()
    assert modal.get_by_role("alert").count() == 1  # under the seats block only
    assert (charge.input_value(), seats.input_value()) == ("ch_2", "7")  # entries kept, as in Slack
    assert modal.locator("input[type='date']").input_value() == "2026-12-24"
    shoot(page, screenshots, "3-bot-errors")

    seats.fill("5")
    modal.locator(".modal-submit").click()
    modal.wait_for(state="detached")
    second = received[-1]
    assert [body["view"]["state"]["values"] for body in received] == [values("7"), values("5")]
    assert (second["type"], second["view"]["id"], second["view"]["callback_id"]) == (
        "view_submission",
        loading["id"],
        CALLBACK,
    )
    assert second["view"]["private_metadata"] == '{"case":"case_1"}' and second["user"]["id"] == DEMO_OPERATOR
    assert second["view"]["blocks"] == FORM["blocks"]


def shoot(page: Any, folder: Path, name: str) -> None:
    page.screenshot(path=str(folder / f"{name}.png"))


def test_the_refund_button_asks_charge_amount_and_reason_then_two_operators_refund(
    page: Any, screenshots: Path
) -> None:
    box = page.locator("#composer textarea")
    box.fill("/billing yuki.annual@example.com")
    box.press("Enter")
    card = page.locator(".msg.from-app:has(.bk-header:text-is('Yuki Annual'))")
    card.get_by_role("button", name="Product failure").click()
    card.get_by_role("button", name="Refund charge…").click()

    modal = page.get_by_role("dialog", name="Refund a charge")
    charge = modal.get_by_role("combobox", name="Charge")
    charge.wait_for()
    assert charge.locator("option:checked").inner_text() == "2026-11-30 · $200.00 · Pro Annual"
    amount = modal.get_by_role("textbox", name=re.compile("^Amount \\(USD\\)"))
    amount.fill("ten dollars")
    modal.locator(".modal-submit").click()
    amount_block = modal.locator("label.bk-input:has([data-block-id='amount'])")
    amount_block.get_by_role("alert").wait_for()  # the bot's format check, under the amount only
    assert amount_block.get_by_role("alert").inner_text() == "Enter a positive amount, e.g. 12.50"
    assert modal.get_by_role("alert").count() == 1
    shoot(page, screenshots, "1-amount-refused")

    amount.fill("150")
    modal.get_by_role("combobox", name="Reason").select_option("duplicate")
    shoot(page, screenshots, "2-filled")
    modal.locator(".modal-submit").click()
    modal.wait_for(state="detached")
    prompt = card.locator(".bk-text", has_text="Confirm:")
    prompt.wait_for()
    assert "$150.00" in prompt.inner_text()
    card.locator(".bk-context", has_text="another operator").wait_for()
    card.get_by_role("button", name="Confirm", exact=True).click()
    page.locator(".msg.ephemeral", has_text="another operator must click Confirm").wait_for()
    assert page.locator("#stripe .stripe-object").count() == 0  # the requester's own Confirm moves nothing
    shoot(page, screenshots, "3-needs-second-operator")

    page.select_option("#user-switcher", SECOND_OPERATOR)
    card.get_by_role("button", name="Confirm", exact=True).click()
    refund = page.locator("#stripe .stripe-object[data-kind='refund']")
    refund.wait_for()
    assert "$150.00" in refund.inner_text() and "duplicate" in refund.inner_text()
    shoot(page, screenshots, "4-refunded")


def test_the_pause_buttons_datepicker_reaches_the_confirm_prompt(page: Any, screenshots: Path) -> None:
    box = page.locator("#composer textarea")
    box.fill("/billing yuki.annual@example.com")
    box.press("Enter")
    card = page.locator(".msg.from-app:has(.bk-header:text-is('Yuki Annual'))")
    card.get_by_role("button", name="Product failure").click()
    card.get_by_role("button", name="Pause collection…").click()

    modal = page.get_by_role("dialog", name="Pause collection")
    resumes = modal.locator("input[type='date']")
    resumes.wait_for()
    assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", resumes.input_value())  # the form's initial date
    resumes.fill("2027-01-15")
    modal.locator("select").select_option("void")
    shoot(page, screenshots, "1-pause-form")
    modal.locator(".modal-submit").click()
    modal.wait_for(state="detached")
    prompt = card.locator(".bk-text", has_text="Confirm:")
    prompt.wait_for()
    assert "until 2027-01-15 (void)" in prompt.inner_text()
    shoot(page, screenshots, "2-pause-confirm")
