"""Product failure with no billing change warranted: recorded for the product team."""

from __future__ import annotations

from billing.action_kinds import wording
from billing.action_kinds.base import register
from billing.action_kinds.without_change import WithoutChange
from billing.action_models import ActionKind, ActionOutcome
from billing.models import Bucket
from billing.snapshot import CustomerSnapshot


@register
class NoAction(WithoutChange):
    kind = ActionKind.NO_ACTION
    label = "No action"
    button_id = "billing.no_action"
    offered_in = {Bucket.PRODUCT_FAILURE: 11}
    why = "No billing change is warranted; the issue is recorded for the product team."

    def follow_up(self, snapshot: CustomerSnapshot, outcome: ActionOutcome) -> str:
        return wording.reported_to_product(snapshot)
