"""The churn-risk digest as Block Kit, and its plain-text twin for the terminal. Pure builders."""

from __future__ import annotations

from slack_sdk.models.blocks import (
    Block,
    ButtonElement,
    ContextBlock,
    HeaderBlock,
    MarkdownTextObject,
    SectionBlock,
)

from billing.digest_models import Digest, DigestTotals, RiskRow, RiskSection
from billing.money import Money
from messages.ids import ActionId, ButtonValue

MAX_BLOCKS = 50  # Slack's limit for one message
SECTION_TEXT_LIMIT = 3000
ROWS_PER_SECTION = 5
FIXED_BLOCKS = 2  # header + totals


def _escape(text: str) -> str:
    """Customer-controlled text must not inject links or mentions into mrkdwn."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _clip(text: str, limit: int = SECTION_TEXT_LIMIT) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def money_list(totals: dict[str, Money], suffix: str = "") -> str:
    return " · ".join(f"{money}{suffix}" for money in totals.values()) or "none"


def change_text(digest: Digest) -> str:
    if digest.previous is None:
        return "first digest"
    parts = []
    for money in digest.change().values():
        if money.amount > 0:
            parts.append(f"▲ {money}")
        elif money.amount < 0:
            parts.append(f"▼ {-money}")
        else:
            parts.append(f"± {money}")
    return (" · ".join(parts) or "no change") + " since the previous digest"


def stake_text(row: RiskRow) -> str:
    if row.section == RiskSection.OPEN_DISPUTE:
        return f"{row.at_stake} disputed"
    if row.object_id.startswith("in_"):
        return f"{row.at_stake} unpaid"
    if row.section == RiskSection.CHURNED and row.switch:
        return "plan switch"
    if row.section == RiskSection.CHURNED:
        return f"{row.at_stake}/mo lost"
    return f"{row.at_stake}/mo"


def who(row: RiskRow, *, redact: bool, markdown: bool = True) -> str:
    """Name and Stripe IDs; the email only where the channel may see it."""
    name = row.customer_name or ("(unknown customer)" if not row.customer_id else "(no name)")
    ids = [row.customer_id, row.object_id] if row.customer_id else [row.object_id]
    if markdown:
        parts = [f"*{_escape(name)}*", " ".join(f"`{identifier}`" for identifier in ids)]
    else:
        parts = [name, " ".join(ids)]
    if not redact and row.customer_email:
        parts.append(_escape(row.customer_email) if markdown else row.customer_email)
    return " ".join(parts)


def row_text(rank: int, row: RiskRow, *, redact: bool) -> str:
    detail = f" — {_escape(row.detail)}" if row.detail else ""
    return _clip(f"{rank}. {who(row, redact=redact)} · *{stake_text(row)}*{detail}")


def totals_text(totals: DigestTotals, change: str) -> str:
    return (
        f"*At risk:* {money_list(totals.at_risk, '/mo')} ({change})\n"
        f"*Churned:* {money_list(totals.churned, '/mo')} · *Disputed:* {money_list(totals.disputed)} · "
        f"*Customers:* {totals.customers}"
    )


def rows_per_section(section_sizes: list[int], budget: int = MAX_BLOCKS - FIXED_BLOCKS) -> list[int]:
    """How many rows of each section get their own block (and button) within Slack's block limit."""
    cap = ROWS_PER_SECTION
    while cap > 1:
        shown = [min(size, cap) for size in section_sizes]
        used = sum(
            1 + count + (1 if size > count else 0) for size, count in zip(section_sizes, shown, strict=True)
        )
        if used <= budget:
            return shown
        cap -= 1
    return [min(size, 1) for size in section_sizes]


def investigate_button(row: RiskRow) -> ButtonElement | None:
    target = row.customer_id or row.object_id
    if not target:
        return None
    return ButtonElement(
        text="Investigate",
        action_id=ActionId.INVESTIGATE.value,
        value=ButtonValue(target=target).encode(),
    )


def digest_blocks(digest: Digest, *, redact: bool, day: str) -> list[Block]:
    if digest.quiet:
        return [SectionBlock(text=MarkdownTextObject(text=quiet_line(digest, day)))]
    blocks: list[Block] = [
        HeaderBlock(text=f"Churn-risk digest · {day}"),
        SectionBlock(text=MarkdownTextObject(text=totals_text(digest.totals, change_text(digest)))),
    ]
    sections = digest.sections()
    shown_counts = rows_per_section([len(rows) for _, rows in sections])
    for (section, rows), shown in zip(sections, shown_counts, strict=True):
        blocks.append(SectionBlock(text=MarkdownTextObject(text=f"*{section.label}* ({len(rows)})")))
        for rank, row in enumerate(rows[:shown], 1):
            blocks.append(
                SectionBlock(
                    text=MarkdownTextObject(text=row_text(rank, row, redact=redact)),
                    accessory=investigate_button(row),
                )
            )
        if len(rows) > shown:
            more = f"…and {len(rows) - shown} more; `billing-bot digest` lists every row."
            blocks.append(ContextBlock(elements=[MarkdownTextObject(text=more)]))
    return blocks


def quiet_line(digest: Digest, day: str) -> str:
    return f"Churn-risk digest · {day}: quiet day, no customers at risk."


def _customers(count: int) -> str:
    return f"{count} customer" if count == 1 else f"{count} customers"


def digest_fallback_text(digest: Digest, day: str) -> str:
    """The notification text (also what screen readers announce)."""
    if digest.quiet:
        return quiet_line(digest, day)
    return (
        f"Churn-risk digest · {day}: {_customers(digest.totals.customers)} at risk, "
        f"{money_list(digest.totals.at_risk, '/mo')}"
    )


def digest_text(digest: Digest, *, redact: bool, day: str) -> str:
    """The same digest for a terminal: every row, no truncation."""
    if digest.quiet:
        return quiet_line(digest, day)
    lines = [
        f"Churn-risk digest · {day}",
        f"At risk: {money_list(digest.totals.at_risk, '/mo')} ({change_text(digest)})",
        f"Churned: {money_list(digest.totals.churned, '/mo')} · Disputed: {money_list(digest.totals.disputed)}"
        f" · Customers: {digest.totals.customers}",
    ]
    for section, rows in digest.sections():
        lines.append("")
        lines.append(f"{section.label} ({len(rows)})")
        for rank, row in enumerate(rows, 1):
            detail = f" — {row.detail}" if row.detail else ""
            lines.append(f"  {rank}. {who(row, redact=redact, markdown=False)} · {stake_text(row)}{detail}")
    return "\n".join(lines)
