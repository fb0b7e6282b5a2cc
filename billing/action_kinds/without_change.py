"""The shared shape of a choice that closes the case and changes nothing in Stripe."""

from __future__ import annotations

from collections.abc import Mapping
from typing import ClassVar

from billing.action_kinds.base import IdFormat
from billing.action_kinds.one_step import NoStepAction
from billing.action_kinds.wording import no_change, recorded
from billing.action_models import (
    ActionOutcome,
    Choices,
    Interaction,
    Plan,
    RevenueImpact,
    Step,
)
from billing.models import Bucket
from billing.snapshot import CustomerSnapshot


class WithoutChange(NoStepAction):
    changes_mrr: ClassVar[bool] = False
    interaction: ClassVar[Interaction] = Interaction.RESOLVE
    product_gap: ClassVar[str | None] = None
    offered_in: ClassVar[Mapping[Bucket, int]]

    def target(self, bucket: Bucket, snapshot: CustomerSnapshot) -> str | None:
        return ""

    def plan(
        self,
        target: str,
        snapshot: CustomerSnapshot,
        *,
        amount: int | None = None,
        choices: Choices | None = None,
    ) -> Plan:
        raise ValueError(f"{self.kind} moves no money and needs no plan")

    def no_step(self, step: Step) -> ValueError:
        return ValueError(f"{self.kind} has no Stripe steps")

    def card_outcome(self, outcome: ActionOutcome, ids: IdFormat) -> str:
        return no_change(outcome.kind)

    def operator_outcome(self, outcome: ActionOutcome, ids: IdFormat) -> str:
        return recorded(outcome.kind)

    def handoff_outcome(self, outcome: ActionOutcome) -> list[str]:
        text = no_change(outcome.kind)
        return [text[0].upper() + text[1:]]

    def revenue_effect(self, before: CustomerSnapshot, outcome: ActionOutcome) -> RevenueImpact:
        return RevenueImpact()
