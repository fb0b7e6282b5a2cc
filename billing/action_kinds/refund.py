"""Refund (part of) one charge: the customer paid for something that did not work."""

from __future__ import annotations

from typing import Any

from billing.action_kinds import steps, wording
from billing.action_kinds.base import IdFormat, register
from billing.action_kinds.one_step import OneStepAction
from billing.action_kinds.pickers import target_field
from billing.action_kinds.targets import (
    card_label,
    latest_refundable_charge,
    paid_for,
    refundable_charge,
    refundable_charges,
)
from billing.action_models import (
    ActionKind,
    ActionOutcome,
    Choice,
    Choices,
    FieldKind,
    Form,
    FormField,
    Interaction,
    PendingAction,
    Plan,
    RevenueImpact,
    Step,
    TargetRead,
)
from billing.errors import PreconditionFailed
from billing.models import Bucket, Charge, WriteResult
from billing.money import Money, format_money, parse_major
from billing.ports import BillingGateway
from billing.snapshot import CustomerSnapshot

AMOUNT_FIELD = "amount"
REASON_FIELD = "reason"
# Stripe's refund reasons, as the operator reads them.
REASONS = {
    "requested_by_customer": "Requested by the customer",
    "duplicate": "Duplicate charge",
    "fraudulent": "Fraudulent",
}
# A Slack select holds 100 options; an operator refunds one of the recent ones.
MAX_CHARGES_LISTED = 25


def charge_choice(charge: Charge, snapshot: CustomerSnapshot) -> str:
    """ "2026-11-02 · $12.00 · Pro (monthly) · $6.00 left" — what the operator needs to pick the right one."""
    left = (
        ""
        if charge.refundable_amount == charge.amount
        else f" · {format_money(charge.refundable_amount, charge.currency)} left"
    )
    return f"{charge.created:%Y-%m-%d} · {charge.money()} · {paid_for(snapshot, charge)}{left}"


def _reason_note(reason: str) -> str:
    return "" if reason == "requested_by_customer" else f" ({REASONS[reason].lower()})"


def _parse_amount(typed: str, currency: str) -> int:
    try:
        return parse_major(typed, currency)
    except (ValueError, ArithmeticError):
        raise PreconditionFailed(
            f"{typed!r} is not an amount in {currency.upper()}; nothing was changed."
        ) from None


@register
class RefundCharge(OneStepAction):
    kind = ActionKind.REFUND
    label = "Refund charge…"
    button_id = "billing.refund_charge"
    changes_mrr = False
    offered_in = {Bucket.PRODUCT_FAILURE: 4}
    interaction = Interaction.CONFIRM
    why = "The customer paid for something that did not work; a refund of that charge makes it right."
    product_gap = None
    step = "refund"

    def target(self, bucket: Bucket, snapshot: CustomerSnapshot) -> str | None:
        charge = latest_refundable_charge(snapshot)
        return charge.id if charge else None

    def form(self, target: str, snapshot: CustomerSnapshot) -> Form | None:
        charges = refundable_charges(snapshot)[:MAX_CHARGES_LISTED]
        chosen = next((charge for charge in charges if charge.id == target), None)
        return Form(
            title="Refund a charge",
            submit="Review refund",
            intro=(
                "Choose the charge, how much of it, and why. You confirm on the card next; nothing moves yet."
            ),
            fields=[
                target_field(
                    "Charge",
                    [Choice(value=charge.id, label=charge_choice(charge, snapshot)) for charge in charges],
                    initial=chosen.id if chosen else None,
                ),
                FormField(
                    name=AMOUNT_FIELD,
                    label="Amount",
                    kind=FieldKind.AMOUNT,
                    optional=True,
                    currency=chosen.currency if chosen else None,
                    hint="Leave empty to refund all that is left of the charge; enter less for a partial refund.",
                ),
                FormField(
                    name=REASON_FIELD,
                    label="Reason",
                    kind=FieldKind.SELECT,
                    choices=[Choice(value=value, label=label) for value, label in REASONS.items()],
                    initial="requested_by_customer",
                ),
            ],
        )

    def plan(
        self,
        target: str,
        snapshot: CustomerSnapshot,
        *,
        amount: int | None = None,
        choices: Choices | None = None,
    ) -> Plan:
        charge = refundable_charge(snapshot, target)
        choices = choices or {}
        reason = choices.get(REASON_FIELD) or "requested_by_customer"
        if reason not in REASONS:
            raise PreconditionFailed(
                f"{reason!r} is not a refund reason Stripe accepts; nothing was changed."
            )
        typed = choices.get(AMOUNT_FIELD, "")
        if amount is None and typed:
            amount = _parse_amount(typed, charge.currency)
        refund = charge.refundable_amount if amount is None else amount
        if not 0 < refund <= charge.refundable_amount:
            limit = format_money(charge.refundable_amount, charge.currency)
            raise PreconditionFailed(
                f"The refund must be more than zero and at most {limit} for {charge.id}."
            )
        money = format_money(refund, charge.currency)
        of_what = "" if refund == charge.amount else f" (of {format_money(charge.amount, charge.currency)})"
        step = Step(
            name="refund",
            object_id=charge.id,
            amount=refund,
            refunded_before=charge.amount_refunded,
            params={"reason": reason},
        )
        return Plan(
            kind=self.kind,
            customer_id=snapshot.customer.id,
            steps=[step],
            amount=refund,
            currency=charge.currency,
            summary=f"Refund {money}{of_what} of {charge.id} to {card_label(charge)}{_reason_note(reason)}?",
            impact=Money(amount=refund, currency=charge.currency),
        )

    def recheck_step(self, step: Step, gateway: BillingGateway, pending: PendingAction) -> TargetRead:
        return steps.recheck_refund(step, gateway, pending)

    def request_step(self, step: Step, pending: PendingAction, *, first_confirmed_by: str) -> dict[str, Any]:
        return steps.refund_request(
            step,
            pending,
            first_confirmed_by=first_confirmed_by,
            reason=str(step.params.get("reason") or "requested_by_customer"),
        )

    def send_step(self, step: Step, gateway: BillingGateway, params: dict[str, Any], key: str) -> WriteResult:
        return steps.send_refund(gateway, params, key)

    def find_step_effect(self, step: Step, gateway: BillingGateway, *, nonce: str) -> WriteResult | None:
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
