"""Stripe's truth for a step whose outcome is unknown (timeout, 5xx, crash, a deploy's SIGTERM).

Never a blind resend: first read Stripe for the step's effect (the refund carrying the action's nonce in its
metadata, the subscription cancelled, the invoice paid). Only if it is not there is the step sent again,
with exactly the parameters and idempotency key of its first attempt, which are stored with the pending
action; so whoever confirms, the request is the same. A new key only once Stripe refused the first (a new
generation, see billing/ladder.idempotency_key) or the first is older than Stripe's 24-hour key window,
after which Stripe would no longer recognise it.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from billing.ladder import ActionKind, Step
from billing.models import Invoice, Refund, Subscription
from billing.ports import BillingGateway

STRIPE_KEY_WINDOW = timedelta(hours=24)
# Renew a little before Stripe forgets the key, so a resend is never the first request under a key that
# Stripe has already dropped while our record still says it is "the first one".
KEY_RENEW_AFTER = STRIPE_KEY_WINDOW - timedelta(hours=1)
NONCE_METADATA = "billing_ops_nonce"

Effect = Refund | Subscription | Invoice


def request_params(
    step: Step, *, kind: ActionKind, case_id: str, nonce: str, requested_by: str, first_confirmed_by: str
) -> dict[str, Any]:
    """The step's request, fixed at its first attempt and stored: a later Confirm, by anyone, resends exactly
    this (the refund's `confirmed_by` stays the operator whose Confirm sent it first)."""
    if step.name == "refund":
        return {
            "charge": step.object_id,
            "amount": step.amount or 0,
            "reason": "duplicate" if kind is ActionKind.CANCEL_AND_REFUND else "requested_by_customer",
            "metadata": {
                "billing_ops_case": case_id,
                NONCE_METADATA: nonce,
                "requested_by": requested_by,
                "confirmed_by": first_confirmed_by,
            },
        }
    if step.name == "cancel":
        return {
            "subscription": step.object_id,
            "at_period_end": step.at_period_end,
            "comment": f"billing-ops case {case_id}",
        }
    if step.name == "pay":
        return {"invoice": step.object_id}
    raise ValueError(f"unknown step {step.name}")


def find_effect(gateway: BillingGateway, step: Step, *, nonce: str) -> Effect | None:
    """The step's effect if Stripe shows it happened, else None."""
    if step.name == "refund":
        return next(
            (r for r in gateway.list_refunds(step.object_id) if r.metadata.get(NONCE_METADATA) == nonce),
            None,
        )
    if step.name == "cancel":
        sub = gateway.get_subscription(step.object_id)
        done = sub.cancel_at_period_end if step.at_period_end else sub.status == "canceled"
        return sub if done else None
    if step.name == "pay":
        invoice = gateway.get_invoice(step.object_id)
        return invoice if invoice.status == "paid" else None
    raise ValueError(f"unknown step {step.name}")


def key_expired(first_sent_at: str | None, now: datetime) -> bool:
    return first_sent_at is not None and now - datetime.fromisoformat(first_sent_at) >= KEY_RENEW_AFTER
