"""Accept a dispute: close it in Stripe, which marks it lost. Only when the operator chooses to give up the
money (the customer is right, or fighting costs more than the charge): no evidence can be sent afterwards."""

from __future__ import annotations

from typing import Any

from billing.action_kinds import wording
from billing.action_kinds.base import IdFormat, register
from billing.action_kinds.choosing import choice, day_text
from billing.action_kinds.one_step import OneStepAction
from billing.action_kinds.pickers import target_field
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
from billing.models import Bucket, Dispute, WriteResult
from billing.money import Money, format_money
from billing.ports import BillingGateway
from billing.snapshot import CustomerSnapshot

STEP = "close_dispute"


def open_disputes(snapshot: CustomerSnapshot) -> list[Dispute]:
    found = [dispute for dispute in snapshot.records.disputes if dispute.is_open]
    return sorted(found, key=lambda dispute: dispute.created, reverse=True)


def _label(dispute: Dispute) -> str:
    money = format_money(dispute.amount, dispute.currency)
    due = f" · respond by {day_text(dispute.due_by)}" if dispute.due_by else ""
    return f"{money} on {dispute.charge_id or '?'} · {dispute.reason or 'no reason'}{due}"


@register
class AcceptDispute(OneStepAction):
    kind = ActionKind.ACCEPT_DISPUTE
    label = "Accept dispute (lose the money)"
    button_id = "billing.accept_dispute"
    changes_mrr = False
    # Last of the money actions: it gives up the whole charge for good. Offered only where a dispute is open.
    offered_in = {Bucket.DUPLICATE: 4, Bucket.PRODUCT_FAILURE: 10}
    interaction = Interaction.CONFIRM
    why = (
        "The customer disputed the charge with their bank and is right (or fighting would cost more than the "
        "charge); accepting the dispute ends it now instead of leaving it to run out unanswered."
    )
    product_gap = None
    step = STEP

    def target(self, bucket: Bucket, snapshot: CustomerSnapshot) -> str | None:
        disputes = open_disputes(snapshot)
        return disputes[0].id if disputes else None

    def form(self, target: str, snapshot: CustomerSnapshot) -> Form | None:
        disputes = open_disputes(snapshot)
        if len(disputes) < 2:
            return None
        return Form(
            title="Accept a dispute",
            intro="Accepting a dispute loses its money for good. Choose the dispute to accept.",
            fields=[
                target_field(
                    "Open dispute",
                    [choice(dispute.id, _label(dispute)) for dispute in disputes[:100]],
                    initial=target if any(dispute.id == target for dispute in disputes) else None,
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
        dispute = next((d for d in open_disputes(snapshot) if d.id == target), None)
        if dispute is None:
            raise PreconditionFailed(
                f"{target} is not an open dispute of this customer; nothing was changed."
            )
        money = format_money(dispute.amount, dispute.currency)
        step = Step(
            name=STEP, object_id=dispute.id, amount=dispute.amount, params={"charge": dispute.charge_id}
        )
        return Plan(
            kind=self.kind,
            customer_id=snapshot.customer.id,
            steps=[step],
            amount=dispute.amount,
            currency=dispute.currency,
            impact=Money(amount=dispute.amount, currency=dispute.currency),
            summary=(
                f"Accept dispute {dispute.id} on {dispute.charge_id} ({money}, reason: "
                f"{(dispute.reason or 'none').replace('_', ' ')})? The {money} is lost for good: the customer's "
                "bank keeps it, Stripe's dispute fee is not returned, and no evidence can be sent afterwards."
            ),
        )

    def recheck_step(self, step: Step, gateway: BillingGateway, pending: PendingAction) -> TargetRead:
        dispute = gateway.get_dispute(step.object_id)
        if dispute.customer_id is not None and dispute.customer_id != pending.customer_id:
            raise PreconditionFailed(f"{dispute.id} is not this customer's dispute; nothing was changed.")
        if not dispute.is_open:
            raise PreconditionFailed(
                f"{dispute.id} is already closed ({dispute.status.replace('_', ' ')}); nothing was changed."
            )
        return dispute

    def request_step(self, step: Step, pending: PendingAction, *, first_confirmed_by: str) -> dict[str, Any]:
        return {"dispute": step.object_id}

    def send_step(self, step: Step, gateway: BillingGateway, params: dict[str, Any], key: str) -> WriteResult:
        return gateway.close_dispute(params["dispute"], idempotency_key=key)

    def find_step_effect(self, step: Step, gateway: BillingGateway, *, nonce: str) -> WriteResult | None:
        # disputes.close takes no metadata; a lost dispute is the effect, whoever closed it.
        dispute = gateway.get_dispute(step.object_id)
        return dispute if dispute.status == "lost" else None

    def card_outcome(self, outcome: ActionOutcome, ids: IdFormat) -> str:
        dispute = _closed(outcome)
        if dispute is None:
            return wording.no_change(outcome.kind)
        return f"accepted dispute {ids(dispute.id)}: {_money(dispute)} lost"

    def operator_outcome(self, outcome: ActionOutcome, ids: IdFormat) -> str:
        dispute = _closed(outcome)
        if dispute is None:
            return wording.recorded(outcome.kind)
        return f"accepted dispute {ids(dispute.id)} ({_money(dispute)} lost)"

    def handoff_outcome(self, outcome: ActionOutcome) -> list[str]:
        dispute = _closed(outcome)
        if dispute is None:
            return []
        return [
            f"Accepted dispute {dispute.id} on {dispute.charge_id} (status {dispute.status}): "
            f"{_money(dispute)} stays with the customer's bank"
        ]

    def revenue_effect(self, before: CustomerSnapshot, outcome: ActionOutcome) -> RevenueImpact:
        dispute = _closed(outcome)
        if dispute is None:
            return RevenueImpact()
        return RevenueImpact(lost_to_disputes=[Money(amount=dispute.amount, currency=dispute.currency)])

    def follow_up(self, snapshot: CustomerSnapshot, outcome: ActionOutcome) -> str:
        dispute = _closed(outcome)
        if dispute is None:
            return wording.reported_to_product(snapshot)
        return (
            f"{wording.greeting(snapshot)} we accepted the dispute you opened with your bank for the "
            f"{_money(dispute)} charge, so you keep that money and there is nothing more to do on your side. "
            "If you want to keep using the service, reply here and we will make sure your billing is right."
        )


def _closed(outcome: ActionOutcome) -> Dispute | None:
    return outcome.result(STEP, Dispute)


def _money(dispute: Dispute) -> str:
    return format_money(dispute.amount, dispute.currency)
