"""An action's form as a Slack modal: the "Loading…" modal a click opens at once, the form that replaces it,
and the parsing of what the operator submitted. billing/ describes the fields; only this module knows Slack."""

from __future__ import annotations

from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from slack_sdk.models.blocks import (
    Block,
    DatePickerElement,
    InputBlock,
    InputInteractiveElement,
    MarkdownTextObject,
    NumberInputElement,
    Option,
    PlainTextInputElement,
    SectionBlock,
    StaticSelectElement,
)
from slack_sdk.models.views import View

from billing.action_models import FieldKind, Form, FormField
from messages.format import clip, escape
from messages.ids import ButtonValue, CallbackId

# Slack's limits: modal title 24 characters, button text 24, option text 75, input label 2000, hint 2000.
TITLE_LIMIT = 24
OPTION_LIMIT = 75
OPTIONS_LIMIT = 100
TEXT_LIMIT = 3000
AMOUNT_EXAMPLE = "e.g. 12.50"


def loading_modal(value: ButtonValue, title: str) -> View:
    """Opened the moment the button is clicked (its trigger_id lives 3 seconds), before Stripe is read."""
    return View(
        type="modal",
        callback_id=CallbackId.ACTION_FORM.value,
        title=clip(title, TITLE_LIMIT),
        close="Cancel",
        private_metadata=value.encode(),
        blocks=[SectionBlock(text=MarkdownTextObject(text=":hourglass_flowing_sand: Reading Stripe…"))],
    )


def form_modal(value: ButtonValue, form: Form) -> View:
    """The definition's fields; the value (case, kind, button target) comes back as private_metadata."""
    blocks: list[Block] = []
    if form.intro:
        blocks.append(SectionBlock(text=MarkdownTextObject(text=escaped_within(form.intro, TEXT_LIMIT))))
    blocks += [_input(field) for field in form.fields]
    return View(
        type="modal",
        callback_id=CallbackId.ACTION_FORM.value,
        title=clip(form.title, TITLE_LIMIT),
        submit=clip(form.submit, TITLE_LIMIT),
        close="Cancel",
        private_metadata=value.encode(),
        blocks=blocks,
    )


def problem_modal(value: ButtonValue, title: str, text: str) -> View:
    """The form could not be built (the target is gone, Stripe is unreachable): say why, change nothing."""
    return View(
        type="modal",
        callback_id=CallbackId.ACTION_FORM.value,
        title=clip(title, TITLE_LIMIT),
        close="Close",
        private_metadata=value.encode(),
        blocks=[SectionBlock(text=MarkdownTextObject(text=clip(text, TEXT_LIMIT)))],
    )


def escaped_within(text: str, limit: int) -> str:
    """Escaped (labels hold customer-controlled names), then clipped without cutting an entity in two."""
    cut = limit
    while len(escaped := escape(clip(text, cut))) > limit:
        cut -= len(escaped) - limit
    return escaped


def _input(field: FormField) -> InputBlock:
    label = (
        f"{field.label} ({field.currency.upper()})"
        if field.kind is FieldKind.AMOUNT and field.currency
        else field.label
    )
    hint = field.hint or (AMOUNT_EXAMPLE if field.kind is FieldKind.AMOUNT else None)
    return InputBlock(
        block_id=field.name,
        label=escaped_within(label, 2000),
        hint=escaped_within(hint, 2000) if hint else None,
        optional=field.optional,
        element=_element(field),
    )


def _element(field: FormField) -> InputInteractiveElement:
    action_id = field.kind.value
    if field.kind is FieldKind.SELECT:
        options = [
            Option(value=choice.value, text=escaped_within(choice.label, OPTION_LIMIT))
            for choice in field.choices[:OPTIONS_LIMIT]
        ]
        initial = next((option for option in options if option.value == field.initial), None)
        return StaticSelectElement(action_id=action_id, options=options, initial_option=initial)
    if field.kind is FieldKind.DATE:
        return DatePickerElement(action_id=action_id, initial_date=field.initial)
    if field.kind is FieldKind.NUMBER:
        return NumberInputElement(
            action_id=action_id, is_decimal_allowed=False, initial_value=field.initial, min_value=0
        )
    return PlainTextInputElement(
        action_id=action_id,
        initial_value=field.initial,
        multiline=field.multiline,
        max_length=TEXT_LIMIT if field.kind is FieldKind.TEXT else 40,
    )


# --- what came back ---------------------------------------------------------------------------------


def submitted_choices(view: dict[str, Any]) -> dict[str, str]:
    """Field name -> the value the operator gave ("" when an optional field was left empty)."""
    choices: dict[str, str] = {}
    values = (view.get("state") or {}).get("values") or {}
    for block_id, actions in values.items():
        if not isinstance(actions, dict):
            continue
        for element in actions.values():
            if isinstance(element, dict):
                choices[str(block_id)] = _element_value(element)
    return choices


def _element_value(element: dict[str, Any]) -> str:
    kind = element.get("type")
    if kind == "static_select":
        selected = element.get("selected_option") or {}
        return str(selected.get("value") or "").strip()
    if kind == "datepicker":
        return str(element.get("selected_date") or "").strip()
    return str(element.get("value") or "").strip()


def format_errors(view: dict[str, Any]) -> dict[str, str]:
    """Errors Slack shows under each field: only formats here; what fits Stripe is the plan's to say."""
    errors: dict[str, str] = {}
    values = (view.get("state") or {}).get("values") or {}
    for block_id, actions in values.items():
        if not isinstance(actions, dict):
            continue
        for action_id, element in actions.items():
            raw = _element_value(element) if isinstance(element, dict) else ""
            problem = _format_problem(str(action_id), raw)
            if problem:
                errors[str(block_id)] = problem
    return errors


def _format_problem(kind: str, raw: str) -> str | None:
    if not raw:
        return None
    if kind == FieldKind.AMOUNT.value:
        try:
            ok = Decimal(raw.replace(",", "").lstrip("$€£¥₩₹")) > 0
        except InvalidOperation:
            ok = False
        return None if ok else f"Enter a positive amount, {AMOUNT_EXAMPLE}"
    if kind == FieldKind.NUMBER.value:
        return None if raw.isdigit() else "Enter a whole number, e.g. 3"
    if kind == FieldKind.DATE.value:
        try:
            date.fromisoformat(raw)
        except ValueError:
            return "Pick a date"
    return None
