"""Block Kit as HTML, laid out the way the Slack client lays it out. Every string from a block is escaped
(mrkdwn through bot.playground.mrkdwn); buttons carry what a click must send back as data- attributes.

Unknown block or element types render as Slack renders them: a note that the content can't be shown.
"""

from __future__ import annotations

import html
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from bot.playground.mrkdwn import mrkdwn_html, plain_html

Block = Mapping[str, Any]
Names = Mapping[str, str]

UNSUPPORTED = '<div class="bk-unsupported">This content can\'t be displayed.</div>'


def blocks_html(blocks: Sequence[Block], names: Names, *, errors: Mapping[str, str] | None = None) -> str:
    """`errors` are a modal's validation errors by block_id (response_action "errors")."""
    return "".join(block_html(block, names, errors or {}) for block in blocks if isinstance(block, Mapping))


def block_html(block: Block, names: Names, errors: Mapping[str, str]) -> str:
    renderers: dict[str, Callable[[Block, Names, Mapping[str, str]], str]] = {
        "header": _header,
        "section": _section,
        "context": _context,
        "divider": lambda *_: '<hr class="bk-divider">',
        "actions": _actions,
        "input": _input,
        "image": _image,
    }
    render = renderers.get(str(block.get("type")))
    return render(block, names, errors) if render else UNSUPPORTED


def text_html(text: Any, names: Names) -> str:
    """A text object: mrkdwn formatted, plain_text escaped."""
    if not isinstance(text, Mapping):
        return ""
    raw = str(text.get("text") or "")
    return mrkdwn_html(raw, names) if text.get("type") == "mrkdwn" else plain_html(raw)


def _header(block: Block, names: Names, _: Mapping[str, str]) -> str:
    return f'<div class="bk-header">{text_html(block.get("text"), names)}</div>'


def _section(block: Block, names: Names, _: Mapping[str, str]) -> str:
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


def _context(block: Block, names: Names, _: Mapping[str, str]) -> str:
    items = []
    for element in block.get("elements") or []:
        if isinstance(element, Mapping) and element.get("type") == "image":
            items.append(
                f'<span class="bk-image-alt">[{html.escape(str(element.get("alt_text", "")))}]</span>'
            )
        else:
            items.append(f"<span>{text_html(element, names)}</span>")
    return f'<div class="bk-context">{"".join(items)}</div>'


def _actions(block: Block, names: Names, _: Mapping[str, str]) -> str:
    elements = "".join(_element(element, block, names) for element in block.get("elements") or [])
    return f'<div class="bk-actions">{elements}</div>'


def _image(block: Block, names: Names, _: Mapping[str, str]) -> str:
    return f'<div class="bk-image-alt">[image: {html.escape(str(block.get("alt_text", "")))}]</div>'


def _element(element: Any, block: Block, names: Names) -> str:
    if not isinstance(element, Mapping) or element.get("type") != "button":
        return UNSUPPORTED
    style = str(element.get("style") or "default")
    attributes = {
        "class": f"bk-button bk-{style if style in ('primary', 'danger') else 'default'}",
        "type": "button",
        "data-action-id": str(element.get("action_id") or ""),
        "data-block-id": str(block.get("block_id") or ""),
        "data-value": str(element.get("value") or ""),
    }
    if element.get("url"):
        attributes["data-url"] = str(element["url"])
    label = text_html(element.get("text"), names)
    confirm = element.get("confirm")
    dialog = _confirm_template(confirm, names) if isinstance(confirm, Mapping) else ""
    return f"<button {_attributes(attributes)}>{label}</button>{dialog}"


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


def _input(block: Block, names: Names, errors: Mapping[str, str]) -> str:
    block_id = str(block.get("block_id") or "")
    element = block.get("element") or {}
    label = text_html(block.get("label"), names)
    optional = '<span class="bk-optional"> (optional)</span>' if block.get("optional") else ""
    field = _text_input(element, block_id, names)
    hint = block.get("hint")
    hint_html = f'<div class="bk-hint">{text_html(hint, names)}</div>' if hint else ""
    error = errors.get(block_id)
    error_html = f'<div class="bk-error" role="alert">{plain_html(error)}</div>' if error else ""
    return (
        f'<label class="bk-input{" has-error" if error else ""}">'
        f'<span class="bk-label">{label}{optional}</span>{field}{error_html}{hint_html}</label>'
    )


def _text_input(element: Mapping[str, Any], block_id: str, names: Names) -> str:
    if element.get("type") == "static_select":
        return _select(element, block_id)
    if element.get("type") != "plain_text_input":
        return UNSUPPORTED
    placeholder = element.get("placeholder")
    attributes = {
        "class": "bk-text-input",
        "data-block-id": block_id,
        "data-action-id": str(element.get("action_id") or ""),
        "placeholder": str(placeholder.get("text") or "") if isinstance(placeholder, Mapping) else "",
    }
    if element.get("max_length"):
        attributes["maxlength"] = str(element["max_length"])
    initial = str(element.get("initial_value") or "")
    if element.get("multiline"):
        return f"<textarea {_attributes(attributes)}>{html.escape(initial)}</textarea>"
    attributes["value"] = initial
    return f'<input type="text" {_attributes(attributes)}>'


def _select(element: Mapping[str, Any], block_id: str) -> str:
    """A static select as a <select>: its options' plain text, the initial option selected."""
    chosen = (element.get("initial_option") or {}).get("value")
    options = "".join(
        f'<option value="{html.escape(str(option.get("value") or ""))}"'
        f"{' selected' if option.get('value') == chosen else ''}>"
        f"{html.escape(str((option.get('text') or {}).get('text') or ''))}</option>"
        for option in element.get("options") or []
    )
    attributes = {
        "class": "bk-text-input bk-select",
        "data-block-id": block_id,
        "data-action-id": str(element.get("action_id") or ""),
    }
    return f"<select {_attributes(attributes)}>{options}</select>"


def _attributes(attributes: Mapping[str, str]) -> str:
    return " ".join(f'{name}="{html.escape(value)}"' for name, value in attributes.items())
