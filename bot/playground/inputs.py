"""A modal's input elements: how the Slack client shows them, what it checks before sending, and what it
sends for them in `view.state.values` (view_submission and block_actions payloads).

The page sends back only what the person typed or picked, as strings by block_id and action_id
(`Entries`); bot.slack_view_state builds Slack's shapes from them and the view itself.
"""

from __future__ import annotations

import html
from collections.abc import Mapping, Sequence
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from bot.playground.mrkdwn import plain_html
from bot.slack_view_state import Element, Entries, StateValues, input_elements, state_values

__all__ = ["Entries", "StateValues", "client_errors", "element_html", "kept_state", "state_values"]

ElementState = Mapping[str, Any]  # {"type": "static_select", "selected_option": {...}} and the like

UNSUPPORTED = '<div class="bk-unsupported">This content can\'t be displayed.</div>'
REQUIRED = "Please complete this required field."
SELECT_PLACEHOLDER = "Select an item"


# --- showing ------------------------------------------------------------------------------------


def element_html(element: Element, block_id: str, current: ElementState | None = None) -> str:
    """One input element; `current` is its entry in view.state.values (what the person last submitted),
    shown instead of the element's initial value, as Slack keeps entries across errors and updates."""
    render = {
        "plain_text_input": _text_input,
        "static_select": _static_select,
        "datepicker": _datepicker,
        "number_input": _number_input,
    }.get(str(element.get("type")))
    if render is None:
        return UNSUPPORTED
    if current is not None and current.get("type") != element.get("type"):
        current = None
    return render(element, _control(element, block_id), current)


def _text_input(element: Element, control: dict[str, str], current: ElementState | None) -> str:
    control = {"class": "bk-text-input", **control, "placeholder": _placeholder(element)}
    if element.get("max_length"):
        control["maxlength"] = str(element["max_length"])
    shown = _shown(current, "value", element.get("initial_value"))
    if element.get("multiline"):
        return f"<textarea {attributes(control)}>{html.escape(shown)}</textarea>"
    return f'<input type="text" {attributes({**control, "value": shown})}>'


def _static_select(element: Element, control: dict[str, str], current: ElementState | None) -> str:
    initial = element.get("initial_option")
    chosen = _option_value(current.get("selected_option")) if current else _option_value(initial)
    # As in Slack, the placeholder shows until an option is chosen and cannot be chosen back.
    placeholder = _placeholder(element) or SELECT_PLACEHOLDER
    body = [] if chosen else [f'<option value="" disabled selected>{html.escape(placeholder)}</option>']
    for group in element.get("option_groups") or []:
        if isinstance(group, Mapping):
            options = "".join(_option(option, chosen) for option in group.get("options") or [])
            body.append(f'<optgroup label="{html.escape(_plain(group.get("label")))}">{options}</optgroup>')
    body.extend(_option(option, chosen) for option in element.get("options") or [])
    return f"<select {attributes({'class': 'bk-select', **control})}>{''.join(body)}</select>"


def _option(option: Any, chosen: str | None) -> str:
    if not isinstance(option, Mapping):
        return ""
    value = str(option.get("value") or "")
    selected = " selected" if chosen is not None and value == chosen else ""
    return f'<option value="{html.escape(value)}"{selected}>{plain_html(_plain(option.get("text")))}</option>'


def _datepicker(element: Element, control: dict[str, str], current: ElementState | None) -> str:
    shown = _shown(current, "selected_date", element.get("initial_date"))
    return f'<input type="date" {attributes({"class": "bk-date", **control, "value": shown})}>'


def _number_input(element: Element, control: dict[str, str], current: ElementState | None) -> str:
    # A text box, as in Slack: what was typed reaches the checks below even when it is not a number.
    mode = "decimal" if element.get("is_decimal_allowed") else "numeric"
    shown = _shown(current, "value", element.get("initial_value"))
    control = {"class": "bk-number", **control, "inputmode": mode, "placeholder": _placeholder(element)}
    return f'<input type="text" {attributes({**control, "value": shown})}>'


def _control(element: Element, block_id: str) -> dict[str, str]:
    return {"data-block-id": block_id, "data-action-id": str(element.get("action_id") or "")}


def _shown(current: ElementState | None, field: str, initial: Any) -> str:
    value = current.get(field) if current is not None else initial
    return str(value or "")


def _placeholder(element: Element) -> str:
    return _plain(element.get("placeholder"))


def _plain(text: Any) -> str:
    return str(text.get("text") or "") if isinstance(text, Mapping) else ""


def _option_value(option: Any) -> str | None:
    return str(option.get("value") or "") if isinstance(option, Mapping) else None


def attributes(values: Mapping[str, str]) -> str:
    return " ".join(f'{name}="{html.escape(value)}"' for name, value in values.items())


# --- sending ------------------------------------------------------------------------------------


def client_errors(blocks: Sequence[Any], values: StateValues) -> dict[str, str]:
    """What the Slack client refuses before sending a view_submission, by block_id (shown under the
    block like `response_action: errors`); empty when the submission goes to the app."""
    errors: dict[str, str] = {}
    for block_id, element, block in input_elements(blocks):
        state = values.get(block_id, {}).get(str(element["action_id"])) or {}
        problem = _problem(element, state, optional=bool(block.get("optional")))
        if problem:
            errors[block_id] = problem
    return errors


def _problem(element: Element, state: ElementState, *, optional: bool) -> str | None:
    entered = next(
        (state[key] for key in ("value", "selected_option", "selected_date") if key in state), None
    )
    if entered is None:
        return None if optional else REQUIRED
    kind = element.get("type")
    if kind == "number_input":
        return _number_problem(element, str(entered))
    if kind == "datepicker":
        return _date_problem(str(entered))
    if kind == "plain_text_input":
        return _length_problem(element, str(entered))
    return None


def _number_problem(element: Element, typed: str) -> str | None:
    whole = not element.get("is_decimal_allowed")
    try:
        number = Decimal(typed)
    except InvalidOperation:
        number = Decimal("NaN")
    if not number.is_finite():
        return "Please enter a whole number." if whole else "Please enter a number."
    if whole and number != number.to_integral_value():
        return "Please enter a whole number."
    low, high = _bound(element, "min_value"), _bound(element, "max_value")
    if (low is not None and number < low) or (high is not None and number > high):
        return _range_text(element)
    return None


def _bound(element: Element, name: str) -> Decimal | None:
    try:
        return Decimal(str(element[name])) if element.get(name) not in (None, "") else None
    except InvalidOperation:
        return None


def _range_text(element: Element) -> str:
    low, high = element.get("min_value"), element.get("max_value")
    if low not in (None, "") and high not in (None, ""):
        return f"Please enter a number between {low} and {high}."
    if low not in (None, ""):
        return f"Please enter a number of at least {low}."
    return f"Please enter a number of at most {high}."


def _date_problem(typed: str) -> str | None:
    try:
        date.fromisoformat(typed)
    except ValueError:
        return "Please enter a valid date."
    return None if len(typed) == len("YYYY-MM-DD") else "Please enter a valid date."


def _length_problem(element: Element, typed: str) -> str | None:
    shortest, longest = element.get("min_length"), element.get("max_length")
    if isinstance(shortest, int) and len(typed) < shortest:
        return f"Please enter at least {shortest} characters."
    if isinstance(longest, int) and len(typed) > longest:
        return f"Please enter at most {longest} characters."
    return None


def kept_state(blocks: Sequence[Any], values: StateValues) -> StateValues:
    """What Slack keeps of the entries when a view is replaced: the inputs whose block_id, action_id and
    element type are unchanged (Slack's rule for preserving input across views.update)."""
    kept: StateValues = {}
    for block_id, element, _ in input_elements(blocks):
        action_id = str(element["action_id"])
        state = values.get(block_id, {}).get(action_id)
        if state is not None and state.get("type") == element.get("type"):
            kept.setdefault(block_id, {})[action_id] = dict(state)
    return kept
