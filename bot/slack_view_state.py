"""A modal's `view.state.values` in Slack's shapes, from what a person entered in each input element.

Entries are strings by block_id and action_id (what a text box holds, a picked option's value, a date
as YYYY-MM-DD). A picked option becomes the view's own option object, as Slack sends it; an element left
empty is `None` in its value field, as in Slack. Used by the playground's page and by SlackRequests.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from typing import Any

Element = Mapping[str, Any]
StateValues = dict[str, dict[str, dict[str, Any]]]  # block_id -> action_id -> element state
Entries = Mapping[str, Mapping[str, str]]  # block_id -> action_id -> what the person entered


def input_elements(blocks: Sequence[Any]) -> Iterator[tuple[str, Element, Mapping[str, Any]]]:
    """(block_id, element, input block) for every input block of a view."""
    for block in blocks:
        if isinstance(block, Mapping) and block.get("type") == "input":
            element = block.get("element")
            if isinstance(element, Mapping) and element.get("action_id"):
                yield str(block.get("block_id") or ""), element, block


def state_values(blocks: Sequence[Any], entries: Entries) -> StateValues:
    """view.state.values as Slack sends it for what the person entered in these blocks."""
    values: StateValues = {}
    for block_id, element, _ in input_elements(blocks):
        action_id = str(element["action_id"])
        entered = (entries.get(block_id) or {}).get(action_id)
        values.setdefault(block_id, {})[action_id] = element_state(element, entered)
    return values


def element_state(element: Element, entered: str | None) -> dict[str, Any]:
    kind = str(element.get("type"))
    text = entered if entered else None
    if kind == "static_select":
        return {"type": kind, "selected_option": _find_option(element, text)}
    if kind == "datepicker":
        return {"type": kind, "selected_date": text}
    if kind == "number_input":
        return {"type": kind, "value": text.strip() or None if text else None}
    return {"type": kind, "value": text}


def _find_option(element: Element, value: str | None) -> dict[str, Any] | None:
    """The view's own option (text, value, description) for a picked value; None for anything else."""
    if value is None:
        return None
    groups = [group.get("options") or [] for group in element.get("option_groups") or []]
    for option in [*(element.get("options") or []), *(o for group in groups for o in group)]:
        if isinstance(option, Mapping) and str(option.get("value")) == value:
            return {key: option[key] for key in ("text", "value", "description") if key in option}
    return None


def initial_entry(element: Element) -> str:
    """What an element holds before anyone touches it."""
    kind = element.get("type")
    if kind == "static_select":
        return str((element.get("initial_option") or {}).get("value") or "")
    if kind == "datepicker":
        return str(element.get("initial_date") or "")
    return str(element.get("initial_value") or "")


def form_state(view: Mapping[str, Any], answers: Mapping[str, str]) -> StateValues:
    """A view submitted with `answers` by block_id and every other input left at its initial value."""
    blocks = view.get("blocks") or []
    entries = {
        block_id: {str(element["action_id"]): answers.get(block_id, initial_entry(element))}
        for block_id, element, _ in input_elements(blocks)
    }
    return state_values(blocks, entries)
