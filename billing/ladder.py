"""The action ladder per bucket and the exact effect of each rung, pure: options offered safest first,
the plan a first click stores, the checks a confirm re-runs on fresh reads, and the product gaps."""

from __future__ import annotations

from enum import StrEnum

from billing.errors import PreconditionFailed
from billing.models import (
    LIVE_SUBSCRIPTION_STATUSES,
    Bucket,
    Charge,
    Invoice,
    Model,
    PortalConfiguration,
    Subscription,
)
from billing.money import Money, format_money
from billing.snapshot import CustomerSnapshot


class ActionKind(StrEnum):
    CANCEL_AND_REFUND = "cancel_and_refund"  # duplicate: cancel the newer one now, refund its charge
    CANCEL_AT_PERIOD_END = "cancel_at_period_end"
    REFUND = "refund"
    RETRY_PAYMENT = "retry_payment"
    PORTAL_LINK = "portal_link"
    EXPLAIN_BILLING = "explain_billing"
    KEEP_BOTH = "keep_both"
    NO_ACTION = "no_action"

    @property
    def moves_money(self) -> bool:
        return self in MONEY_ACTIONS


MONEY_ACTIONS = frozenset(
    {
        ActionKind.CANCEL_AND_REFUND,
        ActionKind.CANCEL_AT_PERIOD_END,
        ActionKind.REFUND,
        ActionKind.RETRY_PAYMENT,
    }
)
NO_CHANGE_ACTIONS = frozenset({ActionKind.EXPLAIN_BILLING, ActionKind.KEEP_BOTH, ActionKind.NO_ACTION})


class Option(Model):
    """One button of a bucket's ladder: what it does and the Stripe object it targets."""

    kind: ActionKind
    target: str | None = None


class Step(Model):
    name: str  # "cancel", "refund", "pay": part of the idempotency key
    object_id: str
    amount: int | None = None
    at_period_end: bool = False
    refunded_before: int | None = None  # the charge's amount_refunded when planned; None in older rows


class Plan(Model):
    kind: ActionKind
    customer_id: str
    steps: list[Step]
    amount: int | None = None
    currency: str | None = None
    summary: str

    @property
    def target_ids(self) -> list[str]:
        return [step.object_id for step in self.steps]

    @property
    def refund_amount(self) -> Money | None:
        for step in self.steps:
            if step.name == "refund" and step.amount and self.currency:
                return Money(amount=step.amount, currency=self.currency)
        return None


# --- the ladder per bucket (pure) -------------------------------------------------------------------


def ladder(bucket: Bucket, snapshot: CustomerSnapshot) -> list[Option]:
    """The bucket's actions, safest and most reversible first; actions without a target are left out."""
    duplicate = newer_duplicate(snapshot)
    live = cancellable_subscription(snapshot)
    invoice = open_invoice(snapshot)
    charge = latest_refundable_charge(snapshot)
    candidates: dict[Bucket, list[tuple[ActionKind, str | None]]] = {
        Bucket.DUPLICATE: [
            (ActionKind.CANCEL_AT_PERIOD_END, duplicate.id if duplicate else None),
            (ActionKind.CANCEL_AND_REFUND, duplicate.id if duplicate else None),
            (ActionKind.KEEP_BOTH, ""),
        ],
        Bucket.TEAM: [(ActionKind.EXPLAIN_BILLING, ""), (ActionKind.PORTAL_LINK, "")],
        Bucket.FAILED_PAYMENT: [
            (ActionKind.PORTAL_LINK, ""),
            (ActionKind.RETRY_PAYMENT, invoice.id if invoice else None),
        ],
        Bucket.MISSING_SELF_SERVE: [
            (ActionKind.PORTAL_LINK, ""),
            (ActionKind.CANCEL_AT_PERIOD_END, live.id if live else None),
        ],
        Bucket.PRODUCT_FAILURE: [
            (ActionKind.CANCEL_AT_PERIOD_END, live.id if live else None),
            (ActionKind.REFUND, charge.id if charge else None),
            (ActionKind.NO_ACTION, ""),
        ],
    }
    return [
        Option(kind=kind, target=target or None) for kind, target in candidates[bucket] if target is not None
    ]


def live_subscriptions(snapshot: CustomerSnapshot) -> list[Subscription]:
    return [sub for sub in snapshot.records.subscriptions if sub.status in LIVE_SUBSCRIPTION_STATUSES]


def newer_duplicate(snapshot: CustomerSnapshot) -> Subscription | None:
    """The newest live subscription that shares a product with an older live one."""
    live = sorted(live_subscriptions(snapshot), key=lambda sub: (sub.created, sub.id))
    for index in range(len(live) - 1, 0, -1):
        if any(older.product_ids & live[index].product_ids for older in live[:index]):
            return live[index]
    return None


def cancellable_subscription(snapshot: CustomerSnapshot) -> Subscription | None:
    candidates = [sub for sub in live_subscriptions(snapshot) if not sub.cancel_at_period_end]
    return max(candidates, key=lambda sub: sub.created, default=None)


def open_invoice(snapshot: CustomerSnapshot) -> Invoice | None:
    candidates = [inv for inv in snapshot.records.invoices if inv.status == "open" and inv.amount_remaining]
    return max(candidates, key=lambda inv: inv.created, default=None)


def latest_refundable_charge(snapshot: CustomerSnapshot) -> Charge | None:
    candidates = [charge for charge in snapshot.records.charges if charge.refundable_amount > 0]
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
            if charge.payment_intent_id in invoice.payment_intent_ids and charge.refundable_amount > 0:
                return charge
    return None


# --- planning: the exact effect of the first click (pure) ------------------------------------------


def card_label(charge: Charge) -> str:
    return charge.card.short_label() if charge.card else "the original payment method"


def plan_action(
    kind: ActionKind, target: str, snapshot: CustomerSnapshot, *, amount: int | None = None
) -> Plan:
    """Turn a button (kind + target ID) into the steps it will run; raises PreconditionFailed when the
    target is not this customer's or not in a state the action applies to."""
    customer_id = snapshot.customer.id
    if kind is ActionKind.CANCEL_AND_REFUND:
        sub = _live_subscription(snapshot, target)
        charge = charge_for_subscription(snapshot, sub.id)
        steps = [Step(name="cancel", object_id=sub.id)]
        if charge is None:
            summary = f"Cancel {sub.id} now? (no paid charge to refund)"
            return Plan(kind=kind, customer_id=customer_id, steps=steps, summary=summary)
        steps.append(
            Step(
                name="refund",
                object_id=charge.id,
                amount=charge.refundable_amount,
                refunded_before=charge.amount_refunded,
            )
        )
        money = format_money(charge.refundable_amount, charge.currency)
        summary = f"Refund {money} of {charge.id} to {card_label(charge)} and cancel {sub.id} now?"
        return Plan(
            kind=kind,
            customer_id=customer_id,
            steps=steps,
            amount=charge.refundable_amount,
            currency=charge.currency,
            summary=summary,
        )
    if kind is ActionKind.CANCEL_AT_PERIOD_END:
        sub = _live_subscription(snapshot, target)
        if sub.cancel_at_period_end:
            raise PreconditionFailed(f"{sub.id} is already set to cancel at the end of its period.")
        ends = sub.current_period_end
        when = f"at the end of its period ({ends:%Y-%m-%d})" if ends else "at the end of its period"
        summary = f"Cancel {sub.id} {when}? No refund; the customer keeps access until then."
        step = Step(name="cancel", object_id=sub.id, at_period_end=True)
        return Plan(kind=kind, customer_id=customer_id, steps=[step], summary=summary)
    if kind is ActionKind.REFUND:
        charge = _refundable_charge(snapshot, target)
        refund = charge.refundable_amount if amount is None else amount
        if not 0 < refund <= charge.refundable_amount:
            limit = format_money(charge.refundable_amount, charge.currency)
            raise PreconditionFailed(
                f"The refund must be more than zero and at most {limit} for {charge.id}."
            )
        money = format_money(refund, charge.currency)
        of_what = "" if refund == charge.amount else f" (of {format_money(charge.amount, charge.currency)})"
        summary = f"Refund {money}{of_what} of {charge.id} to {card_label(charge)}?"
        step = Step(name="refund", object_id=charge.id, amount=refund, refunded_before=charge.amount_refunded)
        return Plan(
            kind=kind,
            customer_id=customer_id,
            steps=[step],
            amount=refund,
            currency=charge.currency,
            summary=summary,
        )
    if kind is ActionKind.RETRY_PAYMENT:
        invoice = next((inv for inv in snapshot.records.invoices if inv.id == target), None)
        if invoice is None or invoice.status != "open":
            raise PreconditionFailed(f"{target} is not an open invoice of this customer.")
        card = snapshot.customer.default_payment_method
        method = card.short_label() if card else "the default payment method"
        money = format_money(invoice.amount_remaining, invoice.currency)
        summary = f"Charge {money} for invoice {invoice.id} to {method} now?"
        step = Step(name="pay", object_id=invoice.id, amount=invoice.amount_remaining)
        return Plan(
            kind=kind,
            customer_id=customer_id,
            steps=[step],
            amount=invoice.amount_remaining,
            currency=invoice.currency,
            summary=summary,
        )
    raise ValueError(f"{kind} moves no money and needs no plan")


def _live_subscription(snapshot: CustomerSnapshot, subscription_id: str) -> Subscription:
    for sub in live_subscriptions(snapshot):
        if sub.id == subscription_id:
            return sub
    raise PreconditionFailed(f"{subscription_id} is not a live subscription of this customer.")


def _refundable_charge(snapshot: CustomerSnapshot, charge_id: str) -> Charge:
    for charge in snapshot.records.charges:
        if charge.id == charge_id and charge.refundable_amount > 0:
            return charge
    raise PreconditionFailed(f"{charge_id} is not a refundable charge of this customer.")


# --- re-verification just before Stripe is called (pure over fresh reads) -------------------------


def verify_subscription(sub: Subscription, *, customer_id: str, at_period_end: bool) -> None:
    if sub.customer_id != customer_id:
        raise PreconditionFailed(f"{sub.id} no longer belongs to this customer; nothing was changed.")
    if sub.status not in LIVE_SUBSCRIPTION_STATUSES:
        raise PreconditionFailed(f"{sub.id} is now {sub.status}; nothing was changed.")
    if at_period_end and sub.cancel_at_period_end:
        raise PreconditionFailed(f"{sub.id} is already set to cancel at period end; nothing was changed.")


def verify_charge(
    charge: Charge, *, customer_id: str, amount: int, refunded_before: int | None = None
) -> None:
    if charge.customer_id is not None and charge.customer_id != customer_id:
        raise PreconditionFailed(f"{charge.id} no longer belongs to this customer; nothing was changed.")
    if amount > charge.refundable_amount:
        already = format_money(charge.amount_refunded, charge.currency)
        raise PreconditionFailed(
            f"{charge.id} has {already} refunded already and only "
            f"{format_money(charge.refundable_amount, charge.currency)} left; nothing was changed."
        )
    # Two partial refunds may each fit; a refund planned before another one landed must be re-planned.
    if refunded_before is not None and charge.amount_refunded != refunded_before:
        raise PreconditionFailed(
            f"{charge.id} was refunded since this was planned "
            f"({format_money(charge.amount_refunded, charge.currency)} refunded now); nothing was changed. "
            "Look the customer up again if more should be refunded."
        )


def verify_invoice(invoice: Invoice, *, customer_id: str) -> None:
    if invoice.customer_id != customer_id:
        raise PreconditionFailed(f"{invoice.id} no longer belongs to this customer; nothing was changed.")
    if invoice.status != "open":
        raise PreconditionFailed(f"{invoice.id} is now {invoice.status}; nothing was charged.")


def idempotency_key(nonce: str, step: str, generation: int) -> str:
    """Stable across retries of an uncertain call; a new generation only after Stripe definitively refused,
    because Stripe would otherwise replay the refusal forever."""
    key = f"billing-ops:{nonce}:{step}"
    return key if generation == 0 else f"{key}:{generation}"


# --- product gaps: what the product or website should fix so the ticket never happens ---------------

BUCKET_GAPS: dict[Bucket, str] = {
    Bucket.DUPLICATE: "No duplicate-subscription guard at checkout",
    Bucket.TEAM: "Seat-based pricing is not explained at checkout or on the invoice",
    Bucket.FAILED_PAYMENT: "No in-app prompt to update a failed or expiring card",
    Bucket.MISSING_SELF_SERVE: "No self-serve cancel / manage-billing link in account settings",
    Bucket.PRODUCT_FAILURE: "A product failure turned into a billing ticket",
}


# --- portal ----------------------------------------------------------------------------------------

PORTAL_FEATURES_NEEDED: dict[Bucket, list[str]] = {
    Bucket.FAILED_PAYMENT: ["payment_method_update"],
    Bucket.MISSING_SELF_SERVE: ["subscription_cancel"],
    Bucket.TEAM: ["invoice_history"],
}
PORTAL_FEATURE_GAPS: dict[str, str] = {
    "payment_method_update": "Customer portal does not let customers update their payment method",
    "subscription_cancel": "Customer portal does not let customers cancel their subscription",
    "invoice_history": "Customer portal does not show invoice history",
}


def portal_configuration(configs: list[PortalConfiguration]) -> PortalConfiguration | None:
    active = [config for config in configs if config.active]
    return next((config for config in active if config.is_default), active[0] if active else None)


def missing_portal_features(bucket: Bucket | None, config: PortalConfiguration | None) -> list[str]:
    needed = PORTAL_FEATURES_NEEDED.get(bucket, []) if bucket else []
    if config is None:
        return needed or ["portal_configuration"]
    return [feature for feature in needed if not getattr(config, feature)]
