"""The billing state just before a money action, for the handoff, without a second whole snapshot.

A Confirm re-reads only its targets (the re-check) and, after the action, the whole customer once (the
card's final state). Only the targets changed in between, so the state before is the state after with
each target as the re-check read it, minus what the action itself created (its refund, the charge of a
retried payment). A target whose re-check was skipped (an unknown outcome replayed) shows as after.
"""

from __future__ import annotations

from billing.action_models import ActionOutcome
from billing.credit_notes import CreditNote
from billing.models import Charge, Invoice, Refund, Subscription
from billing.snapshot import CustomerSnapshot, build_snapshot


def state_before(after: CustomerSnapshot, outcome: ActionOutcome) -> CustomerSnapshot:
    if not outcome.targets_before:
        return after
    subs = {t.id: t for t in outcome.targets_before if isinstance(t, Subscription)}
    charges = {t.id: t for t in outcome.targets_before if isinstance(t, Charge)}
    invoices = {t.id: t for t in outcome.targets_before if isinstance(t, Invoice)}
    records = after.records
    records = records.model_copy(
        update={
            "subscriptions": [subs.get(sub.id, sub) for sub in records.subscriptions],
            "invoices": [invoices.get(invoice.id, invoice) for invoice in records.invoices],
            "charges": [
                charges.get(charge.id, charge)
                for charge in records.charges
                if not _paid_by_the_action(charge, outcome, invoices)
            ],
            "refunds": [refund for refund in records.refunds if refund.id not in _new_refund_ids(outcome)],
        }
    )
    return build_snapshot(
        records,
        now=after.taken_at,
        matched_on=after.matched_on,
        livemode=after.livemode,
        complaint=after.complaint,
    )


def _new_refund_ids(outcome: ActionOutcome) -> set[str]:
    """The action's own refunds: its refund steps', and those its credit notes made."""
    results = outcome.results.values()
    return {result.id for result in results if isinstance(result, Refund)} | {
        refund_id for result in results if isinstance(result, CreditNote) for refund_id in result.refund_ids
    }


def _paid_by_the_action(charge: Charge, outcome: ActionOutcome, invoices_before: dict[str, Invoice]) -> bool:
    """The retried invoice was open before, so a succeeded charge on its payments is the action's own."""
    paid = outcome.invoice
    if paid is None or paid.id not in invoices_before or charge.status != "succeeded":
        return False
    return charge.payment_intent_id in set(paid.payment_intent_ids)
