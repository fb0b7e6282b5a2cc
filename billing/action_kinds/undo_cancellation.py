"""Undo a scheduled cancellation: the customer changed their mind (or cancelled by mistake) before the period
ended. `subscriptions.update(cancel_at_period_end=false)`; the subscription renews as before."""

from __future__ import annotations

from typing import Any

from billing.action_kinds import wording
from billing.action_kinds.base import IdFormat, register
from billing.action_kinds.one_step import OneStepAction
from billing.action_kinds.targets import live_subscription
from billing.action_kinds.toolbox import (
    newest_id,
    recheck_subscription,
    which_subscription,
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
from billing.ports import BillingGateway
from billing.snapshot import CustomerSnapshot


def scheduled_to_cancel(sub: Subscription) -> bool:
    return sub.cancel_at_period_end


@register
class UndoCancellation(OneStepAction):
    kind = ActionKind.UNDO_CANCELLATION
    label = "Undo scheduled cancellation"
    button_id = "billing.undo_cancellation"
    changes_mrr = True
    # Offered only when a subscription is set to cancel; nothing is given up, so it comes first.
    offered_in = {Bucket.MISSING_SELF_SERVE: 4, Bucket.PRODUCT_FAILURE: 8}
    interaction = Interaction.CONFIRM
    why = (
        "The customer wants to keep the subscription they had set to cancel; undoing the cancellation keeps "
        "their plan, price and renewal date unchanged."
    )
    product_gap = None
    step = "uncancel"

    def target(self, bucket: Bucket, snapshot: CustomerSnapshot) -> str | None:
        return newest_id(snapshot, scheduled_to_cancel)

    def form(self, target: str, snapshot: CustomerSnapshot) -> Form | None:
        return which_subscription(
            snapshot,
            scheduled_to_cancel,
            target,
            title="Undo a cancellation",
            intro="Several subscriptions are set to cancel: choose the one the customer keeps.",
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
        if not sub.cancel_at_period_end:
            raise PreconditionFailed(f"{sub.id} is not set to cancel; nothing was changed.")
        renews = sub.current_period_end
        when = f"on {renews:%Y-%m-%d}" if renews else "at the end of its period"
        return Plan(
            kind=self.kind,
            customer_id=snapshot.customer.id,
            steps=[Step(name=self.step, object_id=sub.id)],
            summary=(
                f"Undo the scheduled cancellation of {sub.id} ({wording.product_name(sub)})? It renews {when} "
                f"and Stripe charges {sub.period_amount()} then, as before the cancellation."
            ),
        )

    def recheck_step(self, step: Step, gateway: BillingGateway, pending: PendingAction) -> TargetRead:
        sub = recheck_subscription(step, gateway, pending)
        if not sub.cancel_at_period_end:
            raise PreconditionFailed(f"{sub.id} is no longer set to cancel; nothing was changed.")
        return sub

    def request_step(self, step: Step, pending: PendingAction, *, first_confirmed_by: str) -> dict[str, Any]:
        return {"subscription": step.object_id}

    def send_step(self, step: Step, gateway: BillingGateway, params: dict[str, Any], key: str) -> WriteResult:
        return gateway.undo_scheduled_cancellation(params["subscription"], idempotency_key=key)

    def find_step_effect(self, step: Step, gateway: BillingGateway, *, nonce: str) -> WriteResult | None:
        sub = gateway.get_subscription(step.object_id)
        return sub if sub.is_live and not sub.cancel_at_period_end else None

    def card_outcome(self, outcome: ActionOutcome, ids: IdFormat) -> str:
        sub = self.changed(outcome)
        return (
            f"undid the scheduled cancellation of {ids(sub.id)}" if sub else wording.no_change(outcome.kind)
        )

    def operator_outcome(self, outcome: ActionOutcome, ids: IdFormat) -> str:
        sub = self.changed(outcome)
        return f"{ids(sub.id)} no longer cancels" if sub else wording.recorded(outcome.kind)

    def handoff_outcome(self, outcome: ActionOutcome) -> list[str]:
        sub = self.changed(outcome)
        if sub is None:
            return []
        renews = sub.current_period_end
        when = f"renews {renews:%Y-%m-%d}" if renews else "renews as before"
        return [f"Undid the scheduled cancellation of {sub.id}: {when} at {sub.period_amount()}"]

    def revenue_effect(self, before: CustomerSnapshot, outcome: ActionOutcome) -> RevenueImpact:
        sub = self.changed(outcome)
        if sub is None:
            return RevenueImpact()
        # The MRR the cancellation would have lost at period end is kept.
        return RevenueImpact(
            mrr_change=[sub.monthly_recurring_revenue()], mrr_change_from=sub.current_period_end
        )

    def follow_up(self, snapshot: CustomerSnapshot, outcome: ActionOutcome) -> str:
        sub = self.changed(outcome)
        if sub is None:
            return wording.reported_to_product(snapshot)
        renews = sub.current_period_end
        on = f"renews on {wording.long_date(renews)}" if renews else "renews as usual"
        return (
            f"{wording.greeting(snapshot)} I have undone the cancellation you scheduled: your "
            f"{wording.product_name(sub)} subscription stays active and {on} at {sub.period_amount()}. "
            "Nothing else changes."
        )
