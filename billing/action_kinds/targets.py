"""Which Stripe object an action targets, chosen from a snapshot (pure)."""

from __future__ import annotations

from billing.errors import PreconditionFailed
from billing.models import LIVE_SUBSCRIPTION_STATUSES, Charge, Invoice, Subscription, oldest_first
from billing.snapshot import CustomerSnapshot, plan_name


def live_subscriptions(snapshot: CustomerSnapshot) -> list[Subscription]:
    return [sub for sub in snapshot.records.subscriptions if sub.status in LIVE_SUBSCRIPTION_STATUSES]


def newer_duplicate(snapshot: CustomerSnapshot) -> Subscription | None:
    """The newest live subscription that shares a product and billing interval with an older live one, in
    Stripe's creation order (same second: Stripe's list order). A monthly and a yearly of one product are an
    overlap, never a duplicate to cancel here."""
    live = oldest_first(live_subscriptions(snapshot))
    for index in range(len(live) - 1, 0, -1):
        if any(same_plan(older, live[index]) for older in live[:index]):
            return live[index]
    return None


def same_plan(older: Subscription, newer: Subscription) -> bool:
    """One product on the same billing interval(s): a duplicate's shape (a monthly and a yearly are not)."""

    def intervals(sub: Subscription) -> set[tuple[str | None, int]]:
        return {(item.price.interval, item.price.interval_count) for item in sub.items}

    return bool(older.product_ids & newer.product_ids) and intervals(older) == intervals(newer)


def cancellable_subscriptions(snapshot: CustomerSnapshot) -> list[Subscription]:
    """Live subscriptions not already set to cancel, original first (Stripe's creation order)."""
    return oldest_first([sub for sub in live_subscriptions(snapshot) if not sub.cancel_at_period_end])


def cancellable_subscription(snapshot: CustomerSnapshot) -> Subscription | None:
    """The newest one: what a cancel offers first (the form lets the operator pick another)."""
    candidates = cancellable_subscriptions(snapshot)
    return candidates[-1] if candidates else None


def open_invoices(snapshot: CustomerSnapshot) -> list[Invoice]:
    """Open invoices with something left to pay, newest first."""
    candidates = [inv for inv in snapshot.records.invoices if inv.status == "open" and inv.amount_remaining]
    return sorted(candidates, key=lambda inv: inv.created, reverse=True)


def open_invoice(snapshot: CustomerSnapshot) -> Invoice | None:
    invoices = open_invoices(snapshot)
    return invoices[0] if invoices else None


def refuse_if_disputed(charge: Charge) -> None:
    if charge.disputed:
        raise PreconditionFailed(
            f"{charge.id} is disputed, so it is not refunded: Stripe refuses refunding a chargeback. "
            "Respond to the dispute in the Stripe Dashboard (the card has its respond-by date and link)."
        )


def _offers_refund(charge: Charge) -> bool:
    # A disputed charge is answered in the dispute: Stripe refuses refunding a chargeback.
    return charge.refundable_amount > 0 and not charge.disputed


def refundable_charges(snapshot: CustomerSnapshot) -> list[Charge]:
    """The charges a refund may target, newest first."""
    offered = [charge for charge in snapshot.records.charges if _offers_refund(charge)]
    return sorted(offered, key=lambda charge: charge.created, reverse=True)


def paid_for(snapshot: CustomerSnapshot, charge: Charge) -> str:
    """What the charge paid for: the plan of the subscription its invoice billed, the charge's own
    description for a one-off, or "one-off charge"."""
    invoice = next(
        (inv for inv in snapshot.records.invoices if charge.payment_intent_id in inv.payment_intent_ids), None
    )
    sub = next(
        (sub for sub in snapshot.records.subscriptions if invoice and sub.id == invoice.subscription_id), None
    )
    if sub is not None:
        return plan_name(sub)
    return charge.description or (f"invoice {invoice.number or invoice.id}" if invoice else "one-off charge")


def latest_refundable_charge(snapshot: CustomerSnapshot) -> Charge | None:
    candidates = [charge for charge in snapshot.records.charges if _offers_refund(charge)]
    return max(candidates, key=lambda charge: charge.created, default=None)


def charge_for_subscription(snapshot: CustomerSnapshot, subscription_id: str) -> Charge | None:
    """The refundable charge that paid the subscription's newest paid invoice."""
    paid = [
        inv
        for inv in snapshot.records.invoices
        if inv.subscription_id == subscription_id and inv.status == "paid" and inv.amount_paid
    ]
    for invoice in sorted(paid, key=lambda inv: inv.created, reverse=True):
        for charge in snapshot.records.charges:
            if charge.payment_intent_id in invoice.payment_intent_ids and _offers_refund(charge):
                return charge
    return None


def card_label(charge: Charge) -> str:
    return charge.card.short_label() if charge.card else "the original payment method"


def live_subscription(snapshot: CustomerSnapshot, subscription_id: str) -> Subscription:
    for sub in live_subscriptions(snapshot):
        if sub.id == subscription_id:
            return sub
    raise PreconditionFailed(f"{subscription_id} is not a live subscription of this customer.")


def refundable_charge(snapshot: CustomerSnapshot, charge_id: str) -> Charge:
    for charge in snapshot.records.charges:
        if charge.id == charge_id:
            refuse_if_disputed(charge)
        if charge.id == charge_id and charge.refundable_amount > 0:
            return charge
    raise PreconditionFailed(f"{charge_id} is not a refundable charge of this customer.")
