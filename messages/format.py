"""Small formatting helpers shared by the Block Kit builders (pure, no Slack calls)."""

from __future__ import annotations

from datetime import UTC, datetime

# Slack's limit for a section's text; builders stay under it by construction, this is the backstop.
SECTION_TEXT_LIMIT = 3000
ELLIPSIS = "…"


def escape(text: str) -> str:
    """Customer-controlled text must not be able to inject links or mentions into mrkdwn."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def day(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%d")


def minute(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")


def code(identifier: str) -> str:
    return f"`{identifier}`"


def link(url: str, label: str) -> str:
    return f"<{url}|{escape(label)}>"


def channel_mention(channel_id: str) -> str:
    return f"<#{channel_id}>"


def clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + ELLIPSIS


def plural(count: int, noun: str) -> str:
    return f"{count} {noun}" if count == 1 else f"{count} {noun}s"
