"""The Stripe steps actions share: the re-check on a fresh read, the request fixed at the first attempt, the
call with its idempotency key, and the effect looked up in Stripe when an earlier call's outcome is unknown."""

from __future__ import annotations

from typing import Any

from billing.action_kinds.targets import refuse_if_disputed
from billing.action_models import PendingAction, Step
from billing.errors import PreconditionFailed
from billing.models import (
    LIVE_SUBSCRIPTION_STATUSES,
    Charge,
    Invoice,
    Refund,
    Subscription,
    WriteResult,
)
from billing.money import format_money
from billing.ports import BillingGateway
from billing.reconcile import NONCE_METADATA

# A step's request as stored with the pending action at its first attempt (JSON), resent unchanged.
Params = dict[str, Any]


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
    refuse_if_disputed(charge)
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


def cancel_request(step: Step, pending: PendingAction) -> Params:
    return {
        "subscription": step.object_id,
        "at_period_end": step.at_period_end,
        "comment": f"billing-ops case {pending.case_id}",
    }


def send_cancel(gateway: BillingGateway, params: Params, key: str) -> Subscription:
    return gateway.cancel_subscription(
        params["subscription"],
        at_period_end=params["at_period_end"],
        idempotency_key=key,
        comment=params["comment"],
    )


def find_cancel(step: Step, gateway: BillingGateway) -> Subscription | None:
    sub = gateway.get_subscription(step.object_id)
    done = sub.cancel_at_period_end if step.at_period_end else sub.status == "canceled"
    return sub if done else None


def recheck_refund(step: Step, gateway: BillingGateway, pending: PendingAction) -> Charge:
    charge = gateway.get_charge(step.object_id)
    verify_charge(
        charge, customer_id=pending.customer_id, amount=step.amount or 0, refunded_before=step.refunded_before
    )
    return charge


def refund_request(step: Step, pending: PendingAction, *, first_confirmed_by: str, reason: str) -> Params:
    """Fixed at the first attempt: the refund's `confirmed_by` stays the operator whose Confirm sent it first."""
    return {
        "charge": step.object_id,
        "amount": step.amount or 0,
        "reason": reason,
        "metadata": {
            "billing_ops_case": pending.case_id,
            NONCE_METADATA: pending.nonce,
            "requested_by": pending.requested_by,
            "confirmed_by": first_confirmed_by,
        },
    }


def send_refund(gateway: BillingGateway, params: Params, key: str) -> Refund:
    return gateway.refund_charge(
        params["charge"],
        amount=params["amount"],
        reason=params["reason"],
        metadata=params["metadata"],
        idempotency_key=key,
    )


def find_refund(step: Step, gateway: BillingGateway, *, nonce: str) -> Refund | None:
    """The refund carrying this action's nonce, if Stripe made it."""
    refunds = gateway.list_refunds(step.object_id)
    return next((refund for refund in refunds if refund.metadata.get(NONCE_METADATA) == nonce), None)


def recheck_pay(step: Step, gateway: BillingGateway, pending: PendingAction) -> Invoice:
    invoice = gateway.get_invoice(step.object_id)
    verify_invoice(invoice, customer_id=pending.customer_id)
    return invoice


def pay_request(step: Step) -> Params:
    return {"invoice": step.object_id}


def send_pay(gateway: BillingGateway, params: Params, key: str) -> Invoice:
    return gateway.pay_invoice(params["invoice"], idempotency_key=key)


def find_pay(step: Step, gateway: BillingGateway) -> Invoice | None:
    invoice = gateway.get_invoice(step.object_id)
    return invoice if invoice.status == "paid" else None


# --- an action made of the cancel and the refund step (their re-check and request vary per action) -----


def send_cancel_or_refund(step: Step, gateway: BillingGateway, params: Params, key: str) -> WriteResult:
    if step.name == "cancel":
        return send_cancel(gateway, params, key)
    if step.name == "refund":
        return send_refund(gateway, params, key)
    raise unknown_step(step)


def find_cancel_or_refund(step: Step, gateway: BillingGateway, *, nonce: str) -> WriteResult | None:
    if step.name == "cancel":
        return find_cancel(step, gateway)
    if step.name == "refund":
        return find_refund(step, gateway, nonce=nonce)
    raise unknown_step(step)


def unknown_step(step: Step) -> ValueError:
    return ValueError(f"unknown step {step.name}")
