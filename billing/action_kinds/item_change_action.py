"""The base of an action whose one Stripe step changes a subscription's item (billing.action_kinds.item_changes):
the seat count, the billing interval."""

from __future__ import annotations

from typing import Any

from billing.action_kinds import item_changes, wording
from billing.action_kinds.base import IdFormat
from billing.action_kinds.one_step import OneStepAction
from billing.action_models import ActionOutcome, PendingAction, RevenueImpact, Step, TargetRead
from billing.change_models import ItemChange
from billing.models import WriteResult
from billing.ports import BillingGateway
from billing.snapshot import CustomerSnapshot


class ItemChangeAction(OneStepAction):
    step = item_changes.STEP

    def recheck_step(self, step: Step, gateway: BillingGateway, pending: PendingAction) -> TargetRead:
        return item_changes.recheck(step, gateway, pending)

    def request_step(self, step: Step, pending: PendingAction, *, first_confirmed_by: str) -> dict[str, Any]:
        return item_changes.request(step)

    def send_step(self, step: Step, gateway: BillingGateway, params: dict[str, Any], key: str) -> WriteResult:
        return item_changes.send(step, gateway, params, key)

    def find_step_effect(self, step: Step, gateway: BillingGateway, *, nonce: str) -> WriteResult | None:
        return item_changes.find_effect(step, gateway)

    @staticmethod
    def _change(outcome: ActionOutcome) -> ItemChange | None:
        return outcome.result(item_changes.STEP, ItemChange)

    def operator_outcome(self, outcome: ActionOutcome, ids: IdFormat) -> str:
        return self.card_outcome(outcome, ids)

    def revenue_effect(self, before: CustomerSnapshot, outcome: ActionOutcome) -> RevenueImpact:
        change = self._change(outcome)
        return wording.mrr_changed(before, change.subscription) if change else RevenueImpact()
