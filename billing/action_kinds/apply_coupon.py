"""Apply a coupon: goodwill that keeps the customer paying, chosen from the account's active coupons.
`subscriptions.update(discounts=[{coupon}])`: Stripe discounts the subscription's invoices from the next one
on, for the coupon's duration (once, N months, forever)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from billing.action_kinds import wording
from billing.action_kinds.base import IdFormat, register
from billing.action_kinds.one_step import OneStepAction
from billing.action_kinds.targets import live_subscription
from billing.action_kinds.time_value import discount_per_invoice, monthly_discount, yearly_discount
from billing.action_kinds.toolbox import (
    candidates,
    chosen,
    newest_id,
    recheck_subscription,
    target_fields,
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
from billing.errors import ObjectNotFound, PreconditionFailed
from billing.models import Bucket, Subscription, WriteResult
from billing.ports import BillingGateway
from billing.snapshot import CustomerSnapshot
from billing.toolbox_models import Coupon

DISCOUNTABLE = frozenset({"active", "trialing", "past_due"})
MAX_COUPONS_LISTED = 100  # a Slack select's limit


def fits(coupon: Coupon, sub: Subscription) -> bool:
    """Stripe refuses an amount-off coupon in another currency than the subscription's."""
    return coupon.valid and (coupon.amount_off is None or coupon.currency == sub.currency)


def usable_coupons(snapshot: CustomerSnapshot, sub: Subscription) -> list[Coupon]:
    return [coupon for coupon in snapshot.records.coupons if fits(coupon, sub)]


def discountable(snapshot: CustomerSnapshot) -> Callable[[Subscription], bool]:
    # Applying a coupon replaces the subscription's discounts: one that has a discount is left alone.
    def check(sub: Subscription) -> bool:
        return sub.status in DISCOUNTABLE and not sub.coupon_ids and bool(usable_coupons(snapshot, sub))

    return check


def lasts(coupon: Coupon) -> str:
    if coupon.duration == "once":
        return "on the next invoice only"
    if coupon.duration == "forever":
        return "on every invoice from the next one on"
    months = coupon.duration_in_months or 0
    return f"on invoices for the next {months} month" + ("" if months == 1 else "s")


@register
class ApplyCoupon(OneStepAction):
    kind = ActionKind.APPLY_COUPON
    label = "Apply coupon…"
    button_id = "billing.apply_coupon"
    changes_mrr = True
    offered_in = {Bucket.TEAM: 6, Bucket.PRODUCT_FAILURE: 2}
    interaction = Interaction.CONFIRM
    why = (
        "A discount on future invoices makes up for the trouble while the customer keeps paying; it gives "
        "up part of future revenue instead of money already collected."
    )
    product_gap = None
    step = "coupon"

    def target(self, bucket: Bucket, snapshot: CustomerSnapshot) -> str | None:
        return newest_id(snapshot, discountable(snapshot))

    def form(self, target: str, snapshot: CustomerSnapshot) -> Form | None:
        subs = candidates(snapshot, discountable(snapshot))
        sub = next((s for s in subs if s.id == target), subs[0] if subs else None)
        coupons = usable_coupons(snapshot, sub)[:MAX_COUPONS_LISTED] if sub else []
        return Form(
            title="Apply a coupon",
            submit="Review",
            intro=(
                "Choose one of the account's active coupons: Stripe discounts the subscription's invoices from "
                "the next one on. You confirm on the card next; nothing changes yet."
            ),
            fields=[
                *target_fields(subs, target),
                FormField(
                    name="coupon",
                    label="Coupon",
                    kind=FieldKind.SELECT,
                    choices=[Choice(value=coupon.id, label=coupon.label()) for coupon in coupons],
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
        if sub.coupon_ids:
            raise PreconditionFailed(
                f"{sub.id} already has a discount ({', '.join(sub.coupon_ids)}); applying another would "
                "replace it. Nothing was changed."
            )
        coupon_id = chosen(choices, "coupon", "a coupon")
        coupon = next((c for c in snapshot.records.coupons if c.id == coupon_id), None)
        if coupon is None or not fits(coupon, sub):
            raise PreconditionFailed(
                f"{coupon_id} is not an active coupon for {sub.id}; nothing was changed."
            )
        per_invoice = discount_per_invoice(sub, coupon)
        return Plan(
            kind=self.kind,
            customer_id=snapshot.customer.id,
            steps=[Step(name=self.step, object_id=sub.id, params={"coupon": coupon.id})],
            summary=(
                f"Apply coupon {coupon.label()} to {sub.id} ({wording.product_name(sub)})? Stripe takes "
                f"{per_invoice} off each {sub.period_amount()} invoice {lasts(coupon)}; nothing is charged "
                "or refunded now."
            ),
            impact=yearly_discount(sub, coupon, snapshot.taken_at),
        )

    def recheck_step(self, step: Step, gateway: BillingGateway, pending: PendingAction) -> TargetRead:
        sub = recheck_subscription(step, gateway, pending)
        if sub.coupon_ids:
            raise PreconditionFailed(
                f"{sub.id} has a discount now ({', '.join(sub.coupon_ids)}); nothing was changed."
            )
        try:
            coupon = gateway.get_coupon(step.params["coupon"])
        except ObjectNotFound:
            raise PreconditionFailed(
                f"Coupon {step.params['coupon']} was deleted since this was planned; nothing was changed."
            ) from None
        if not fits(coupon, sub):
            raise PreconditionFailed(f"Coupon {coupon.id} can no longer be applied; nothing was changed.")
        return sub

    def request_step(self, step: Step, pending: PendingAction, *, first_confirmed_by: str) -> dict[str, Any]:
        return {"subscription": step.object_id, "coupon": step.params["coupon"]}

    def send_step(self, step: Step, gateway: BillingGateway, params: dict[str, Any], key: str) -> WriteResult:
        return gateway.apply_coupon(params["subscription"], coupon_id=params["coupon"], idempotency_key=key)

    def find_step_effect(self, step: Step, gateway: BillingGateway, *, nonce: str) -> WriteResult | None:
        sub = gateway.get_subscription(step.object_id)
        return sub if step.params["coupon"] in sub.coupon_ids else None

    def card_outcome(self, outcome: ActionOutcome, ids: IdFormat) -> str:
        sub = self.changed(outcome)
        if sub is None:
            return wording.no_change(outcome.kind)
        return f"applied coupon {ids(', '.join(sub.coupon_ids))} to {ids(sub.id)}"

    def operator_outcome(self, outcome: ActionOutcome, ids: IdFormat) -> str:
        return self.card_outcome(outcome, ids)

    def handoff_outcome(self, outcome: ActionOutcome) -> list[str]:
        sub = self.changed(outcome)
        return [f"Applied coupon {', '.join(sub.coupon_ids)} to {sub.id}"] if sub else []

    def revenue_effect(self, before: CustomerSnapshot, outcome: ActionOutcome) -> RevenueImpact:
        sub = self.changed(outcome)
        coupon = self._coupon(before, sub)
        if sub is None or coupon is None:
            return RevenueImpact()
        previous = next((old for old in before.records.subscriptions if old.id == sub.id), sub)
        if coupon.duration == "once":
            return RevenueImpact(given_up=[discount_per_invoice(previous, coupon)])
        return RevenueImpact(
            mrr_change=[-monthly_discount(previous, coupon)], mrr_change_from=sub.current_period_end
        )

    def follow_up(self, snapshot: CustomerSnapshot, outcome: ActionOutcome) -> str:
        sub = self.changed(outcome)
        coupon = self._coupon(snapshot, sub)
        if sub is None or coupon is None:
            return wording.reported_to_product(snapshot)
        off = (
            f"{coupon.percent_off:g}%"
            if coupon.percent_off is not None
            else str(discount_per_invoice(sub, coupon))
        )
        return (
            f"{wording.greeting(snapshot)} sorry for the trouble. I applied a discount of {off} to your "
            f"{wording.product_name(sub)} subscription, {lasts(coupon)}. There is nothing you need to do."
        )

    def _coupon(self, snapshot: CustomerSnapshot, sub: Subscription | None) -> Coupon | None:
        if sub is None or not sub.coupon_ids:
            return None
        return next((c for c in snapshot.records.coupons if c.id == sub.coupon_ids[0]), None)
