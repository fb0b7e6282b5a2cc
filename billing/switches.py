"""Plan switches: a subscription that ended and a new one of the same product for the same customer
started within a few days of it (monthly to yearly, a change of seats) is a switch, not churn."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta

from billing.models import Subscription

SWITCH_WINDOW = timedelta(days=7)
_PER = {"day": "day", "week": "wk", "month": "mo", "year": "yr"}


def ended_at(subscription: Subscription) -> datetime | None:
    return subscription.ended_at or subscription.canceled_at


def plan_phrase(subscription: Subscription) -> str:
    """`$12.00/mo monthly`, `$120.00/yr yearly`, with the seats when there are several."""
    amount = subscription.period_amount()
    price = subscription.items[0].price if subscription.items else None
    if price is None or price.interval is None:
        return str(amount)
    per = _PER[price.interval] if price.interval_count == 1 else f"{price.interval_count} {price.interval}s"
    phrase = f"{amount}/{per} {price.interval}ly" if price.interval_count == 1 else f"{amount}/{per}"
    seats = subscription.quantity
    return phrase + (f" ({seats} seats)" if seats > 1 else "")


def successor(ended: Subscription, live: Iterable[Subscription]) -> Subscription | None:
    """The customer's subscription to the same product started closest to the end, within the window."""
    end = ended_at(ended)
    if end is None:
        return None
    candidates = [
        subscription
        for subscription in live
        if subscription.customer_id == ended.customer_id
        and subscription.id != ended.id
        and subscription.product_ids & ended.product_ids
        and abs(subscription.created - end) <= SWITCH_WINDOW
    ]
    return min(candidates, key=lambda sub: (abs(sub.created - end), sub.id), default=None)


def switch_text(old: Subscription, new: Subscription) -> str:
    return f"switched from {plan_phrase(old)} to {plan_phrase(new)}"
