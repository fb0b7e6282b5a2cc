"""The customer card and the candidates list for a terminal (CLI): the same Block Kit the bot posts, rendered
by messages/blocks_text.py, without the buttons a terminal cannot click, with links spelled out, and without
the card's expiry (terminal output may land in a log)."""

from __future__ import annotations

import re
from typing import Any

from billing.snapshot import CustomerSnapshot, LookupResult
from messages.blocks_text import blocks_text
from messages.card import candidates_card, customer_card

_WEB_LINK = re.compile(r"<(https?://[^<>|]+)\|([^<>]*)>")


def snapshot_text(snapshot: CustomerSnapshot) -> str:
    return blocks_text(for_terminal(customer_card(snapshot, case_id=None, card_expiry=False)))


def candidates_text(result: LookupResult) -> str:
    hint = f"Look one up by its ID, e.g. `billing-bot lookup {result.candidates[0].customer.id}`."
    return blocks_text(for_terminal(candidates_card(result))) + f"\n{hint}\n"


def for_terminal(blocks: list[Any]) -> list[dict[str, Any]]:
    """Block dicts without buttons (actions blocks, button accessories), each web link as `label (url)`."""
    kept = []
    for block in blocks:
        data = block.to_dict() if hasattr(block, "to_dict") else dict(block)
        if data.get("type") == "actions":
            continue
        if (data.get("accessory") or {}).get("type") == "button":
            del data["accessory"]
        kept.append(_spell_out_links(data))
    return kept


def _spell_out_links(value: Any) -> Any:
    if isinstance(value, dict):
        if value.get("type") == "mrkdwn" and isinstance(value.get("text"), str):
            return {**value, "text": _WEB_LINK.sub(r"\2 (\1)", value["text"])}
        return {key: _spell_out_links(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_spell_out_links(item) for item in value]
    return value
