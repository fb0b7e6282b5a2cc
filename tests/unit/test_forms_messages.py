"""messages/forms.py: an action's form as a Slack modal (exact output), and what comes back from it."""

from __future__ import annotations

from billing.action_models import Choice, FieldKind, Form, FormField
from bot.slack_requests import form_state
from messages.forms import escaped_within, form_modal, format_errors, submitted_choices
from messages.ids import ButtonValue

VALUE = ButtonValue(case="case_1", target="ch_1", kind="refund", form=True)
FORM = Form(
    title="Refund a charge",
    submit="Review refund",
    intro="Pick one <@U0BOSS>",
    fields=[
        FormField(
            name="target",
            label="Charge",
            kind=FieldKind.SELECT,
            choices=[
                Choice(value="ch_1", label="2026-11-02 · $12.00 · <!here> Pro"),
                Choice(value="ch_2", label="x"),
            ],
            initial="ch_1",
        ),
        FormField(name="amount", label="Amount", kind=FieldKind.AMOUNT, optional=True, currency="usd"),
        FormField(name="until", label="Until", kind=FieldKind.DATE, initial="2026-12-31"),
        FormField(name="seats", label="Seats", kind=FieldKind.NUMBER, initial="3"),
    ],
)


def test_a_form_renders_each_field_kind_as_its_slack_element_with_customer_text_escaped() -> None:
    view = form_modal(VALUE, FORM).to_dict()
    assert view["callback_id"] == "billing_action_form"
    assert view["private_metadata"] == VALUE.encode()
    assert view["blocks"][0]["text"]["text"] == "Pick one &lt;@U0BOSS&gt;"
    target, amount, until, seats = view["blocks"][1:]
    assert target["element"] == {
        "type": "static_select",
        "action_id": "select",
        "options": [
            {
                "text": {
                    "type": "plain_text",
                    "text": "2026-11-02 · $12.00 · &lt;!here&gt; Pro",
                    "emoji": True,
                },
                "value": "ch_1",
            },
            {"text": {"type": "plain_text", "text": "x", "emoji": True}, "value": "ch_2"},
        ],
        "initial_option": {
            "text": {"type": "plain_text", "text": "2026-11-02 · $12.00 · &lt;!here&gt; Pro", "emoji": True},
            "value": "ch_1",
        },
    }
    assert (amount["label"]["text"], amount["optional"], amount["hint"]["text"]) == (
        "Amount (USD)",
        True,
        "e.g. 12.50",
    )
    assert until["element"] == {"type": "datepicker", "action_id": "date", "initial_date": "2026-12-31"}
    assert seats["element"] == {
        "type": "number_input",
        "action_id": "number",
        "is_decimal_allowed": False,
        "initial_value": "3",
        "min_value": "0",
    }


def test_what_the_operator_submitted_comes_back_by_field_name() -> None:
    view = form_modal(VALUE, FORM).to_dict()
    state = {"state": {"values": form_state(view, {"target": "ch_2", "amount": "5.00"})}}
    assert submitted_choices(state) == {
        "target": "ch_2",
        "amount": "5.00",
        "until": "2026-12-31",
        "seats": "3",
    }
    assert format_errors(state) == {}


def test_malformed_amounts_numbers_and_dates_are_refused_under_their_field() -> None:
    view = form_modal(VALUE, FORM).to_dict()
    state = {"state": {"values": form_state(view, {"amount": "lots", "seats": "2.5", "until": "soon"})}}
    assert format_errors(state) == {
        "amount": "Enter a positive amount, e.g. 12.50",
        "seats": "Enter a whole number, e.g. 3",
        "until": "Pick a date",
    }


def test_escaping_never_cuts_an_entity_or_passes_the_limit() -> None:
    clipped = escaped_within("<" * 40, 75)
    assert len(clipped) <= 75 and clipped.endswith("…") and "&lt" not in clipped.replace("&lt;", "")
