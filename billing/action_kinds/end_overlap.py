"""A monthly and a yearly of one product bought close together (usually an accidental switch): end the one
the operator chooses now (the monthly unless told otherwise) and refund the charge that paid it. The yearly
is never ended unless the operator picks it."""

from __future__ import annotations

from billing.action_kinds import wording
from billing.action_kinds.base import register
from billing.action_kinds.cancel_and_refund import CancelAndRefund, cancel_now_and_refund, refund_sentence
from billing.action_kinds.pickers import (
    billing_period,
    overlap_pair,
    overlapping,
    shortest_period,
    subscription_field,
)
from billing.action_kinds.targets import live_subscription, live_subscriptions
from billing.action_models import ActionKind, ActionOutcome, Choices, Form, Plan
from billing.errors import PreconditionFailed
from billing.models import Bucket, Subscription
from billing.snapshot import CustomerSnapshot


@register
class EndOverlap(CancelAndRefund):
    kind = ActionKind.END_OVERLAP
    label = "End one plan now + refund"
    button_id = "billing.end_overlap"
    offered_in = {Bucket.DUPLICATE: 2}
    why = (
        "The customer pays for one product on two billing periods, bought close together (usually a switch "
        "that left the old plan running); ending the plan they did not want and refunding its charge leaves "
        "the one they chose."
    )

    def target(self, bucket: Bucket, snapshot: CustomerSnapshot) -> str | None:
        pair = overlap_pair(snapshot)
        return shortest_period(pair).id if pair else None

    def form(self, target: str, snapshot: CustomerSnapshot) -> Form | None:
        pair = overlapping(snapshot, target)
        if not pair:
            return None
        roles = {sub.id: _period(sub) for sub in pair}  # listed original first
        return Form(
            title="End one plan",
            submit="Review",
            intro=(
                "One product on two billing periods, bought close together: usually a switch that left the old "
                "plan running. Choose the plan to *end now*; the charge that paid it is refunded and the other "
                "one is kept. You confirm on the card next; nothing changes yet."
            ),
            fields=[subscription_field(snapshot, pair, roles, initial=target, label="Plan to end")],
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
        pair = overlapping(snapshot, sub.id)
        if not pair:
            raise PreconditionFailed(
                f"{sub.id} no longer overlaps another plan of the same product; nothing was changed."
            )
        [other] = [each for each in pair if each.id != sub.id]
        return cancel_now_and_refund(
            self.kind, snapshot, sub, after=f"It is the {_period(sub)}; {other.id} ({_period(other)}) stays."
        )

    def follow_up(self, snapshot: CustomerSnapshot, outcome: ActionOutcome) -> str:
        ended = outcome.subscription
        if ended is None:
            return wording.reported_to_product(snapshot)
        kept = [
            sub
            for sub in live_subscriptions(snapshot)
            if sub.id != ended.id and sub.product_ids & ended.product_ids
        ]
        text = (
            f"{wording.greeting(snapshot)} you were subscribed to {wording.product_name(ended)} twice, "
            f"on two billing periods. I ended the {_period(ended)} one"
        )
        text += refund_sentence(outcome)
        if kept and kept[0].current_period_end:
            text += (
                f" Your {_period(kept[0])} subscription continues unchanged and renews on "
                f"{wording.long_date(kept[0].current_period_end)}."
            )
        return text


def _period(sub: Subscription) -> str:
    return billing_period(sub) or "other"
