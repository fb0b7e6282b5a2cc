"""Pause collection until a date, and resume it: the customer keeps the subscription, but its invoices are
not collected meanwhile (`pause_collection`). Stripe keeps renewing; each invoice made while paused is
voided, kept as a draft or marked uncollectible, and collection resumes on its own at `resumes_at`."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any, cast, get_args

from billing.action_kinds import wording
from billing.action_kinds.base import IdFormat, register
from billing.action_kinds.one_step import OneStepAction
from billing.action_kinds.targets import live_subscription
from billing.action_kinds.time_value import renewals, total
from billing.action_kinds.toolbox import (
    candidates,
    chosen,
    chosen_date,
    from_unix,
    newest_id,
    recheck_subscription,
    start_of,
    target_fields,
    unix,
    which_subscription,
)
from billing.action_models import (
    ActionKind,
    ActionOutcome,
    Choice,
    Choices,
    FieldKind,
    Form,
    FormField,
    Interaction,
    PendingAction,
    Plan,
    RevenueImpact,
    Step,
    TargetRead,
)
from billing.errors import PreconditionFailed
from billing.models import Bucket, Subscription, WriteResult
from billing.money import Money
from billing.ports import BillingGateway
from billing.snapshot import CustomerSnapshot
from billing.toolbox_models import PauseBehavior

BEHAVIORS: tuple[PauseBehavior, ...] = get_args(PauseBehavior)
# What Stripe does with each invoice it makes while collection is paused, as the operator reads it.
BEHAVIOR_EFFECTS: dict[str, str] = {
    "void": "voided (never collected)",
    "keep_as_draft": "kept as a draft (collect it later, or not)",
    "mark_uncollectible": "marked uncollectible (can still be paid later)",
}
BEHAVIOR_LABELS: dict[str, str] = {
    "keep_as_draft": "Keep as drafts (decide later whether to collect)",
    "void": "Void them (the paused time is free)",
    "mark_uncollectible": "Mark them uncollectible (can still be paid)",
}
DEFAULT_PAUSE = timedelta(days=30)
# Pausing a trial holds back nothing; an unpaid or past-due subscription is for the failed-payment path.
PAUSABLE = frozenset({"active", "past_due"})


def pausable(sub: Subscription) -> bool:
    return sub.status in PAUSABLE and sub.pause_collection is None and not sub.cancel_at_period_end


def paused(sub: Subscription) -> bool:
    return sub.pause_collection is not None


@register
class PauseCollection(OneStepAction):
    kind = ActionKind.PAUSE_COLLECTION
    label = "Pause collection…"
    button_id = "billing.pause_collection"
    changes_mrr = False
    offered_in = {Bucket.FAILED_PAYMENT: 6, Bucket.MISSING_SELF_SERVE: 6, Bucket.PRODUCT_FAILURE: 1}
    interaction = Interaction.CONFIRM
    why = (
        "The customer needs time without being billed and means to stay: pausing collection keeps the "
        "subscription and resumes billing on its own, where a cancellation would lose the customer."
    )
    product_gap = None
    step = "pause"

    def target(self, bucket: Bucket, snapshot: CustomerSnapshot) -> str | None:
        return newest_id(snapshot, pausable)

    def form(self, target: str, snapshot: CustomerSnapshot) -> Form | None:
        resumes = snapshot.taken_at + DEFAULT_PAUSE
        return Form(
            title="Pause collection",
            submit="Review pause",
            intro=(
                "The subscription stays active and keeps renewing; Stripe does not collect its invoices until "
                "the date you choose, then resumes on its own. You confirm on the card next; nothing changes yet."
            ),
            fields=[
                *target_fields(candidates(snapshot, pausable), target),
                FormField(
                    name="resumes_on",
                    label="Resume collection on",
                    kind=FieldKind.DATE,
                    initial=f"{resumes:%Y-%m-%d}",
                ),
                FormField(
                    name="behavior",
                    label="Invoices made while paused",
                    kind=FieldKind.SELECT,
                    choices=[Choice(value=value, label=label) for value, label in BEHAVIOR_LABELS.items()],
                    initial="keep_as_draft",
                ),
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
        if not pausable(sub):
            raise PreconditionFailed(
                f"{sub.id} cannot be paused ({describe_state(sub)}); nothing was changed."
            )
        behavior = chosen(choices, "behavior", "what happens to invoices while paused")
        if behavior not in BEHAVIORS:
            raise PreconditionFailed(f"{behavior!r} is not a pause behavior; nothing was changed.")
        resumes_at = start_of(chosen_date(choices, "resumes_on", "the date collection resumes"))
        if resumes_at <= snapshot.taken_at:
            raise PreconditionFailed(
                f"Collection must resume after today ({snapshot.taken_at:%Y-%m-%d}); nothing was changed."
            )
        held = renewals(sub, snapshot.taken_at, resumes_at)
        held_back = total([money for _, money in held], sub.currency)
        return Plan(
            kind=self.kind,
            customer_id=snapshot.customer.id,
            steps=[
                Step(
                    name=self.step,
                    object_id=sub.id,
                    params={"behavior": behavior, "resumes_at": unix(resumes_at)},
                )
            ],
            summary=pause_summary(sub, behavior, resumes_at, held),
            impact=held_back if held_back.amount else None,
        )

    def recheck_step(self, step: Step, gateway: BillingGateway, pending: PendingAction) -> TargetRead:
        sub = recheck_subscription(step, gateway, pending)
        if not pausable(sub):
            raise PreconditionFailed(f"{sub.id} is now {describe_state(sub)}; nothing was changed.")
        return sub

    def request_step(self, step: Step, pending: PendingAction, *, first_confirmed_by: str) -> dict[str, Any]:
        return {"subscription": step.object_id, **step.params}

    def send_step(self, step: Step, gateway: BillingGateway, params: dict[str, Any], key: str) -> WriteResult:
        return gateway.pause_collection(
            params["subscription"],
            behavior=cast(PauseBehavior, params["behavior"]),
            resumes_at=from_unix(params["resumes_at"]),
            idempotency_key=key,
        )

    def find_step_effect(self, step: Step, gateway: BillingGateway, *, nonce: str) -> WriteResult | None:
        sub = gateway.get_subscription(step.object_id)
        pause = sub.pause_collection
        planned = (step.params["behavior"], from_unix(step.params["resumes_at"]))
        return sub if pause is not None and (pause.behavior, pause.resumes_at) == planned else None

    def card_outcome(self, outcome: ActionOutcome, ids: IdFormat) -> str:
        sub = self.changed(outcome)
        if sub is None or sub.pause_collection is None:
            return wording.no_change(outcome.kind)
        return f"paused collection on {ids(sub.id)} until {resume_day(sub)}"

    def operator_outcome(self, outcome: ActionOutcome, ids: IdFormat) -> str:
        return self.card_outcome(outcome, ids)

    def handoff_outcome(self, outcome: ActionOutcome) -> list[str]:
        sub = self.changed(outcome)
        if sub is None or sub.pause_collection is None:
            return []
        effect = BEHAVIOR_EFFECTS[sub.pause_collection.behavior]
        return [
            f"Paused collection on {sub.id} until {resume_day(sub)} "
            f"(behavior {sub.pause_collection.behavior}: invoices made meanwhile are {effect})"
        ]

    def revenue_effect(self, before: CustomerSnapshot, outcome: ActionOutcome) -> RevenueImpact:
        sub = self.changed(outcome)
        if sub is None or sub.pause_collection is None or sub.pause_collection.resumes_at is None:
            return RevenueImpact()
        previous = next((old for old in before.records.subscriptions if old.id == sub.id), sub)
        held = renewals(previous, before.taken_at, sub.pause_collection.resumes_at)
        given_up = total([money for _, money in held], sub.currency)
        return RevenueImpact(given_up=[given_up] if given_up.amount else [])

    def follow_up(self, snapshot: CustomerSnapshot, outcome: ActionOutcome) -> str:
        sub = self.changed(outcome)
        if sub is None or sub.pause_collection is None or sub.pause_collection.resumes_at is None:
            return wording.reported_to_product(snapshot)
        until = wording.long_date(sub.pause_collection.resumes_at)
        held = (
            "any invoice made until then is held and not charged for now"
            if sub.pause_collection.behavior == "keep_as_draft"
            else "you will not be charged for that time"
        )
        return (
            f"{wording.greeting(snapshot)} I paused billing for your {wording.product_name(sub)} subscription "
            f"until {until}: {held}. You keep your subscription, and billing resumes automatically on {until}."
        )


@register
class ResumeCollection(OneStepAction):
    kind = ActionKind.RESUME_COLLECTION
    label = "Resume collection"
    button_id = "billing.resume_collection"
    changes_mrr = False
    # Offered only when collection is paused: the customer is ready to pay again.
    offered_in = {Bucket.FAILED_PAYMENT: 5, Bucket.MISSING_SELF_SERVE: 5, Bucket.PRODUCT_FAILURE: 9}
    interaction = Interaction.CONFIRM
    why = "The customer is ready to pay again: resuming collection bills the subscription from its next invoice."
    product_gap = None
    step = "resume"

    def target(self, bucket: Bucket, snapshot: CustomerSnapshot) -> str | None:
        return newest_id(snapshot, paused)

    def form(self, target: str, snapshot: CustomerSnapshot) -> Form | None:
        return which_subscription(
            snapshot,
            paused,
            target,
            title="Resume collection",
            intro="Several subscriptions are paused: choose the one to collect again.",
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
        if sub.pause_collection is None:
            raise PreconditionFailed(f"{sub.id} is not paused; nothing was changed.")
        renews = sub.current_period_end
        next_charge = f"on {renews:%Y-%m-%d}" if renews else "at its next renewal"
        return Plan(
            kind=self.kind,
            customer_id=snapshot.customer.id,
            steps=[Step(name=self.step, object_id=sub.id)],
            summary=(
                f"Resume collection on {sub.id} now ({paused_text(sub)})? Stripe collects its next invoice, "
                f"{sub.period_amount()} "
                f"{next_charge}; invoices made while paused stay as they are."
            ),
        )

    def recheck_step(self, step: Step, gateway: BillingGateway, pending: PendingAction) -> TargetRead:
        sub = recheck_subscription(step, gateway, pending)
        if sub.pause_collection is None:
            raise PreconditionFailed(f"{sub.id} is no longer paused; nothing was changed.")
        return sub

    def request_step(self, step: Step, pending: PendingAction, *, first_confirmed_by: str) -> dict[str, Any]:
        return {"subscription": step.object_id}

    def send_step(self, step: Step, gateway: BillingGateway, params: dict[str, Any], key: str) -> WriteResult:
        return gateway.resume_collection(params["subscription"], idempotency_key=key)

    def find_step_effect(self, step: Step, gateway: BillingGateway, *, nonce: str) -> WriteResult | None:
        sub = gateway.get_subscription(step.object_id)
        return sub if sub.pause_collection is None else None

    def card_outcome(self, outcome: ActionOutcome, ids: IdFormat) -> str:
        sub = self.changed(outcome)
        return f"resumed collection on {ids(sub.id)}" if sub else wording.no_change(outcome.kind)

    def operator_outcome(self, outcome: ActionOutcome, ids: IdFormat) -> str:
        return self.card_outcome(outcome, ids)

    def handoff_outcome(self, outcome: ActionOutcome) -> list[str]:
        sub = self.changed(outcome)
        if sub is None:
            return []
        renews = sub.current_period_end
        when = f" on {renews:%Y-%m-%d}" if renews else ""
        return [f"Resumed collection on {sub.id}: next invoice {sub.period_amount()}{when}"]

    def revenue_effect(self, before: CustomerSnapshot, outcome: ActionOutcome) -> RevenueImpact:
        return RevenueImpact()

    def follow_up(self, snapshot: CustomerSnapshot, outcome: ActionOutcome) -> str:
        sub = self.changed(outcome)
        if sub is None:
            return wording.reported_to_product(snapshot)
        renews = sub.current_period_end
        on = f" on {wording.long_date(renews)}" if renews else ""
        return (
            f"{wording.greeting(snapshot)} billing for your {wording.product_name(sub)} subscription is back on: "
            f"the next charge is {sub.period_amount()}{on}."
        )


def resume_day(sub: Subscription) -> str:
    pause = sub.pause_collection
    if pause is None or pause.resumes_at is None:
        return "resumed by hand"
    return f"{pause.resumes_at:%Y-%m-%d}"


def paused_text(sub: Subscription) -> str:
    """ "paused until 2027-01-09, void" or "paused with no end date, void"."""
    pause = sub.pause_collection
    if pause is None:
        return "not paused"
    until = f"until {pause.resumes_at:%Y-%m-%d}" if pause.resumes_at else "with no end date"
    return f"paused {until}, {pause.behavior}"


def describe_state(sub: Subscription) -> str:
    if sub.pause_collection is not None:
        return f"already {paused_text(sub)}"
    if sub.cancel_at_period_end:
        return "set to cancel at period end"
    return sub.status


def pause_summary(
    sub: Subscription, behavior: str, resumes_at: datetime, held: list[tuple[datetime, Money]]
) -> str:
    until = f"{resumes_at:%Y-%m-%d}"
    if held:
        invoices = ", ".join(f"{moment:%Y-%m-%d} {money}" for moment, money in held)
        effect = f"the invoice(s) Stripe makes meanwhile ({invoices}) are {BEHAVIOR_EFFECTS[behavior]}"
    else:
        effect = f"no invoice falls before {until}, so nothing is billed differently"
    return (
        f"Pause collection on {sub.id} until {until} ({behavior})? The subscription stays active; {effect}. "
        f"Collection resumes on its own on {until}."
    )
