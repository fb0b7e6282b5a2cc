"""The customer card and the candidates card: pure Block Kit builders over billing's models."""

from __future__ import annotations

from collections.abc import Sequence

from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    ButtonElement,
    ContextBlock,
    DividerBlock,
    HeaderBlock,
    MarkdownTextObject,
    SectionBlock,
)

from billing.classify import Suggestion
from billing.models import Anomaly, AnomalyKind, Bucket, Charge, Invoice, Price, Subscription, oldest_first
from billing.money import format_money
from billing.snapshot import CustomerCandidate, CustomerSnapshot, LookupResult, dashboard_url
from messages.format import (
    SECTION_TEXT_LIMIT,
    channel_mention,
    clip,
    code,
    day,
    escape,
    link,
    minute,
    plural,
)
from messages.ids import ActionId, ButtonValue

MAX_SUBSCRIPTIONS = 10
MAX_INVOICES = 5
MAX_CHARGES = 5
MAX_CANDIDATES = 20
HEADER_LIMIT = 150
FALLBACK_TEXT_LIMIT = 3000
QUOTE_LIMIT = 200
ADD_WORDS_LABEL = "Add the customer's words"
MORE_WORDS_LABEL = "Add more of the customer's words"
CANDIDATE_WORDS_LIMIT = 500
TEST_MODE_BANNER = ":test_tube: *TEST MODE* · Stripe test data, no real money moves."


# --- customer card ----------------------------------------------------------------------------


def customer_card(
    snapshot: CustomerSnapshot,
    *,
    case_id: str | None,
    decision_blocks: list[Block] | None = None,
    acted_note: str | None = None,
    card_expiry: bool = True,
) -> list[Block]:
    """The card posted for one customer; `decision_blocks` replace the classification buttons. Without a
    case (the CLI's card) there is nothing to classify; the terminal, whose output may land in a log, leaves
    the card's expiry out (`card_expiry`)."""
    blocks: list[Block] = [HeaderBlock(text=clip(escape(snapshot.customer.display_name()), HEADER_LIMIT))]
    if not snapshot.livemode:
        blocks.append(_context(TEST_MODE_BANNER))
    blocks += [
        _section(_customer_text(snapshot)),
        _context(_provenance_text(snapshot, case_id)),
        DividerBlock(),
        _section(_subscriptions_text(snapshot)),
        _section(_invoices_text(snapshot)),
        _section(_payments_text(snapshot, card_expiry=card_expiry)),
        DividerBlock(),
        _section(_anomalies_text(snapshot.anomalies)),
        _section(_suggestion_text(snapshot)),
    ]
    if decision_blocks is not None:
        blocks += decision_blocks
    elif case_id is not None:
        blocks += classification_blocks(snapshot, case_id)
    if acted_note:
        blocks.append(_context(acted_note))
    return blocks


def card_text(snapshot: CustomerSnapshot) -> str:
    """Notification / screen-reader fallback for the card."""
    customer = snapshot.customer
    # The notification text is mrkdwn too: a name like `<!channel>` would ping the whole channel.
    return clip(f"Billing card: {escape(customer.display_name())} ({customer.id})", FALLBACK_TEXT_LIMIT)


def classification_blocks(snapshot: CustomerSnapshot, case_id: str) -> list[Block]:
    """One actions block per bucket: Slack rejects repeated action_ids inside one block."""
    blocks: list[Block] = [_section("*Classify this case* (nothing changes in Stripe yet):")]
    for bucket in Bucket:
        button = ButtonElement(
            text=bucket.label,
            action_id=ActionId.CLASSIFY.value,
            value=ButtonValue(case=case_id, bucket=bucket.value).encode(),
            style="primary" if bucket == snapshot.suggestion else None,
        )
        blocks.append(ActionsBlock(block_id=f"classify.{bucket.value}", elements=[button]))
    words = ButtonElement(
        text=ADD_WORDS_LABEL if not snapshot.complaint else MORE_WORDS_LABEL,
        action_id=ActionId.ADD_WORDS.value,
        value=ButtonValue(case=case_id).encode(),
    )
    blocks.append(ActionsBlock(block_id="classify.words", elements=[words]))
    return blocks


def source_note(permalink: str | None, channel_id: str) -> Block:
    """Shown above a card posted away from the message it investigates."""
    where = link(permalink, "this message") if permalink else "a message"
    return _context(f":link: Investigating {where} in {channel_mention(channel_id)}")


def _customer_text(snapshot: CustomerSnapshot) -> str:
    customer = snapshot.customer
    url = dashboard_url(customer.id, livemode=snapshot.livemode)
    lines = [
        "*CUSTOMER*",
        f"*Name:* {escape(customer.name or '—')}",
        f"*Email:* {escape(customer.email or '—')}",
        f"*Stripe ID:* {code(customer.id)} · {link(url, 'Stripe Dashboard')}",
        f"*Created:* {day(customer.created)}",
    ]
    return "\n".join(lines)


def _provenance_text(snapshot: CustomerSnapshot, case_id: str | None) -> str:
    matched = escape(snapshot.matched_on) if snapshot.matched_on else "—"
    case = f" · Case {code(case_id)}" if case_id is not None else ""
    return f"Matched on: {matched}{case} · As of {minute(snapshot.taken_at)}"


def _subscriptions_text(snapshot: CustomerSnapshot) -> str:
    roles = _pair_roles(snapshot.anomalies)
    subscriptions = oldest_first(snapshot.records.subscriptions)[::-1]
    current = [sub for sub in subscriptions if sub.status != "canceled"]
    ended = [sub for sub in subscriptions if sub.status == "canceled"]
    lines = ["*BILLING STATE*", "*Subscriptions*"]
    lines += [_subscription_line(sub, roles.get(sub.id)) for sub in current[:MAX_SUBSCRIPTIONS]]
    if not current:
        lines.append("No active subscriptions.")
    if ended:
        lines.append("*Canceled*")
        lines += [_canceled_line(sub) for sub in ended[:MAX_SUBSCRIPTIONS]]
    hidden = max(0, len(current) - MAX_SUBSCRIPTIONS) + max(0, len(ended) - MAX_SUBSCRIPTIONS)
    if hidden:
        lines.append(_more_line(hidden, snapshot))
    return "\n".join(lines)


def _subscription_line(sub: Subscription, role: str | None) -> str:
    period_end = sub.current_period_end
    parts = [
        f"• {code(sub.id)} *{escape(_plan_name(sub))}* × {sub.quantity}",
        f"{sub.period_amount().format()}{_per_period(sub)}",
        sub.status,
        *_collection_and_discount(sub),
    ]
    if period_end is not None:
        verb = "cancels at period end" if sub.cancel_at_period_end else "renews"
        parts.append(f"{verb} {day(period_end)}")
    elif sub.cancel_at_period_end:
        parts.append("cancels at period end")
    line = " — ".join(parts)
    return f"{line} {role}" if role else line


def _collection_and_discount(sub: Subscription) -> list[str]:
    """What changes how the subscription is billed (paused collection, a coupon), so the operator sees why
    "Resume collection" is offered or "Apply coupon…" is not."""
    parts = []
    if pause := sub.pause_collection:
        until = f" until {day(pause.resumes_at)}" if pause.resumes_at else ""
        parts.append(f"collection paused{until} ({pause.behavior})")
    if sub.coupon_ids:
        parts.append("coupon " + ", ".join(code(escape(coupon)) for coupon in sub.coupon_ids))
    return parts


def _canceled_line(sub: Subscription) -> str:
    ended = sub.ended_at or sub.canceled_at
    when = f" — ended {day(ended)}" if ended else ""
    return f"• {code(sub.id)} {escape(_plan_name(sub))} — canceled{when}"


def _plan_name(sub: Subscription) -> str:
    names = [_price_name(item.price) for item in sub.items]
    return ", ".join(dict.fromkeys(names)) or "(no items)"


def _price_name(price: Price) -> str:
    return price.product_name or price.nickname or price.product_id


def _per_period(sub: Subscription) -> str:
    if not sub.items or sub.items[0].price.interval is None:
        return ""
    price = sub.items[0].price
    if price.interval_count == 1:
        return f" / {price.interval}"
    return f" / {price.interval_count} {price.interval}s"


def _invoices_text(snapshot: CustomerSnapshot) -> str:
    invoices = sorted(snapshot.records.invoices, key=lambda invoice: invoice.created, reverse=True)
    lines = [_invoice_line(invoice) for invoice in invoices]
    return "\n".join(
        _latest(
            "*Invoices*", lines, MAX_INVOICES, "No invoices.", snapshot, snapshot.records.has_more_invoices
        )
    )


def _latest(
    title: str, lines: list[str], limit: int, empty: str, snapshot: CustomerSnapshot, has_more: bool
) -> list[str]:
    """The newest `limit` lines, then "…and N more" with a Dashboard link when Stripe holds more."""
    shown = [title + (f" (latest {limit})" if len(lines) > limit else ""), *lines[:limit]]
    if not lines:
        shown.append(empty)
    hidden = max(0, len(lines) - limit)
    if hidden or has_more:
        shown.append(_more_line(hidden, snapshot, open_ended=has_more))
    return shown


def _invoice_line(invoice: Invoice) -> str:
    number = escape(invoice.number) if invoice.number else "(no number)"
    status = invoice.status or "unknown"
    return f"• {code(invoice.id)} {number} — {status} — {invoice.total().format()} — {day(invoice.created)}"


def _payments_text(snapshot: CustomerSnapshot, *, card_expiry: bool) -> str:
    charges = sorted(snapshot.records.charges, key=lambda charge: charge.created, reverse=True)
    lines = [_charge_line(charge) for charge in charges]
    lines = _latest(
        "*Payments*", lines, MAX_CHARGES, "No payments.", snapshot, snapshot.records.has_more_charges
    )
    card = snapshot.customer.default_payment_method
    shown = (card.label() if card_expiry else card.short_label()) if card else "none on file"
    lines.append(f"*Default payment method:* {shown}")
    return "\n".join(lines)


def _charge_line(charge: Charge) -> str:
    parts = [f"• {code(charge.id)} {charge.money().format()}", charge.status, day(charge.created)]
    if charge.amount_refunded:
        parts.append(f"refunded {format_money(charge.amount_refunded, charge.currency)}")
    if charge.disputed:
        parts.append(":rotating_light: disputed")
    if charge.status == "failed" and (charge.failure_message or charge.failure_code):
        parts.append(escape(charge.failure_message or charge.failure_code or ""))
    return " — ".join(parts)


def _more_line(hidden: int, snapshot: CustomerSnapshot, *, open_ended: bool = False) -> str:
    url = dashboard_url(snapshot.customer.id, livemode=snapshot.livemode)
    return f"…and{_count_label(hidden, open_ended)} more in the {link(url, 'Stripe Dashboard')}"


def _count_label(hidden: int, open_ended: bool) -> str:
    """' 5', ' 5+' when Stripe has more than was fetched, or '' when only Stripe knows how many."""
    if not open_ended:
        return f" {hidden}"
    return f" {hidden}+" if hidden else ""


def _anomalies_text(anomalies: Sequence[Anomaly]) -> str:
    if not anomalies:
        return "*ANOMALIES*\nNone found."
    lines = ["*ANOMALIES*"]
    for anomaly in anomalies:
        ids = ", ".join(code(object_id) for object_id in anomaly.object_ids)
        lines.append(f"• :warning: {escape(anomaly.summary)}" + (f" ({ids})" if ids else ""))
    return "\n".join(lines)


def _pair_roles(anomalies: Sequence[Anomaly]) -> dict[str, str]:
    """Each subscription's role in a duplicate group (oldest first: the original) or an overlap."""
    roles: dict[str, str] = {}
    for anomaly in anomalies:
        if anomaly.kind == AnomalyKind.DUPLICATE_SUBSCRIPTIONS:
            original, *duplicates = anomaly.object_ids
            roles.setdefault(original, "*original*")
            roles.update(dict.fromkeys(duplicates, ":warning: *duplicate*"))
        elif anomaly.kind == AnomalyKind.OVERLAPPING_PLANS:
            for object_id in anomaly.object_ids:
                roles.setdefault(object_id, ":warning: *overlap*")
    return roles


def _suggestion_text(snapshot: CustomerSnapshot) -> str:
    judgement = snapshot.judgement
    if judgement is None:
        return _state_only_suggestion(snapshot)
    lines = [_suggestion_headline(judgement)]
    lines += [f"> “{escape(clip(quote, QUOTE_LIMIT))}”" for quote in judgement.quotes]
    lines += [f"• {escape(fact)}" for fact in judgement.facts]
    return "\n".join(lines)


def _suggestion_headline(judgement: Suggestion) -> str:
    if judgement.unread_language:
        return f"*SUGGESTED:* none — {escape(judgement.reason)}"
    if judgement.bucket is None:
        return "*SUGGESTED:* no suggestion; classify by hand."
    confidence = f"confidence {round(judgement.confidence * 100)}%"
    if judgement.runner_up is not None:
        return (
            f"*SUGGESTED:* unsure between {judgement.bucket.label} and {judgement.runner_up.label}"
            f" (leaning {judgement.bucket.label}, {confidence})"
        )
    return f"*SUGGESTED:* {judgement.bucket.label} ({confidence})"


def _state_only_suggestion(snapshot: CustomerSnapshot) -> str:
    if snapshot.suggestion is None:
        return "*SUGGESTED:* no suggestion; classify by hand."
    reason = f" — {escape(snapshot.suggestion_reason)}" if snapshot.suggestion_reason else ""
    return f"*SUGGESTED:* {snapshot.suggestion.label}{reason}"


# --- candidates card --------------------------------------------------------------------------


def candidates_card(result: LookupResult) -> list[Block]:
    """Several customers share the identifier: list them with an Open button each."""
    shown = result.candidates[:MAX_CANDIDATES]
    intro = (
        f"*{len(result.candidates)} customers match* {code(escape(result.query))}"
        f" (matched on {escape(result.matched_on)}). Open the one this is about:"
    )
    blocks: list[Block] = [_section(intro)]
    blocks += [_candidate_block(candidate, result.query, result.complaint) for candidate in shown]
    hidden = len(result.candidates) - len(shown)
    if hidden:
        blocks.append(_context(f"…and {hidden} more; narrow the search with a Stripe ID."))
    return blocks


def candidates_fallback_text(result: LookupResult) -> str:
    """Notification / screen-reader fallback for the candidates list."""
    return f"{len(result.candidates)} customers match {result.query}"


def _candidate_block(candidate: CustomerCandidate, query: str, complaint: str = "") -> Block:
    customer = candidate.customer
    text = (
        f"*{escape(customer.display_name())}* · {escape(customer.email or '—')}\n"
        f"{code(customer.id)} · created {day(customer.created)}"
        f" · {plural(candidate.subscription_count, 'subscription')}"
    )
    button = ButtonElement(
        text="Open",
        action_id=ActionId.OPEN_CANDIDATE.value,
        value=ButtonValue(
            target=customer.id, text=clip(query, 200), words=clip(complaint, CANDIDATE_WORDS_LIMIT) or None
        ).encode(),
    )
    return SectionBlock(
        block_id=f"candidate.{customer.id}", text=MarkdownTextObject(text=text), accessory=button
    )


# --- usage ------------------------------------------------------------------------------------


def usage_text() -> str:
    return "\n".join(
        [
            "*Usage:* `/billing QUERY [what the customer said]` — look up a customer by email, Stripe ID"
            " (`cus_…`, `sub_…`, `in_…`, `ch_…`, `pi_…`), invoice number, `card 4242 08/30`, name,"
            " or `github:handle`.",
            "Reports: `/billing digest`, `/billing plans`, `/billing portal-check`.",
            "Or use the *Investigate billing* message shortcut on a customer's message.",
        ]
    )


# --- shared -----------------------------------------------------------------------------------


def _section(text: str) -> SectionBlock:
    return SectionBlock(text=MarkdownTextObject(text=clip(text, SECTION_TEXT_LIMIT)))


def _context(text: str) -> ContextBlock:
    return ContextBlock(elements=[MarkdownTextObject(text=clip(text, SECTION_TEXT_LIMIT))])
