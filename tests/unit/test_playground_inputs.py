"""A modal's input elements in the playground: shown as the Slack client shows them (customer text
escaped), checked as the client checks them, and sent in Slack's view.state.values shapes."""

from __future__ import annotations

from typing import Any

from bot.playground.blockkit import Entered, blocks_html
from bot.playground.inputs import REQUIRED, StateValues, client_errors, kept_state, state_values
from bot.slack_view_state import form_state


def plain(text: str) -> dict[str, str]:
    return {"type": "plain_text", "text": text}


def option(text: str, value: str) -> dict[str, Any]:
    return {"text": plain(text), "value": value}


CHARGE = {
    "type": "input",
    "block_id": "target",
    "label": plain("Charge"),
    "hint": plain("The <b> charge"),
    "element": {
        "type": "static_select",
        "action_id": "pick",
        "placeholder": plain("Pick one"),
        "options": [option("ch_1 · $20 <x>", "ch_1"), option("ch_2 & co", 'ch_"2')],
        "initial_option": option("ch_2 & co", 'ch_"2'),
    },
}
GROUPED = {
    "type": "input",
    "block_id": "plan",
    "optional": True,
    "label": plain("Plan"),
    "element": {
        "type": "static_select",
        "action_id": "price",
        "option_groups": [
            {"label": plain("Monthly <1>"), "options": [option("Pro", "price_pro")]},
            {
                "label": plain("Yearly"),
                "options": [{**option("Pro yearly", "price_pro_y"), "description": plain("d")}],
            },
        ],
    },
}
WHEN = {
    "type": "input",
    "block_id": "when",
    "label": plain("Resume on"),
    "element": {"type": "datepicker", "action_id": "date", "initial_date": "2026-12-01"},
}
SEATS = {
    "type": "input",
    "block_id": "seats",
    "label": plain("Seats"),
    "element": {
        "type": "number_input",
        "action_id": "quantity",
        "is_decimal_allowed": False,
        "min_value": "1",
        "max_value": "10",
        "initial_value": "3",
        "placeholder": plain("1-10"),
    },
}
AMOUNT = {
    "type": "input",
    "block_id": "amount",
    "label": plain("Amount (USD)"),
    "element": {
        "type": "number_input",
        "action_id": "major",
        "is_decimal_allowed": True,
        "min_value": "0.01",
    },
}
REASON = {
    "type": "input",
    "block_id": "reason",
    "optional": True,
    "label": plain("Reason"),
    "element": {
        "type": "plain_text_input",
        "action_id": "text",
        "multiline": True,
        "max_length": 500,
        "initial_value": "</textarea><script>alert(1)</script>",
    },
}
FORM = [CHARGE, GROUPED, WHEN, SEATS, AMOUNT, REASON]


def test_a_static_select_with_an_initial_option_shows_its_options_as_text_and_no_placeholder() -> None:
    assert blocks_html([CHARGE], {}) == (
        '<label class="bk-input"><span class="bk-label">Charge</span>'
        '<select class="bk-select" data-block-id="target" data-action-id="pick">'
        '<option value="ch_1">ch_1 · $20 &lt;x&gt;</option>'
        '<option value="ch_&quot;2" selected>ch_2 &amp; co</option></select>'
        '<div class="bk-hint">The &lt;b&gt; charge</div></label>'
    )


def test_option_groups_an_optional_block_and_the_placeholder_until_something_is_chosen() -> None:
    assert blocks_html([GROUPED], {}) == (
        '<label class="bk-input"><span class="bk-label">Plan<span class="bk-optional"> (optional)</span>'
        '</span><select class="bk-select" data-block-id="plan" data-action-id="price">'
        '<option value="" disabled selected>Select an item</option>'
        '<optgroup label="Monthly &lt;1&gt;"><option value="price_pro">Pro</option></optgroup>'
        '<optgroup label="Yearly"><option value="price_pro_y">Pro yearly</option></optgroup></select></label>'
    )


def test_a_datepicker_a_number_input_and_a_multiline_text_input() -> None:
    assert blocks_html([WHEN, SEATS, REASON], {}) == (
        '<label class="bk-input"><span class="bk-label">Resume on</span>'
        '<input type="date" class="bk-date" data-block-id="when" data-action-id="date" value="2026-12-01">'
        "</label>"
        '<label class="bk-input"><span class="bk-label">Seats</span>'
        '<input type="text" class="bk-number" data-block-id="seats" data-action-id="quantity" '
        'inputmode="numeric" placeholder="1-10" value="3"></label>'
        '<label class="bk-input"><span class="bk-label">Reason<span class="bk-optional"> (optional)</span>'
        '</span><textarea class="bk-text-input" data-block-id="reason" data-action-id="text" placeholder="" '
        'maxlength="500">&lt;/textarea&gt;&lt;script&gt;alert(1)&lt;/script&gt;</textarea></label>'
    )


def test_a_decimal_number_input_asks_for_a_decimal_keyboard() -> None:
    assert 'inputmode="decimal"' in blocks_html([AMOUNT], {})


def test_what_was_entered_is_shown_again_with_the_error_under_its_block() -> None:
    entered = Entered(
        errors={"seats": "At most <10> seats."},
        values={
            "target": {"pick": {"type": "static_select", "selected_option": option("x", "ch_1")}},
            "when": {"date": {"type": "datepicker", "selected_date": "2027-01-02"}},
            "seats": {"quantity": {"type": "number_input", "value": "12"}},
            "reason": {"text": {"type": "plain_text_input", "value": None}},
        },
    )
    assert blocks_html([CHARGE, WHEN, SEATS, REASON], {}, entered=entered) == (
        '<label class="bk-input"><span class="bk-label">Charge</span>'
        '<select class="bk-select" data-block-id="target" data-action-id="pick">'
        '<option value="ch_1" selected>ch_1 · $20 &lt;x&gt;</option>'
        '<option value="ch_&quot;2">ch_2 &amp; co</option></select>'
        '<div class="bk-hint">The &lt;b&gt; charge</div></label>'
        '<label class="bk-input"><span class="bk-label">Resume on</span>'
        '<input type="date" class="bk-date" data-block-id="when" data-action-id="date" value="2027-01-02">'
        "</label>"
        '<label class="bk-input has-error"><span class="bk-label">Seats</span>'
        '<input type="text" class="bk-number" data-block-id="seats" data-action-id="quantity" '
        'inputmode="numeric" placeholder="1-10" value="12">'
        '<div class="bk-error" role="alert">At most &lt;10&gt; seats.</div></label>'
        '<label class="bk-input"><span class="bk-label">Reason<span class="bk-optional"> (optional)</span>'
        '</span><textarea class="bk-text-input" data-block-id="reason" data-action-id="text" placeholder="" '
        'maxlength="500"></textarea></label>'
    )


def test_an_unknown_element_in_an_input_block_is_shown_as_slack_does() -> None:
    block = {"type": "input", "block_id": "b", "label": plain("L"), "element": {"type": "rich_text_input"}}
    assert '<div class="bk-unsupported">' in blocks_html([block], {})


def test_entries_become_slack_state_values_with_the_views_own_option() -> None:
    entries = {
        "target": {"pick": "ch_1"},
        "plan": {"price": "price_pro_y"},
        "when": {"date": "2026-12-24"},
        "seats": {"quantity": " 4 "},
        "amount": {"major": ""},
        "reason": {"text": "Customer <asked>\nTwice"},
    }
    assert state_values([{"type": "divider"}, *FORM], entries) == {
        "target": {"pick": {"type": "static_select", "selected_option": option("ch_1 · $20 <x>", "ch_1")}},
        "plan": {
            "price": {
                "type": "static_select",
                "selected_option": {**option("Pro yearly", "price_pro_y"), "description": plain("d")},
            }
        },
        "when": {"date": {"type": "datepicker", "selected_date": "2026-12-24"}},
        "seats": {"quantity": {"type": "number_input", "value": "4"}},
        "amount": {"major": {"type": "number_input", "value": None}},
        "reason": {"text": {"type": "plain_text_input", "value": "Customer <asked>\nTwice"}},
    }


def test_nothing_entered_is_none_and_a_value_not_offered_is_no_option() -> None:
    assert state_values([CHARGE, WHEN, REASON], {"target": {"pick": "ch_forged"}}) == {
        "target": {"pick": {"type": "static_select", "selected_option": None}},
        "when": {"date": {"type": "datepicker", "selected_date": None}},
        "reason": {"text": {"type": "plain_text_input", "value": None}},
    }


def checked(**entries: str) -> dict[str, str]:
    """The client's errors for the form with these entries (block_id=text) and valid ones elsewhere."""
    valid = {"target": "ch_1", "when": "2026-12-24", "seats": "4", "amount": "12.50"}
    actions = {"target": "pick", "plan": "price", "when": "date", "seats": "quantity", "amount": "major"}
    merged = {**valid, **entries}
    values = state_values(FORM, {block: {actions[block]: text} for block, text in merged.items()})
    return client_errors(FORM, values)


def test_the_client_lets_a_complete_form_through_and_optional_blocks_empty() -> None:
    assert checked() == {}


def test_the_client_refuses_empty_required_fields_under_their_blocks() -> None:
    assert checked(target="", when="", seats="") == {"target": REQUIRED, "when": REQUIRED, "seats": REQUIRED}


def test_the_client_checks_numbers_against_the_element() -> None:
    assert checked(seats="2.5", amount="0") == {
        "seats": "Please enter a whole number.",
        "amount": "Please enter a number of at least 0.01.",
    }
    assert checked(seats="11", amount="ten") == {
        "seats": "Please enter a number between 1 and 10.",
        "amount": "Please enter a number.",
    }
    assert checked(seats="NaN", amount="Infinity") == {
        "seats": "Please enter a whole number.",
        "amount": "Please enter a number.",
    }


def test_the_client_checks_dates_and_text_lengths() -> None:
    assert checked(when="20261224") == {"when": "Please enter a valid date."}
    assert checked(when="2026-02-30") == {"when": "Please enter a valid date."}
    values: StateValues = {"reason": {"text": {"type": "plain_text_input", "value": "x" * 501}}}
    assert client_errors([REASON], values) == {"reason": "Please enter at most 500 characters."}


def test_a_replaced_view_keeps_the_entries_of_the_inputs_it_still_has() -> None:
    values: StateValues = {
        "target": {"pick": {"type": "static_select", "selected_option": option("x", "ch_1")}},
        "seats": {"quantity": {"type": "number_input", "value": "4"}},
        "gone": {"x": {"type": "plain_text_input", "value": "old"}},
    }
    retyped = {**SEATS, "element": {"type": "plain_text_input", "action_id": "quantity"}}
    assert kept_state([CHARGE, retyped], values) == {"target": values["target"]}


def test_a_form_submitted_with_some_answers_keeps_the_initial_values_of_the_rest() -> None:
    view = {"blocks": [CHARGE, GROUPED, WHEN, SEATS]}
    assert form_state(view, {"plan": "price_pro", "seats": "2"}) == {
        "target": {"pick": {"type": "static_select", "selected_option": option("ch_2 & co", 'ch_"2')}},
        "plan": {"price": {"type": "static_select", "selected_option": option("Pro", "price_pro")}},
        "when": {"date": {"type": "datepicker", "selected_date": "2026-12-01"}},
        "seats": {"quantity": {"type": "number_input", "value": "2"}},
    }
