"""The toolbox's plan changes (issue 13), definition by definition, against the in-memory gateway: what each
plans and shows, what it re-checks, the request it fixes, the call and the effect it finds."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from billing.action_kinds import definition
from billing.action_kinds.item_changes import STEP
from billing.action_models import ActionKind, ActionOutcome, FieldKind, PendingAction, PendingStatus
from billing.change_models import ItemChange
from billing.errors import PreconditionFailed
from billing.models import Bucket
from billing.money import Money
from billing.snapshot import CustomerSnapshot, build_snapshot
from tests.unit.fake_gateway import FakeGateway, customer, price, records, subscription

NOW = datetime(2026, 11, 16, 12, 0, tzinfo=UTC)
START = datetime(2026, 11, 1, 12, 0, tzinfo=UTC)
END = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)


def team(quantity: int = 5, **fields: Any) -> FakeGateway:
    sub = subscription("sub_Team0001", quantity=quantity, created=START, period_end=END, **fields)
    return FakeGateway([records(customer("cus_Jane0001"), subscriptions=[sub])])


def snapshot_of(gateway: FakeGateway) -> CustomerSnapshot:
    [held] = gateway.records.values()
    return build_snapshot(held, now=NOW, matched_on="email", livemode=False)


def pending_for(plan_steps: list, customer_id: str = "cus_Jane0001") -> PendingAction:
    return PendingAction(
        nonce="n1",
        case_id="c1",
        kind=ActionKind.CHANGE_SEATS,
        requested_by="U1",
        customer_id=customer_id,
        target_ids=["sub_Team0001"],
        summary="",
        steps=plan_steps,
        status=PendingStatus.RUNNING,
        expires_at=NOW + timedelta(minutes=10),
    )


# --- change seats --------------------------------------------------------------------------------------


def test_seat_form_asks_the_new_quantity_starting_from_the_current_one() -> None:
    seats = definition(ActionKind.CHANGE_SEATS)
    snapshot = snapshot_of(team())
    target = seats.target(Bucket.TEAM, snapshot)
    assert target == "sub_Team0001"
    form = seats.form(target, snapshot)
    assert form is not None and form.title == "Change seats"
    [field] = form.fields  # one subscription: no choice of target
    assert (field.name, field.kind, field.initial) == ("quantity", FieldKind.NUMBER, "5")


def test_seat_decrease_plan_shows_stripes_proration_and_gives_up_the_yearly_value() -> None:
    gateway = team()
    seats = definition(ActionKind.CHANGE_SEATS)
    plan = seats.plan("sub_Team0001", snapshot_of(gateway), choices={"quantity": "3"})
    assert plan.impact == Money(amount=2 * 2000 * 12, currency="usd")  # 2 seats x $20/month x 12
    plan = seats.preview(plan, gateway)
    [step] = plan.steps
    # Half the period is left: 2 seats x $20 x 1/2 credited.
    assert step.params["proration"] == -2000
    assert plan.summary == (
        "Change sub_Team0001 from 5 to 3 seats of Pro ($20.00 per month each)? Stripe's preview: $20.00 credit "
        "for the rest of this period, on the next invoice (December 1, 2026, $40.00 due)."
    )
    assert step.params["proration_date"] == int(NOW.timestamp())


def test_seat_increase_gives_up_nothing() -> None:
    plan = definition(ActionKind.CHANGE_SEATS).plan(
        "sub_Team0001", snapshot_of(team()), choices={"quantity": "7"}
    )
    assert plan.impact is None


@pytest.mark.parametrize(
    ("quantity", "message"),
    [
        ("5", "already has 5 seats"),
        ("0", "cancel it instead"),
        ("two", "is not a number of seats"),
    ],
)
def test_seat_plan_refuses_what_changes_nothing_or_empties_the_subscription(
    quantity: str, message: str
) -> None:
    with pytest.raises(PreconditionFailed, match=message):
        definition(ActionKind.CHANGE_SEATS).plan(
            "sub_Team0001", snapshot_of(team()), choices={"quantity": quantity}
        )


def test_seat_change_rechecks_sends_once_and_finds_its_effect() -> None:
    gateway = team()
    seats = definition(ActionKind.CHANGE_SEATS)
    plan = seats.preview(seats.plan("sub_Team0001", snapshot_of(gateway), choices={"quantity": "3"}), gateway)
    [step] = plan.steps
    pending = pending_for(plan.steps)
    assert seats.find_effect(step, gateway, nonce="n1") is None
    seats.recheck(step, gateway, pending)
    params = seats.request(step, pending, first_confirmed_by="U1")
    assert params == {
        "subscription": "sub_Team0001",
        "item": "si_Team0001",
        "quantity": 3,
        "price": None,
        "proration_date": int(NOW.timestamp()),
    }
    first = seats.send(step, gateway, params, "key-1")
    again = seats.send(step, gateway, params, "key-1")  # Stripe replays the same key
    assert isinstance(first, ItemChange) and first == again
    assert first.subscription.quantity == 3 and first.proration == Money(amount=-2000, currency="usd")
    assert seats.find_effect(step, gateway, nonce="n1") is not None
    with pytest.raises(PreconditionFailed, match="changed since this was planned"):
        seats.recheck(step, gateway, pending)


def test_seat_outcome_words_for_card_handoff_revenue_and_customer() -> None:
    gateway = team()
    before = snapshot_of(gateway)
    seats = definition(ActionKind.CHANGE_SEATS)
    plan = seats.preview(seats.plan("sub_Team0001", before, choices={"quantity": "3"}), gateway)
    [step] = plan.steps
    change = seats.send(
        step, gateway, seats.request(step, pending_for(plan.steps), first_confirmed_by="U1"), "k"
    )
    outcome = ActionOutcome(kind=ActionKind.CHANGE_SEATS, case_id="c1", actor="U1", results={STEP: change})
    assert seats.card_outcome(outcome, lambda text: f"`{text}`") == "changed `sub_Team0001` from 5 to 3 seats"
    assert seats.handoff_outcome(outcome) == [
        "Changed sub_Team0001 (item si_Team0001) from 5 to 3 seats; proration −$20.00 on the next invoice "
        "(Stripe's preview before Confirm, same proration date)"
    ]
    revenue = seats.revenue_effect(before, outcome)
    assert revenue.mrr_change == [Money(amount=-4000, currency="usd")] and revenue.mrr_change_from is None
    assert seats.follow_up(before, outcome) == (
        "Hi Jane, I changed your Pro subscription from 5 to 3 seats. The unused time on the removed seats "
        "($20.00) is credited on your next invoice on December 1, 2026."
    )


def test_a_yearly_seat_decrease_gives_up_one_year_per_seat() -> None:
    yearly = price("price_Year0001", unit_amount=20000, interval="year")
    plan = definition(ActionKind.CHANGE_SEATS).plan(
        "sub_Team0001", snapshot_of(team(quantity=4, item_price=yearly)), choices={"quantity": "1"}
    )
    assert plan.impact == Money(amount=3 * 20000, currency="usd")


# --- switch monthly <-> yearly -----------------------------------------------------------------------

MONTHLY = price("price_Month001", unit_amount=2000, interval="month")
YEARLY = price("price_Year0001", unit_amount=20000, interval="year")
YEARLY_EUR = price("price_YearEur1", unit_amount=18000, interval="year", currency="eur")
OTHER_PRODUCT = price("price_Other001", product_id="prod_Other001", unit_amount=9000, interval="year")


def subscribed(item_price: Any, catalogue: list[Any]) -> CustomerSnapshot:
    sub = subscription("sub_Plan0001", item_price=item_price, created=START, period_end=END)
    held = records(customer("cus_Jane0001"), subscriptions=[sub], prices=catalogue)
    return build_snapshot(held, now=NOW, matched_on="email", livemode=False)


def test_switch_to_the_one_other_interval_plans_at_once_and_gives_up_the_cheaper_yearly_difference() -> None:
    switch = definition(ActionKind.SWITCH_INTERVAL)
    snapshot = subscribed(MONTHLY, [MONTHLY, YEARLY, YEARLY_EUR, OTHER_PRODUCT])
    assert switch.target(Bucket.MISSING_SELF_SERVE, snapshot) == "sub_Plan0001"
    assert switch.form("sub_Plan0001", snapshot) is None
    plan = switch.plan("sub_Plan0001", snapshot)
    assert plan.summary == "Switch sub_Plan0001 from monthly ($20.00 per month) to yearly ($200.00 per year)?"
    assert plan.steps[0].params["price"] == "price_Year0001"
    assert plan.impact == Money(amount=24000 - 20000, currency="usd")


def test_switch_from_yearly_to_monthly_gives_up_nothing() -> None:
    plan = definition(ActionKind.SWITCH_INTERVAL).plan("sub_Plan0001", subscribed(YEARLY, [MONTHLY, YEARLY]))
    assert plan.steps[0].params["price"] == "price_Month001" and plan.impact is None


def test_several_prices_to_switch_to_are_chosen_in_a_form() -> None:
    switch = definition(ActionKind.SWITCH_INTERVAL)
    quarterly = MONTHLY.model_copy(update={"id": "price_Quarter1", "interval_count": 3, "unit_amount": 5500})
    snapshot = subscribed(MONTHLY, [MONTHLY, YEARLY, quarterly])
    form = switch.form("sub_Plan0001", snapshot)
    assert form is not None
    [field] = form.fields
    assert (field.name, field.kind, [choice.value for choice in field.choices]) == (
        "price",
        FieldKind.SELECT,
        ["price_Year0001", "price_Quarter1"],
    )
    plan = switch.plan("sub_Plan0001", snapshot, choices={"price": "price_Quarter1"})
    assert plan.summary.endswith("to every 3 months ($55.00 per 3 months)?")
    with pytest.raises(PreconditionFailed, match="is not another billing interval"):
        switch.plan("sub_Plan0001", snapshot, choices={"price": "price_Other001"})
    with pytest.raises(PreconditionFailed, match="no single price"):
        switch.plan("sub_Plan0001", snapshot)


def test_no_switch_is_offered_without_another_interval_of_the_same_product() -> None:
    snapshot = subscribed(MONTHLY, [MONTHLY, YEARLY_EUR, OTHER_PRODUCT])
    assert definition(ActionKind.SWITCH_INTERVAL).target(Bucket.MISSING_SELF_SERVE, snapshot) is None


def test_a_renewal_between_the_preview_and_the_confirm_is_refused_not_prorated_blindly() -> None:
    gateway = team()
    seats = definition(ActionKind.CHANGE_SEATS)
    plan = seats.preview(seats.plan("sub_Team0001", snapshot_of(gateway), choices={"quantity": "3"}), gateway)
    [step] = plan.steps
    [item] = gateway.get_subscription("sub_Team0001").items
    before_renewal = int((item.current_period_start - timedelta(days=1)).timestamp())
    shown_last_period = step.model_copy(update={"params": {**step.params, "proration_date": before_renewal}})
    with pytest.raises(PreconditionFailed, match="renewed on .* after the proration was shown"):
        seats.recheck(shown_last_period, gateway, pending_for([shown_last_period]))
