"""Block Kit as HTML, laid out the way the Slack client lays it out. Every string from a block is escaped
(mrkdwn through bot.playground.mrkdwn); buttons carry what a click must send back as data- attributes.

Unknown block or element types render as Slack renders them: a note that the content can't be shown.
"""

from __future__ import annotations

import html
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from bot.playground.inputs import UNSUPPORTED, StateValues, attributes, element_html
from bot.playground.mrkdwn import mrkdwn_html, plain_html

Block = Mapping[str, Any]
Names = Mapping[str, str]

__all__ = ["UNSUPPORTED", "Entered", "block_html", "blocks_html", "text_html"]


@dataclass(frozen=True)
class Entered:
    """A modal's input side: its validation errors by block_id (response_action "errors" or the client's
    own checks) and what the person last entered (view.state.values), shown again like Slack does."""

    errors: Mapping[str, str] = field(default_factory=dict)
    values: StateValues = field(default_factory=dict)


NOTHING_ENTERED = Entered()


def blocks_html(blocks: Sequence[Block], names: Names, *, entered: Entered = NOTHING_ENTERED) -> str:
    return "".join(block_html(block, names, entered) for block in blocks if isinstance(block, Mapping))


def block_html(block: Block, names: Names, entered: Entered) -> str:
    renderers: dict[str, Callable[[Block, Names, Entered], str]] = {
        "header": _header,
        "section": _section,
        "context": _context,
        "divider": lambda *_: '<hr class="bk-divider">',
        "actions": _actions,
        "input": _input,
        "image": _image,
    }
    render = renderers.get(str(block.get("type")))
    return render(block, names, entered) if render else UNSUPPORTED


def text_html(text: Any, names: Names) -> str:
    """A text object: mrkdwn formatted, plain_text escaped."""
    if not isinstance(text, Mapping):
        return ""
    raw = str(text.get("text") or "")
    return mrkdwn_html(raw, names) if text.get("type") == "mrkdwn" else plain_html(raw)


def _header(block: Block, names: Names, _: Entered) -> str:
    return f'<div class="bk-header">{text_html(block.get("text"), names)}</div>'


def _section(block: Block, names: Names, _: Entered) -> str:
    parts = []
    if block.get("text"):
        parts.append(f'<div class="bk-text">{text_html(block["text"], names)}</div>')
    fields = block.get("fields") or []
    if fields:
        cells = "".join(f'<div class="bk-field">{text_html(field, names)}</div>' for field in fields)
        parts.append(f'<div class="bk-fields">{cells}</div>')
    body = f'<div class="bk-section-body">{"".join(parts)}</div>'
    accessory = block.get("accessory")
    side = f'<div class="bk-accessory">{_element(accessory, block, names)}</div>' if accessory else ""
    return f'<div class="bk-section">{body}{side}</div>'


def _context(block: Block, names: Names, _: Entered) -> str:
    items = []
    for element in block.get("elements") or []:
        if isinstance(element, Mapping) and element.get("type") == "image":
            items.append(
                f'<span class="bk-image-alt">[{html.escape(str(element.get("alt_text", "")))}]</span>'
            )
        else:
            items.append(f"<span>{text_html(element, names)}</span>")
    return f'<div class="bk-context">{"".join(items)}</div>'


def _actions(block: Block, names: Names, _: Entered) -> str:
    elements = "".join(_element(element, block, names) for element in block.get("elements") or [])
    return f'<div class="bk-actions">{elements}</div>'


def _image(block: Block, names: Names, _: Entered) -> str:
    return f'<div class="bk-image-alt">[image: {html.escape(str(block.get("alt_text", "")))}]</div>'


def _element(element: Any, block: Block, names: Names) -> str:
    if not isinstance(element, Mapping) or element.get("type") != "button":
        return UNSUPPORTED
    style = str(element.get("style") or "default")
    button = {
        "class": f"bk-button bk-{style if style in ('primary', 'danger') else 'default'}",
        "type": "button",
        "data-action-id": str(element.get("action_id") or ""),
        "data-block-id": str(block.get("block_id") or ""),
        "data-value": str(element.get("value") or ""),
    }
    if element.get("url"):
        button["data-url"] = str(element["url"])
    label = text_html(element.get("text"), names)
    confirm = element.get("confirm")
    dialog = _confirm_template(confirm, names) if isinstance(confirm, Mapping) else ""
    return f"<button {attributes(button)}>{label}</button>{dialog}"


def _confirm_template(confirm: Mapping[str, Any], names: Names) -> str:
    """The dialog Slack shows before sending a click; the page opens it from this template."""
    style = str(confirm.get("style") or "primary")
    return (
        '<template class="bk-confirm">'
        f'<h2 class="bk-confirm-title">{text_html(confirm.get("title"), names)}</h2>'
        f'<div class="bk-confirm-text">{text_html(confirm.get("text"), names)}</div>'
        '<div class="bk-confirm-buttons">'
        f'<button type="button" class="bk-button bk-default" data-dialog="deny">'
        f"{text_html(confirm.get('deny'), names) or 'Cancel'}</button>"
        f'<button type="button" class="bk-button bk-{"danger" if style == "danger" else "primary"}" '
        f'data-dialog="confirm">{text_html(confirm.get("confirm"), names) or "Yes"}</button>'
        "</div></template>"
    )


def _input(block: Block, names: Names, entered: Entered) -> str:
    block_id = str(block.get("block_id") or "")
    element = block.get("element")
    if not isinstance(element, Mapping):
        return UNSUPPORTED
    label = text_html(block.get("label"), names)
    optional = '<span class="bk-optional"> (optional)</span>' if block.get("optional") else ""
    current = entered.values.get(block_id, {}).get(str(element.get("action_id") or ""))
    field = element_html(element, block_id, current)
    hint = block.get("hint")
    hint_html = f'<div class="bk-hint">{text_html(hint, names)}</div>' if hint else ""
    error = entered.errors.get(block_id)
    error_html = f'<div class="bk-error" role="alert">{plain_html(error)}</div>' if error else ""
    return (
        f'<label class="bk-input{" has-error" if error else ""}">'
        f'<span class="bk-label">{label}{optional}</span>{field}{error_html}{hint_html}</label>'
    )
