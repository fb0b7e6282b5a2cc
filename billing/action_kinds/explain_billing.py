"""Team / multi-seat: billing works as designed; the customer needs the billing model explained."""

from __future__ import annotations

from billing.action_kinds import wording
from billing.action_kinds.base import register
from billing.action_kinds.targets import live_subscriptions
from billing.action_kinds.without_change import WithoutChange
from billing.action_models import ActionKind, ActionOutcome
from billing.models import Bucket
from billing.snapshot import CustomerSnapshot


@register
class ExplainBilling(WithoutChange):
    kind = ActionKind.EXPLAIN_BILLING
    label = "Explain billing model"
    button_id = "billing.explain_billing"
    offered_in = {Bucket.TEAM: 0}
    why = "Billing is working as designed; the customer needs the billing model explained."

    def follow_up(self, snapshot: CustomerSnapshot, outcome: ActionOutcome) -> str:
        return f"{wording.greeting(snapshot)} {wording.seat_explanation(live_subscriptions(snapshot))}"
