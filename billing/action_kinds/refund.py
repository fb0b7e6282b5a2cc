"""Refund (part of) one charge: the customer paid for something that did not work."""

from __future__ import annotations

from typing import Any

from billing.action_kinds import steps, wording
from billing.action_kinds.base import ActionDefinition, IdFormat, register
from billing.action_kinds.targets import card_label, latest_refundable_charge, refundable_charge
from billing.action_models import (
    ActionKind,
    ActionOutcome,
    Interaction,
    PendingAction,
    Plan,
    RevenueImpact,
    Step,
    TargetRead,
)
from billing.errors import PreconditionFailed
from billing.models import Bucket, WriteResult
from billing.money import format_money
from billing.ports import BillingGateway
from billing.snapshot import CustomerSnapshot


@register
class RefundCharge(ActionDefinition):
    kind = ActionKind.REFUND
    label = "Refund charge…"
    button_id = "billing.refund_charge"
    moves_money = True
    changes_mrr = False
    offered_in = {Bucket.PRODUCT_FAILURE: 1}
    interaction = Interaction.AMOUNT_MODAL
    why = "The customer paid for something that did not work; a refund of that charge makes it right."
    product_gap = None
    step_names = ("refund",)

    def target(self, bucket: Bucket, snapshot: CustomerSnapshot) -> str | None:
        charge = latest_refundable_charge(snapshot)
        return charge.id if charge else None

    def plan(self, target: str, snapshot: CustomerSnapshot, *, amount: int | None) -> Plan:
        charge = refundable_charge(snapshot, target)
        refund = charge.refundable_amount if amount is None else amount
        if not 0 < refund <= charge.refundable_amount:
            limit = format_money(charge.refundable_amount, charge.currency)
            raise PreconditionFailed(
                f"The refund must be more than zero and at most {limit} for {charge.id}."
            )
        money = format_money(refund, charge.currency)
        of_what = "" if refund == charge.amount else f" (of {format_money(charge.amount, charge.currency)})"
        step = Step(name="refund", object_id=charge.id, amount=refund, refunded_before=charge.amount_refunded)
        return Plan(
            kind=self.kind,
            customer_id=snapshot.customer.id,
            steps=[step],
            amount=refund,
            currency=charge.currency,
            summary=f"Refund {money}{of_what} of {charge.id} to {card_label(charge)}?",
        )

    def recheck(self, step: Step, gateway: BillingGateway, pending: PendingAction) -> TargetRead:
        if step.name != "refund":
            raise steps.unknown_step(step)
        return steps.recheck_refund(step, gateway, pending)

    def request(self, step: Step, pending: PendingAction, *, first_confirmed_by: str) -> dict[str, Any]:
        if step.name != "refund":
            raise steps.unknown_step(step)
        return steps.refund_request(
            step, pending, first_confirmed_by=first_confirmed_by, reason="requested_by_customer"
        )

    def send(self, step: Step, gateway: BillingGateway, params: dict[str, Any], key: str) -> WriteResult:
        if step.name != "refund":
            raise steps.unknown_step(step)
        return steps.send_refund(gateway, params, key)

    def find_effect(self, step: Step, gateway: BillingGateway, *, nonce: str) -> WriteResult | None:
        if step.name != "refund":
            raise steps.unknown_step(step)
        return steps.find_refund(step, gateway, nonce=nonce)

    def card_outcome(self, outcome: ActionOutcome, ids: IdFormat) -> str:
        refund = outcome.refund
        return wording.refund_part(refund, ids) if refund else wording.no_change(outcome.kind)

    def operator_outcome(self, outcome: ActionOutcome, ids: IdFormat) -> str:
        refund = outcome.refund
        return wording.told_refund(refund, ids) if refund else wording.recorded(outcome.kind)

    def handoff_outcome(self, outcome: ActionOutcome) -> list[str]:
        return [wording.refund_line(outcome.refund)] if outcome.refund else []

    def revenue_effect(self, before: CustomerSnapshot, outcome: ActionOutcome) -> RevenueImpact:
        return wording.refunded(outcome.refund)

    def follow_up(self, snapshot: CustomerSnapshot, outcome: ActionOutcome) -> str:
        if outcome.refund is None:
            return wording.reported_to_product(snapshot)
        return (
            f"{wording.greeting(snapshot)} sorry for the trouble. I refunded {outcome.refund.money()} to your "
            f"original payment method. {wording.REFUND_ARRIVAL}"
        )
