"""How Slack's Web API reads a request (form or JSON arguments) and the checks it makes on what the bot sends
(arguments, blocks and their sizes), as the stand-in answers them: the same error codes Slack returns."""

from __future__ import annotations

import contextlib
import json
from typing import Any
from urllib.parse import parse_qsl

MAX_BLOCKS = 50
MAX_SECTION_TEXT = 3000
MAX_HEADER_TEXT = 150
MAX_BUTTON_TEXT = 75
Answer = dict[str, Any]
Args = dict[str, Any]


def error(code: str) -> Answer:
    return {"ok": False, "error": code}


def missing(args: Args, *names: str) -> str | None:
    for name in names:
        if not args.get(name):
            return "channel_not_found" if name == "channel" else f"invalid_arguments: missing {name}"
    return None


def content_problem(args: Args) -> str | None:
    blocks = args.get("blocks")
    if not args.get("text") and not blocks:
        return "no_text"
    return blocks_problem(blocks or [], limit=MAX_BLOCKS)


def blocks_problem(blocks: Any, *, limit: int) -> str | None:
    if not isinstance(blocks, list):
        return "invalid_blocks_format"
    if len(blocks) > limit:
        return "invalid_blocks"
    block_ids = [
        block.get("block_id") for block in blocks if isinstance(block, dict) and block.get("block_id")
    ]
    if len(block_ids) != len(set(block_ids)):
        return "invalid_blocks"
    for block in blocks:
        if not isinstance(block, dict) or block_problem(block):
            return "invalid_blocks"
    return None


def block_problem(block: dict[str, Any]) -> bool:
    text = block.get("text")
    text_value = text.get("text", "") if isinstance(text, dict) else ""
    if block.get("type") == "section" and len(text_value) > MAX_SECTION_TEXT:
        return True
    if block.get("type") == "header" and len(text_value) > MAX_HEADER_TEXT:
        return True
    elements = [e for e in [*(block.get("elements") or []), block.get("accessory")] if isinstance(e, dict)]
    for element in elements:
        label = element.get("text")
        if (
            element.get("type") == "button"
            and isinstance(label, dict)
            and len(label.get("text", "")) > MAX_BUTTON_TEXT
        ):
            return True
    action_ids = [
        element.get("action_id") for element in block.get("elements", []) if isinstance(element, dict)
    ]
    action_ids = [action_id for action_id in action_ids if action_id]
    return len(action_ids) != len(set(action_ids))


# --- HTTP -------------------------------------------------------------------------------------


def parse_args(query: str, content_type: str, body: bytes) -> Args:
    args: Args = dict(parse_qsl(query))
    if body:
        if content_type.startswith("application/json"):
            args.update(json.loads(body))
        else:
            args.update(parse_qsl(body.decode("utf-8")))
    for name in ("blocks", "view", "attachments", "metadata"):
        # Form-encoded calls carry these as JSON strings.
        if isinstance(args.get(name), str):
            with contextlib.suppress(json.JSONDecodeError):
                args[name] = json.loads(args[name])
    return args
