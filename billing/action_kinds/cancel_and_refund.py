"""Duplicate subscription: cancel the newer one now and refund the charge that paid it."""

from __future__ import annotations

from typing import Any

from billing.action_kinds import steps, wording
from billing.action_kinds.base import ActionDefinition, IdFormat, register
from billing.action_kinds.targets import (
    card_label,
    charge_for_subscription,
    live_subscription,
    live_subscriptions,
    newer_duplicate,
)
from billing.action_models import (
    ActionKind,
    ActionOutcome,
    Choices,
    Interaction,
    PendingAction,
    Plan,
    RevenueImpact,
    Step,
    TargetRead,
)
from billing.models import Bucket, Subscription, WriteResult
from billing.money import Money, format_money
from billing.ports import BillingGateway
from billing.snapshot import CustomerSnapshot


def refund_and_given_up(refund: int, currency: str, sub: Subscription) -> Money:
    """The approval impact of cancelling and refunding: the refund plus the year the cancel gives up."""
    given_up = sub.yearly_contract_value()
    if given_up.currency != currency:
        return Money(amount=refund, currency=currency)
    return Money(amount=refund + given_up.amount, currency=currency)


@register
class CancelAndRefund(ActionDefinition):
    kind = ActionKind.CANCEL_AND_REFUND
    label = "Cancel duplicate now + refund"
    button_id = "billing.cancel_duplicate"
    moves_money = True
    changes_mrr = True
    offered_in = {Bucket.DUPLICATE: 1}
    interaction = Interaction.CONFIRM
    why = (
        "The customer pays twice for one product; cancelling the newer subscription and refunding its charge "
        "leaves exactly the original one, with no service interruption."
    )
    product_gap = None
    step_names = ("cancel", "refund")

    def target(self, bucket: Bucket, snapshot: CustomerSnapshot) -> str | None:
        duplicate = newer_duplicate(snapshot)
        return duplicate.id if duplicate else None

    def plan(
        self,
        target: str,
        snapshot: CustomerSnapshot,
        *,
        amount: int | None = None,
        choices: Choices | None = None,
    ) -> Plan:
        customer_id = snapshot.customer.id
        sub = live_subscription(snapshot, target)
        charge = charge_for_subscription(snapshot, sub.id)
        cancel = Step(name="cancel", object_id=sub.id)
        if charge is None:
            summary = f"Cancel {sub.id} now? (no paid charge to refund)"
            return Plan(
                kind=self.kind,
                customer_id=customer_id,
                steps=[cancel],
                summary=summary,
                impact=sub.yearly_contract_value(),
            )
        refund = Step(
            name="refund",
            object_id=charge.id,
            amount=charge.refundable_amount,
            refunded_before=charge.amount_refunded,
        )
        money = format_money(charge.refundable_amount, charge.currency)
        return Plan(
            kind=self.kind,
            customer_id=customer_id,
            steps=[cancel, refund],
            amount=charge.refundable_amount,
            currency=charge.currency,
            summary=f"Refund {money} of {charge.id} to {card_label(charge)} and cancel {sub.id} now?",
            impact=refund_and_given_up(charge.refundable_amount, charge.currency, sub),
        )

    def recheck(self, step: Step, gateway: BillingGateway, pending: PendingAction) -> TargetRead:
        if step.name == "cancel":
            return steps.recheck_cancel(step, gateway, pending)
        if step.name == "refund":
            return steps.recheck_refund(step, gateway, pending)
        raise steps.unknown_step(step)

    def request(self, step: Step, pending: PendingAction, *, first_confirmed_by: str) -> dict[str, Any]:
        if step.name == "cancel":
            return steps.cancel_request(step, pending)
        if step.name == "refund":
            return steps.refund_request(
                step, pending, first_confirmed_by=first_confirmed_by, reason="duplicate"
            )
        raise steps.unknown_step(step)

    def send(self, step: Step, gateway: BillingGateway, params: dict[str, Any], key: str) -> WriteResult:
        if step.name == "cancel":
            return steps.send_cancel(gateway, params, key)
        if step.name == "refund":
            return steps.send_refund(gateway, params, key)
        raise steps.unknown_step(step)

    def find_effect(self, step: Step, gateway: BillingGateway, *, nonce: str) -> WriteResult | None:
        if step.name == "cancel":
            return steps.find_cancel(step, gateway)
        if step.name == "refund":
            return steps.find_refund(step, gateway, nonce=nonce)
        raise steps.unknown_step(step)

    def card_outcome(self, outcome: ActionOutcome, ids: IdFormat) -> str:
        parts = []
        if outcome.subscription is not None:
            parts.append(wording.cancel_part(outcome.subscription, ids))
        if outcome.refund is not None:
            parts.append(wording.refund_part(outcome.refund, ids))
        return "; ".join(parts) or wording.no_change(outcome.kind)

    def operator_outcome(self, outcome: ActionOutcome, ids: IdFormat) -> str:
        parts = []
        if outcome.subscription is not None:
            parts.append(wording.told_cancel(outcome.subscription, ids))
        if outcome.refund is not None:
            parts.append(wording.told_refund(outcome.refund, ids))
        return "; ".join(parts) or wording.recorded(outcome.kind)

    def handoff_outcome(self, outcome: ActionOutcome) -> list[str]:
        lines = []
        if outcome.subscription is not None:
            lines.append(wording.cancel_line(outcome.subscription))
        if outcome.refund is not None:
            lines.append(wording.refund_line(outcome.refund))
        return lines

    def revenue_effect(self, before: CustomerSnapshot, outcome: ActionOutcome) -> RevenueImpact:
        if outcome.subscription is None:
            return wording.refunded(outcome.refund)
        return wording.subscription_lost(before, outcome.subscription, outcome.refund)

    def follow_up(self, snapshot: CustomerSnapshot, outcome: ActionOutcome) -> str:
        cancelled = outcome.subscription
        if cancelled is None:
            return wording.reported_to_product(snapshot)
        kept = [sub for sub in live_subscriptions(snapshot) if sub.id != cancelled.id]
        renewal = kept[0].current_period_end if kept else None
        text = (
            f"{wording.greeting(snapshot)} you were subscribed twice to {wording.product_name(cancelled)}. "
            "I cancelled the newer one"
        )
        if outcome.refund is not None:
            text += f" and refunded its {outcome.refund.money()}. {wording.REFUND_ARRIVAL}"
        else:
            text += "."
        if renewal:
            text += (
                f" Your original subscription continues unchanged and renews on {wording.long_date(renewal)}."
            )
        return text
