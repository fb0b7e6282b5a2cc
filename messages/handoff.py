"""The handoff thread reply: six sections and the revenue impact (Block Kit and plain text)."""

from __future__ import annotations

from slack_sdk.models.blocks import Block, HeaderBlock, MarkdownTextObject, SectionBlock

from billing.handoff import Handoff, RevenueImpact
from messages.actions import escape_keep_mentions
from messages.format import SECTION_TEXT_LIMIT, clip, day

MESSAGE_TEXT_LIMIT = 40_000


def revenue_lines(revenue: RevenueImpact) -> list[str]:
    refunded = ", ".join(str(money) for money in revenue.refunded) or "nothing"
    lines = [f"Refunded: {refunded}"]
    if revenue.mrr_change:
        change = ", ".join(f"{'+' if money.amount > 0 else ''}{money}/mo" for money in revenue.mrr_change)
        when = f" from {day(revenue.mrr_change_from)}" if revenue.mrr_change_from else " now"
        lines.append(f"MRR change: {change}{when}")
    else:
        lines.append("MRR change: none")
    if revenue.credited:
        lines.append("Account credit: " + ", ".join(str(money) for money in revenue.credited))
    if revenue.given_up:
        lines.append("Billing given up: " + ", ".join(str(money) for money in revenue.given_up))
    if revenue.lost_to_disputes:
        lines.append("Lost to disputes: " + ", ".join(str(money) for money in revenue.lost_to_disputes))
    return lines


def handoff_blocks(handoff: Handoff) -> list[Block]:
    blocks: list[Block] = [HeaderBlock(text="Handoff")]
    for section in handoff.sections:
        body = "\n".join(escape_keep_mentions(line) for line in section.lines)
        blocks.append(_section(f"*{section.title}*\n{body}"))
    blocks.append(_section("*REVENUE IMPACT*\n" + "\n".join(revenue_lines(handoff.revenue))))
    return blocks


def handoff_text(handoff: Handoff) -> str:
    """The notification fallback: escaped like the blocks (it is rendered as mrkdwn) and within Slack's
    40,000-character message limit."""
    parts = [
        f"{section.title}\n" + "\n".join(escape_keep_mentions(line) for line in section.lines)
        for section in handoff.sections
    ]
    parts.append("REVENUE IMPACT\n" + "\n".join(revenue_lines(handoff.revenue)))
    return clip("\n\n".join(parts), MESSAGE_TEXT_LIMIT)


def _section(text: str) -> SectionBlock:
    return SectionBlock(text=MarkdownTextObject(text=clip(text, SECTION_TEXT_LIMIT)))
