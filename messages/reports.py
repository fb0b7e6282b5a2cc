"""Plan mix and self-serve audit as Block Kit, with plain-text twins for the terminal. Pure builders.

Both render from one list of (title, lines) parts, so Slack and the terminal show the same numbers;
bar charts sit in code blocks in Slack so their columns line up.
"""

from __future__ import annotations

from slack_sdk.models.blocks import Block, HeaderBlock, MarkdownTextObject, SectionBlock

from billing.plan_models import PlanMix
from billing.portal_audit import PortalAudit

BAR_WIDTH = 10
SECTION_TEXT_LIMIT = 3000
MAX_LINES_PER_PART = 25

Part = tuple[str, list[str]]


def bar(fraction: float, width: int = BAR_WIDTH) -> str:
    """`0.8` -> `████████░░  80%`."""
    fraction = min(max(fraction, 0.0), 1.0)
    filled = round(fraction * width)
    return "█" * filled + "░" * (width - filled) + f" {round(fraction * 100):>3}%"


def _share(part: int, whole: int) -> float:
    return part / whole if whole else 0.0


def _clip_lines(lines: list[str]) -> list[str]:
    if len(lines) <= MAX_LINES_PER_PART:
        return lines
    return [*lines[:MAX_LINES_PER_PART], f"… and {len(lines) - MAX_LINES_PER_PART} more"]


# --- plan mix -----------------------------------------------------------------------------------


def plan_parts(mix: PlanMix) -> list[Part]:
    mrr = " · ".join(f"{money}/mo" for money in mix.mrr.values()) or "none"
    parts: list[Part] = [("Summary", [f"{mix.active_subscriptions} active subscriptions · MRR {mrr}"])]
    parts.append(("By product and price", _price_lines(mix)))
    for currency in mix.mrr:
        parts.append((f"Monthly vs yearly ({currency.upper()})", _interval_lines(mix, currency)))
    total = mix.active_subscriptions
    width = max((len(name) for name in mix.seats), default=0)
    seat_lines = [
        f"{name:<{width}} {bar(_share(count, total))} ({count})" for name, count in mix.seats.items()
    ]
    parts.append(("Seats per subscription", seat_lines))
    parts.append((f"Monthly → yearly upgrades, last 30 days ({len(mix.upgrades)})", _upgrade_lines(mix)))
    parts.append((f"Team-seat confusion ({len(mix.seat_confusion)})", _confusion_lines(mix)))
    return parts


def _price_lines(mix: PlanMix) -> list[str]:
    if not mix.prices:
        return ["no active subscriptions"]
    width = max(len(f"{line.product_name} · {line.price_label}") for line in mix.prices)
    return _clip_lines(
        [
            f"{line.product_name + ' · ' + line.price_label:<{width}}  {line.subscriptions} subs · "
            f"{line.seats} seats · {line.mrr}/mo ({line.price_id})"
            for line in mix.prices
        ]
    )


def _interval_lines(mix: PlanMix, currency: str) -> list[str]:
    shares = mix.interval_shares(currency)
    count_total = sum(share.subscriptions for share in shares)
    mrr_total = sum(share.mrr.amount for share in shares)
    lines = []
    for share in shares:
        lines.append(
            f"{share.interval:<7} subs {bar(_share(share.subscriptions, count_total))} ({share.subscriptions})"
            f" · MRR {bar(_share(share.mrr.amount, mrr_total))} ({share.mrr}/mo)"
        )
    return lines


def _upgrade_lines(mix: PlanMix) -> list[str]:
    return _clip_lines(
        [
            f"{upgrade.at:%Y-%m-%d} {upgrade.customer_id} {upgrade.subscription_id}: "
            f"{upgrade.from_price} → {upgrade.to_price}"
            + (
                f" (switched from {upgrade.replaced_subscription_id})"
                if upgrade.replaced_subscription_id
                else ""
            )
            for upgrade in mix.upgrades
        ]
        or ["none"]
    )


def _confusion_lines(mix: PlanMix) -> list[str]:
    return _clip_lines(
        [
            f"{entry.customer_name or '(no name)'} {entry.customer_id}: {len(entry.subscription_ids)} "
            f"subscriptions to {entry.product_name} ({', '.join(entry.subscription_ids)})"
            for entry in mix.seat_confusion
        ]
        or ["none"]
    )


# --- self-serve audit ---------------------------------------------------------------------------


def portal_parts(audit: PortalAudit) -> list[Part]:
    if audit.has_portal:
        heading = f"Portal configuration {audit.configuration_id} ({audit.configurations} in the account)"
    else:
        heading = "No active billing-portal configuration: customers have no self-serve billing at all"
    controls = [f"{'✓' if control.enabled else '✗'} {control.label}" for control in audit.controls]
    missing = [control.label for control in audit.missing_controls]
    lacking = "Customers lack: " + (", ".join(missing) if missing else "nothing")
    gaps = []
    for gap in audit.named_gaps:
        seen = {
            True: "confirmed by the portal settings",
            False: "not in the portal settings",
            None: "not checkable",
        }
        cases = f"{gap.cases} audited case" + ("" if gap.cases == 1 else "s")
        gaps.append(f"{gap.gap}: {cases} · {seen[gap.confirmed_by_stripe]}")
    recorded = [f"{count} × {gap}" for gap, count in audit.recorded_gaps] or ["none recorded yet"]
    return [
        ("Billing portal", [heading, lacking]),
        ("Self-serve controls", controls),
        ("Product gaps", gaps),
        ("Gaps recorded on cases", _clip_lines(recorded)),
    ]


# --- rendering ----------------------------------------------------------------------------------


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def parts_blocks(title: str, parts: list[Part]) -> list[Block]:
    blocks: list[Block] = [HeaderBlock(text=title[:150])]
    for heading, lines in parts:
        body = _escape("\n".join(lines))
        text = f"*{_escape(heading)}*\n```{body}```"
        if len(text) > SECTION_TEXT_LIMIT:
            text = text[: SECTION_TEXT_LIMIT - 4] + "…```"
        blocks.append(SectionBlock(text=MarkdownTextObject(text=text)))
    return blocks


def parts_text(title: str, parts: list[Part]) -> str:
    lines = [title]
    for heading, body in parts:
        lines += ["", heading, *(f"  {line}" for line in body)]
    return "\n".join(lines)


def plans_title(mix: PlanMix) -> str:
    return f"Plan mix · {mix.generated_at:%Y-%m-%d}"


def plans_blocks(mix: PlanMix) -> list[Block]:
    return parts_blocks(plans_title(mix), plan_parts(mix))


def plans_text(mix: PlanMix) -> str:
    return parts_text(plans_title(mix), plan_parts(mix))


PORTAL_TITLE = "Self-serve audit"


def portal_blocks(audit: PortalAudit) -> list[Block]:
    return parts_blocks(PORTAL_TITLE, portal_parts(audit))


def portal_text(audit: PortalAudit) -> str:
    return parts_text(PORTAL_TITLE, portal_parts(audit))
