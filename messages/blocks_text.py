"""Block Kit blocks (as posted: dicts) rendered as plain terminal text: a pure function.

    header            Title                     context       note  note (elements joined by two spaces)
                      =====                     actions       [ Confirm ]  [ Back ]
    section           its text, then each       divider       a rule of DIVIDER_WIDTH
                      field on its own line,    input         Label: [ ________ ] (a select: one
                      then `[ Accessory ]`                    `(•) option` line each, • the chosen)
                                                anything else [type]

Slack mrkdwn becomes plain text: `*bold*` and `code` lose their markers, links keep their label, mentions
read `@U…`, escaped `&lt;&gt;&amp;` are unescaped, and the emoji the bot uses become their characters.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from typing import Any

Block = Mapping[str, Any]

DIVIDER_WIDTH = 40
DIVIDER = "─" * DIVIDER_WIDTH
EMOJI = {
    ":warning:": "⚠️",
    ":white_check_mark:": "✅",
    ":test_tube:": "🧪",
    ":no_entry:": "⛔",
    ":rotating_light:": "🚨",
    ":link:": "🔗",
}
_LINK = re.compile(r"<([^<>|]+)(?:\|([^<>]*))?>")
# `*bold*` only when the asterisks hug a word, so "5 * 3" and "•••• 4242" survive.
_BOLD = re.compile(r"(?<![\w*])\*(?=\S)([^*\n]*?\S)\*(?![\w*])")
_CODE = re.compile(r"`([^`\n]+)`")
_EMOJI = re.compile(r":[a-z0-9_+-]+:")


def blocks_text(blocks: Sequence[Block]) -> str:
    """One or more lines per block, in order; ends with a newline unless there are no blocks.

    A blank line opens each section that does not follow a divider, as Slack spaces sections apart.
    """
    parts: list[str] = []
    previous: str | None = None
    for block in blocks:
        kind = str(block.get("type"))
        if kind == "section" and previous not in (None, "divider"):
            parts.append("")
        parts.append(_render(block))
        previous = kind
    return "".join(f"{part}\n" for part in parts)


def mrkdwn_text(text: str) -> str:
    """Slack mrkdwn as a terminal shows it."""
    text = _LINK.sub(_link_label, text)
    text = _CODE.sub(r"\1", text)
    text = _BOLD.sub(r"\1", text)
    return _emoji(text).replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def _link_label(match: re.Match[str]) -> str:
    target, label = match.group(1), match.group(2)
    if target.startswith(("@", "#")):
        return target[0] + (label or target[1:])
    if target.startswith("!"):
        return "@" + (label or target[1:]).split("^")[0]
    return label or target


def _render(block: Block) -> str:
    renderer = _RENDERERS.get(str(block.get("type")))
    return renderer(block) if renderer else f"[{block.get('type')}]"


def _header(block: Block) -> str:
    title = _text(block.get("text"))
    return f"{title}\n{'=' * len(title)}"


def _section(block: Block) -> str:
    parts = [_text(block.get("text"))] if block.get("text") else []
    parts += [_text(field) for field in block.get("fields") or []]
    if block.get("accessory"):
        parts.append(_element(block["accessory"]))
    return "\n".join(part for part in parts if part)


def _context(block: Block) -> str:
    return "  ".join(_element(element) for element in block.get("elements") or [])


def _actions(block: Block) -> str:
    return "  ".join(_element(element) for element in block.get("elements") or [])


def _divider(block: Block) -> str:
    return DIVIDER


def _input(block: Block) -> str:
    shown = _element(block.get("element") or {})
    return f"{_text(block.get('label'))}:{'' if shown.startswith(chr(10)) else ' '}{shown}"


def _image(block: Block) -> str:
    return f"[image: {block.get('alt_text', '')}]"


_RENDERERS: dict[str, Callable[[Block], str]] = {
    "header": _header,
    "section": _section,
    "context": _context,
    "actions": _actions,
    "divider": _divider,
    "input": _input,
    "image": _image,
}


def _element(element: Block) -> str:
    kind = element.get("type")
    if kind in ("mrkdwn", "plain_text"):
        return _text(element)
    if kind == "button":
        return f"[ {_text(element.get('text'))} ]"
    if kind == "image":
        return f"[image: {element.get('alt_text', '')}]"
    if kind == "plain_text_input":
        return "[ ________ ]"
    if kind == "static_select" and element.get("options"):
        chosen = (element.get("initial_option") or {}).get("value")
        marks = {True: "(•)", False: "( )"}
        options = element["options"]
        return "".join(f"\n  {marks[o.get('value') == chosen]} {_text(o.get('text'))}" for o in options)
    placeholder = element.get("placeholder")
    return f"[ {_text(placeholder)} ▾ ]" if placeholder else f"[{kind}]"


def _text(obj: Any) -> str:
    if not isinstance(obj, Mapping):
        return ""
    text = str(obj.get("text", ""))
    if obj.get("type") == "mrkdwn":
        return mrkdwn_text(text)
    return _emoji(text) if obj.get("emoji") else text


def _emoji(text: str) -> str:
    return _EMOJI.sub(lambda match: EMOJI.get(match.group(0), match.group(0)), text)
