"""Duplicate subscription: cancel one now (the newer, unless the operator keeps it) and refund the charge
that paid the one cancelled."""

from __future__ import annotations

from typing import Any

from billing.action_kinds import steps, wording
from billing.action_kinds.base import ActionDefinition, IdFormat, register
from billing.action_kinds.pickers import duplicate_group, duplicate_role, subscription_field
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
    Form,
    Interaction,
    PendingAction,
    Plan,
    RevenueImpact,
    Step,
    TargetRead,
)
from billing.errors import PreconditionFailed
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
    changes_mrr = True
    offered_in = {Bucket.DUPLICATE: 1}
    interaction = Interaction.CONFIRM
    why = (
        "The customer pays twice for one product; cancelling one of the subscriptions (the newer, unless the "
        "operator chose to keep it) and refunding its charge leaves exactly one, with no service interruption."
    )
    product_gap = None
    step_names = ("cancel", "refund")

    def target(self, bucket: Bucket, snapshot: CustomerSnapshot) -> str | None:
        duplicate = newer_duplicate(snapshot)
        return duplicate.id if duplicate else None

    def form(self, target: str, snapshot: CustomerSnapshot) -> Form | None:
        group = duplicate_group(snapshot, target)
        if len(group) < 2:
            return None
        roles = {sub.id: duplicate_role(group, sub, short=True) for sub in group}
        return Form(
            title="Cancel a duplicate",
            submit="Review",
            intro=(
                "Choose the subscription to *cancel now*; the charge that paid it is refunded and the other one "
                "is kept. The original (created first, in Stripe's order) is usually the one to keep. You "
                "confirm on the card next; nothing changes yet."
            ),
            fields=[
                subscription_field(snapshot, group, roles, initial=target, label="Subscription to cancel")
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
        sub = live_subscription(snapshot, target)
        group = duplicate_group(snapshot, sub.id)
        if len(group) < 2:
            raise PreconditionFailed(
                f"{sub.id} is no longer one of several live subscriptions on one plan; nothing was changed."
            )
        kept = ", ".join(
            f"{other.id} (the {duplicate_role(group, other)})" for other in group if other != sub
        )
        stays = "stays" if len(group) == 2 else "stay"
        return cancel_now_and_refund(
            self.kind, snapshot, sub, after=f"It is the {duplicate_role(group, sub)}; {kept} {stays}."
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
        return steps.send_cancel_or_refund(step, gateway, params, key)

    def find_effect(self, step: Step, gateway: BillingGateway, *, nonce: str) -> WriteResult | None:
        return steps.find_cancel_or_refund(step, gateway, nonce=nonce)

    def card_outcome(self, outcome: ActionOutcome, ids: IdFormat) -> str:
        return wording.cancel_and_refund_outcome(outcome, ids)

    def operator_outcome(self, outcome: ActionOutcome, ids: IdFormat) -> str:
        return wording.told_cancel_and_refund(outcome, ids)

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
        group = duplicate_group(snapshot, cancelled.id)
        kept_original = not group or group[0].id != cancelled.id
        kept = [sub for sub in live_subscriptions(snapshot) if sub.id != cancelled.id]
        renewal = kept[0].current_period_end if kept else None
        text = (
            f"{wording.greeting(snapshot)} you were subscribed twice to {wording.product_name(cancelled)}. "
            f"I cancelled the {'newer' if kept_original else 'older'} one"
        )
        text += refund_sentence(outcome)
        if renewal:
            which = "original" if kept_original else "other"
            text += (
                f" Your {which} subscription continues unchanged and renews on {wording.long_date(renewal)}."
            )
        return text


def refund_sentence(outcome: ActionOutcome) -> str:
    """How the refund that followed a cancel is told to the customer: made, not made yet, or none planned."""
    if outcome.refund is not None:
        return f" and refunded its {outcome.refund.money()}. {wording.REFUND_ARRIVAL}"
    if any(step.name == "refund" for step in outcome.unfinished):
        return ". Its refund needs one more check on our side; I will write again as soon as it is sorted."
    return "."


def cancel_now_and_refund(kind: str, snapshot: CustomerSnapshot, sub: Subscription, *, after: str) -> Plan:
    """Cancel `sub` now and refund the charge that paid it, if any; `after` names what is kept."""
    customer_id = snapshot.customer.id
    charge = charge_for_subscription(snapshot, sub.id)
    cancel = Step(name="cancel", object_id=sub.id)
    if charge is None:
        summary = f"Cancel {sub.id} now? (no paid charge to refund) {after}"
        return Plan(
            kind=kind,
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
        kind=kind,
        customer_id=customer_id,
        steps=[cancel, refund],
        amount=charge.refundable_amount,
        currency=charge.currency,
        summary=f"Refund {money} of {charge.id} to {card_label(charge)} and cancel {sub.id} now? {after}",
        impact=refund_and_given_up(charge.refundable_amount, charge.currency, sub),
    )
