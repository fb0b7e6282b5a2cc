"""Extend a trial: the customer needs more time to evaluate (a bug ate their trial, a team is still deciding).
`subscriptions.update(trial_end=…)` on a trialing subscription: Stripe moves the trial end and the current
period's end with it, so the first invoice and charge move to the new date; nothing is prorated or charged
now."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from fractions import Fraction
from typing import Any

from billing.action_kinds import wording
from billing.action_kinds.base import IdFormat, register
from billing.action_kinds.choosing import day_text
from billing.action_kinds.one_step import OneStepAction
from billing.action_kinds.targets import live_subscription
from billing.action_kinds.time_value import value_of_days
from billing.action_kinds.toolbox import (
    candidates,
    chosen_date,
    from_unix,
    newest_id,
    recheck_subscription,
    target_fields,
    unix,
)
from billing.action_models import (
    ActionKind,
    ActionOutcome,
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
from billing.ports import BillingGateway
from billing.snapshot import CustomerSnapshot

DEFAULT_EXTENSION = timedelta(days=14)


def in_trial(sub: Subscription) -> bool:
    return sub.status == "trialing" and sub.trial_end is not None


def new_trial_end(sub: Subscription, day: date) -> datetime:
    """The chosen day at the current trial end's time of day: whole days added, as the operator counts."""
    assert sub.trial_end is not None
    return datetime.combine(day, sub.trial_end.timetz())


@register
class ExtendTrial(OneStepAction):
    kind = ActionKind.EXTEND_TRIAL
    label = "Extend trial…"
    button_id = "billing.extend_trial"
    changes_mrr = False
    offered_in = {Bucket.TEAM: 5, Bucket.MISSING_SELF_SERVE: 8, Bucket.PRODUCT_FAILURE: 0}
    interaction = Interaction.CONFIRM
    why = (
        "The customer has not been able to evaluate the product in their trial; more trial time costs only "
        "the delay of the first charge and keeps a likely customer."
    )
    product_gap = None
    step = "trial"

    def target(self, bucket: Bucket, snapshot: CustomerSnapshot) -> str | None:
        return newest_id(snapshot, in_trial)

    def form(self, target: str, snapshot: CustomerSnapshot) -> Form | None:
        subs = candidates(snapshot, in_trial)
        current = next((sub for sub in subs if sub.id == target), subs[0] if subs else None)
        ends = current.trial_end if current and current.trial_end else snapshot.taken_at
        return Form(
            title="Extend the trial",
            submit="Review",
            intro=(
                f"The trial ends {ends:%Y-%m-%d}. Choose a later date: Stripe moves the trial end and the first "
                "charge to it. You confirm on the card next; nothing changes yet."
            ),
            fields=[
                *target_fields(subs, target),
                FormField(
                    name="trial_end",
                    label="New trial end",
                    kind=FieldKind.DATE,
                    initial=f"{ends + DEFAULT_EXTENSION:%Y-%m-%d}",
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
        if not in_trial(sub) or sub.trial_end is None:
            raise PreconditionFailed(f"{sub.id} is not in a trial ({sub.status}); nothing was changed.")
        ends = new_trial_end(sub, chosen_date(choices, "trial_end", "the new trial end date"))
        if ends <= sub.trial_end:
            raise PreconditionFailed(
                f"The new trial end must be after the current one ({day_text(sub.trial_end)}); "
                "nothing was changed."
            )
        extra = Fraction(int((ends - sub.trial_end).total_seconds()), 86_400)
        return Plan(
            kind=self.kind,
            customer_id=snapshot.customer.id,
            steps=[
                Step(
                    name=self.step,
                    object_id=sub.id,
                    params={"trial_end": unix(ends), "trial_end_before": unix(sub.trial_end)},
                )
            ],
            summary=(
                f"Extend the trial of {sub.id} ({wording.product_name(sub)}) from {day_text(sub.trial_end)} to "
                f"{day_text(ends)} ({days_text(extra)} more, free)? Stripe moves the trial end and the current "
                f"period to {day_text(ends)}, so the first charge, {sub.period_amount()}, is made then; nothing "
                "is charged now."
            ),
            impact=value_of_days(sub, extra),
        )

    def recheck_step(self, step: Step, gateway: BillingGateway, pending: PendingAction) -> TargetRead:
        sub = recheck_subscription(step, gateway, pending)
        if not in_trial(sub) or sub.trial_end is None:
            raise PreconditionFailed(f"{sub.id} is no longer in a trial ({sub.status}); nothing was changed.")
        if sub.trial_end != from_unix(step.params["trial_end_before"]):
            raise PreconditionFailed(
                f"The trial of {sub.id} was changed since this was planned (it now ends "
                f"{day_text(sub.trial_end)}); nothing was changed. Look the customer up again."
            )
        return sub

    def request_step(self, step: Step, pending: PendingAction, *, first_confirmed_by: str) -> dict[str, Any]:
        return {"subscription": step.object_id, "trial_end": step.params["trial_end"]}

    def send_step(self, step: Step, gateway: BillingGateway, params: dict[str, Any], key: str) -> WriteResult:
        return gateway.set_trial_end(
            params["subscription"], trial_end=from_unix(params["trial_end"]), idempotency_key=key
        )

    def find_step_effect(self, step: Step, gateway: BillingGateway, *, nonce: str) -> WriteResult | None:
        sub = gateway.get_subscription(step.object_id)
        return sub if sub.trial_end == from_unix(step.params["trial_end"]) else None

    def card_outcome(self, outcome: ActionOutcome, ids: IdFormat) -> str:
        sub = self.changed(outcome)
        if sub is None or sub.trial_end is None:
            return wording.no_change(outcome.kind)
        return f"extended the trial of {ids(sub.id)} to {day_text(sub.trial_end)}"

    def operator_outcome(self, outcome: ActionOutcome, ids: IdFormat) -> str:
        return self.card_outcome(outcome, ids)

    def handoff_outcome(self, outcome: ActionOutcome) -> list[str]:
        sub = self.changed(outcome)
        if sub is None or sub.trial_end is None:
            return []
        return [
            f"Extended the trial of {sub.id} to {day_text(sub.trial_end)}: first charge "
            f"{sub.period_amount()} then"
        ]

    def revenue_effect(self, before: CustomerSnapshot, outcome: ActionOutcome) -> RevenueImpact:
        sub = self.changed(outcome)
        previous = next(
            (old for old in before.records.subscriptions if old.id == (sub.id if sub else "")), None
        )
        if sub is None or sub.trial_end is None or previous is None or previous.trial_end is None:
            return RevenueImpact()
        extra = Fraction(int((sub.trial_end - previous.trial_end).total_seconds()), 86_400)
        return RevenueImpact(given_up=[value_of_days(previous, extra)] if extra > 0 else [])

    def follow_up(self, snapshot: CustomerSnapshot, outcome: ActionOutcome) -> str:
        sub = self.changed(outcome)
        if sub is None or sub.trial_end is None:
            return wording.reported_to_product(snapshot)
        price = sub.items[0].price if sub.items else None
        every = f"/{price.interval}" if price and price.interval else ""
        return (
            f"{wording.greeting(snapshot)} I extended your {wording.product_name(sub)} trial to "
            f"{wording.long_date(sub.trial_end)}. You will not be charged until then; after that it is "
            f"{sub.period_amount()}{every}."
        )


def days_text(days: Fraction) -> str:
    whole = round(days)
    return f"{whole} day" + ("" if whole == 1 else "s")
