"""Duplicate that is intended: both subscriptions stay."""

from __future__ import annotations

from billing.action_kinds import wording
from billing.action_kinds.base import register
from billing.action_kinds.targets import live_subscriptions
from billing.action_kinds.without_change import WithoutChange
from billing.action_models import ActionKind, ActionOutcome
from billing.models import Bucket
from billing.snapshot import CustomerSnapshot


@register
class KeepBoth(WithoutChange):
    kind = ActionKind.KEEP_BOTH
    label = "Keep both"
    button_id = "billing.keep_both"
    offered_in = {Bucket.DUPLICATE: 3}
    why = "Both subscriptions are intended, so nothing should change."

    def follow_up(self, snapshot: CustomerSnapshot, outcome: ActionOutcome) -> str:
        ids = ", ".join(sub.id for sub in live_subscriptions(snapshot))
        return (
            f"{wording.greeting(snapshot)} I checked your subscriptions ({ids}). Both stay active and nothing was "
            "changed; if you only need one of them, reply and I will cancel the other."
        )
