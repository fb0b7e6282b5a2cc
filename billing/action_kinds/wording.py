"""Words several actions share: the customer's greeting, dates, product names, and how a cancelled
subscription or a refund is described on the card, in the handoff and in revenue."""

from __future__ import annotations

from datetime import datetime

from billing.action_kinds.base import IdFormat
from billing.action_models import ActionOutcome, RevenueImpact
from billing.models import Refund, Subscription
from billing.money import Money, format_money
from billing.snapshot import CustomerSnapshot

REFUND_ARRIVAL = "Refunds usually appear on the statement within 5-10 business days."


def long_date(moment: datetime) -> str:
    return f"{moment:%B} {moment.day}, {moment.year}"


def greeting(snapshot: CustomerSnapshot) -> str:
    name = snapshot.customer.name
    return f"Hi {name.split()[0]}," if name else "Hi,"


def product_name(sub: Subscription | None) -> str:
    if sub is None or not sub.items:
        return "your subscription"
    price = sub.items[0].price
    return price.product_name or price.nickname or "your subscription"


def reported_to_product(snapshot: CustomerSnapshot) -> str:
    return (
        f"{greeting(snapshot)} thanks for reporting this; I passed it on to our product team. Your billing "
        "stays as it is, and we will let you know when it is fixed."
    )


def seat_explanation(live: list[Subscription]) -> str:
    sentences = []
    for sub in live:
        for item in sub.items:
            unit = format_money(item.price.unit_amount or 0, item.price.currency)
            every = item.price.interval or "period"
            sentences.append(
                f"{product_name(sub)} is billed per seat: {item.quantity} seat(s) × {unit} = "
                f"{item.period_amount()} per {every}."
            )
    sentences.append("Adding or removing seats changes the next invoice, prorated to the day.")
    return " ".join(sentences)


def no_change(kind: str) -> str:
    return f"no change in Stripe ({kind.replace('_', ' ')})"


# --- the card's DONE line and the handoff's ACTION TAKEN -------------------------------------------


def cancel_part(sub: Subscription, ids: IdFormat) -> str:
    if sub.cancel_at_period_end:
        return f"{ids(sub.id)} set to cancel at period end"
    return f"cancelled {ids(sub.id)}"


def refund_part(refund: Refund, ids: IdFormat) -> str:
    return f"refunded {refund.money()} of {ids(refund.charge_id or '')}"


def cancel_and_refund_outcome(outcome: ActionOutcome, ids: IdFormat, *, refund_note: str = "") -> str:
    """The card's DONE line of a cancel followed by a refund: what of the two happened."""
    parts = []
    if outcome.subscription is not None:
        parts.append(cancel_part(outcome.subscription, ids))
    if outcome.refund is not None:
        parts.append(refund_part(outcome.refund, ids) + refund_note)
    return "; ".join(parts) or no_change(outcome.kind)


def recorded(kind: str) -> str:
    return f"recorded {kind.replace('_', ' ')} (no change in Stripe)"


def told_cancel(sub: Subscription, ids: IdFormat) -> str:
    return (
        f"set {ids(sub.id)} to cancel at period end"
        if sub.cancel_at_period_end
        else f"cancelled {ids(sub.id)}"
    )


def told_refund(refund: Refund, ids: IdFormat) -> str:
    return f"refunded {refund.money()} ({ids(refund.id)})"


def told_cancel_and_refund(outcome: ActionOutcome, ids: IdFormat) -> str:
    """What a cancel + refund action moved, as far as it went."""
    parts = []
    if outcome.subscription is not None:
        parts.append(told_cancel(outcome.subscription, ids))
    if outcome.refund is not None:
        parts.append(told_refund(outcome.refund, ids))
    return "; ".join(parts) or recorded(outcome.kind)


def cancel_line(sub: Subscription) -> str:
    if sub.cancel_at_period_end and sub.current_period_end:
        return f"Set {sub.id} to cancel at period end ({sub.current_period_end:%Y-%m-%d})"
    return f"Cancelled {sub.id} now (status {sub.status})"


def refund_line(refund: Refund) -> str:
    return f"Refunded {refund.money()} of {refund.charge_id} ({refund.id}, {refund.status or 'pending'})"


# --- revenue -----------------------------------------------------------------------------------------


def refunded(refund: Refund | None) -> RevenueImpact:
    return RevenueImpact(refunded=[refund.money()] if refund else [])


def subscription_lost(before: CustomerSnapshot, sub: Subscription, refund: Refund | None) -> RevenueImpact:
    """The MRR the cancelled subscription brought, as it was before; from period end when it runs out."""
    previous = next((old for old in before.records.subscriptions if old.id == sub.id), sub)
    starts = sub.current_period_end if sub.cancel_at_period_end else None
    return RevenueImpact(
        refunded=[refund.money()] if refund else [],
        mrr_change=[-previous.monthly_recurring_revenue()],
        mrr_change_from=starts,
    )


def mrr_changed(before: CustomerSnapshot, sub: Subscription) -> RevenueImpact:
    """The MRR a plan change (seats, price) moved: after minus before, from now (it is prorated)."""
    previous = next((old for old in before.records.subscriptions if old.id == sub.id), sub)
    change = sub.monthly_recurring_revenue().amount - previous.monthly_recurring_revenue().amount
    if change == 0:
        return RevenueImpact()
    return RevenueImpact(mrr_change=[Money(amount=change, currency=sub.currency)])
