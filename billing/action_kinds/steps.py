"""The Stripe steps actions share: the re-check on a fresh read, and the call with its idempotency key."""

from __future__ import annotations

from billing.action_models import PendingAction, Step
from billing.errors import PreconditionFailed
from billing.models import LIVE_SUBSCRIPTION_STATUSES, Charge, Invoice, Refund, Subscription
from billing.money import format_money
from billing.ports import BillingGateway


def idempotency_key(nonce: str, step: str, generation: int) -> str:
    """Stable across retries of an uncertain call; a new generation only after Stripe definitively refused,
    because Stripe would otherwise replay the refusal forever."""
    key = f"billing-ops:{nonce}:{step}"
    return key if generation == 0 else f"{key}:{generation}"


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


# --- the steps --------------------------------------------------------------------------------------


def recheck_cancel(step: Step, gateway: BillingGateway, pending: PendingAction) -> Subscription:
    sub = gateway.get_subscription(step.object_id)
    verify_subscription(sub, customer_id=pending.customer_id, at_period_end=step.at_period_end)
    return sub


def run_cancel(step: Step, gateway: BillingGateway, pending: PendingAction, key: str) -> Subscription:
    return gateway.cancel_subscription(
        step.object_id,
        at_period_end=step.at_period_end,
        idempotency_key=key,
        comment=f"billing-ops case {pending.case_id}",
    )


def recheck_refund(step: Step, gateway: BillingGateway, pending: PendingAction) -> Charge:
    charge = gateway.get_charge(step.object_id)
    verify_charge(
        charge, customer_id=pending.customer_id, amount=step.amount or 0, refunded_before=step.refunded_before
    )
    return charge


def run_refund(
    step: Step, gateway: BillingGateway, pending: PendingAction, actor: str, key: str, *, reason: str
) -> Refund:
    return gateway.refund_charge(
        step.object_id,
        amount=step.amount or 0,
        reason=reason,
        metadata={
            "billing_ops_case": pending.case_id,
            "billing_ops_nonce": pending.nonce,
            "requested_by": pending.requested_by,
            "confirmed_by": actor,
        },
        idempotency_key=key,
    )


def recheck_pay(step: Step, gateway: BillingGateway, pending: PendingAction) -> Invoice:
    invoice = gateway.get_invoice(step.object_id)
    verify_invoice(invoice, customer_id=pending.customer_id)
    return invoice


def run_pay(step: Step, gateway: BillingGateway, key: str) -> Invoice:
    return gateway.pay_invoice(step.object_id, idempotency_key=key)


def unknown_step(step: Step) -> ValueError:
    return ValueError(f"unknown step {step.name}")
