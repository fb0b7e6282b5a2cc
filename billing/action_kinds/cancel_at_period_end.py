"""Cancel a subscription at the end of its period: no refund, the customer keeps access until then."""

from __future__ import annotations

from typing import Any

from billing.action_kinds import steps, wording
from billing.action_kinds.base import IdFormat, register
from billing.action_kinds.one_step import OneStepAction
from billing.action_kinds.pickers import plan_roles, subscription_field
from billing.action_kinds.targets import (
    cancellable_subscription,
    cancellable_subscriptions,
    live_subscription,
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
from billing.models import Bucket, WriteResult
from billing.ports import BillingGateway
from billing.snapshot import CustomerSnapshot


@register
class CancelAtPeriodEnd(OneStepAction):
    kind = ActionKind.CANCEL_AT_PERIOD_END
    label = "Cancel at period end"
    button_id = "billing.cancel_at_period_end"
    changes_mrr = True
    offered_in = {Bucket.DUPLICATE: 0, Bucket.MISSING_SELF_SERVE: 3, Bucket.PRODUCT_FAILURE: 6}
    interaction = Interaction.CONFIRM
    why = "Cancelling at period end is reversible until the renewal date and the customer keeps what they paid for."
    product_gap = None
    step = "cancel"

    def button_label(self, bucket: Bucket) -> str:
        return "Cancel duplicate at period end" if bucket is Bucket.DUPLICATE else self.label

    def target(self, bucket: Bucket, snapshot: CustomerSnapshot) -> str | None:
        sub = newer_duplicate(snapshot) if bucket is Bucket.DUPLICATE else cancellable_subscription(snapshot)
        return sub.id if sub else None

    def form(self, target: str, snapshot: CustomerSnapshot) -> Form | None:
        candidates = cancellable_subscriptions(snapshot)
        if len(candidates) < 2:
            return None
        return Form(
            title="Cancel at period end",
            submit="Review",
            intro=(
                "The customer has several live subscriptions. Choose the one to cancel *at the end of its "
                "period*: no refund, access continues until then. You confirm on the card next; nothing "
                "changes yet."
            ),
            fields=[
                subscription_field(
                    snapshot,
                    candidates,
                    plan_roles(snapshot, candidates),
                    initial=target,
                    label="Subscription to cancel",
                )
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
        if sub.cancel_at_period_end:
            raise PreconditionFailed(f"{sub.id} is already set to cancel at the end of its period.")
        ends = sub.current_period_end
        when = f"at the end of its period ({ends:%Y-%m-%d})" if ends else "at the end of its period"
        return Plan(
            kind=self.kind,
            customer_id=snapshot.customer.id,
            steps=[Step(name="cancel", object_id=sub.id, at_period_end=True)],
            summary=f"Cancel {sub.id} {when}? No refund; the customer keeps access until then.",
            impact=sub.yearly_contract_value(),
        )

    def recheck_step(self, step: Step, gateway: BillingGateway, pending: PendingAction) -> TargetRead:
        return steps.recheck_cancel(step, gateway, pending)

    def request_step(self, step: Step, pending: PendingAction, *, first_confirmed_by: str) -> dict[str, Any]:
        return steps.cancel_request(step, pending)

    def send_step(self, step: Step, gateway: BillingGateway, params: dict[str, Any], key: str) -> WriteResult:
        return steps.send_cancel(gateway, params, key)

    def find_step_effect(self, step: Step, gateway: BillingGateway, *, nonce: str) -> WriteResult | None:
        return steps.find_cancel(step, gateway)

    def card_outcome(self, outcome: ActionOutcome, ids: IdFormat) -> str:
        sub = outcome.subscription
        return wording.cancel_part(sub, ids) if sub else wording.no_change(outcome.kind)

    def operator_outcome(self, outcome: ActionOutcome, ids: IdFormat) -> str:
        sub = outcome.subscription
        return wording.told_cancel(sub, ids) if sub else wording.recorded(outcome.kind)

    def handoff_outcome(self, outcome: ActionOutcome) -> list[str]:
        return [wording.cancel_line(outcome.subscription)] if outcome.subscription else []

    def revenue_effect(self, before: CustomerSnapshot, outcome: ActionOutcome) -> RevenueImpact:
        if outcome.subscription is None:
            return RevenueImpact()
        return wording.subscription_lost(before, outcome.subscription, None)

    def follow_up(self, snapshot: CustomerSnapshot, outcome: ActionOutcome) -> str:
        sub = outcome.subscription
        if sub is None:
            return wording.reported_to_product(snapshot)
        ends = sub.current_period_end
        on = f"on {wording.long_date(ends)}" if ends else "at the end of the current period"
        return (
            f"{wording.greeting(snapshot)} your {wording.product_name(sub)} subscription will end {on}. You keep "
            "full access until then and will not be charged again. If you change your mind before that date, "
            "just reply."
        )
