"""The toolbox's time and goodwill actions (issue 13), without Slack or HTTP: what each plans (exact effect,
impact), what its forms ask, what the re-check refuses, and how an unknown outcome is resolved from Stripe's
state instead of being sent twice. Against the records-based FakeGateway."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from billing.action_kinds import definition, ladder
from billing.action_kinds.ladder import plan_action
from billing.action_kinds.time_value import (
    add_interval,
    renewals,
    value_of_days,
    yearly_discount,
)
from billing.action_models import ActionKind, FieldKind, Form, RevenueImpact
from billing.actions import ActionService
from billing.approval import ApprovalRule
from billing.case_actions import ActionPolicy
from billing.clock import FixedClock
from billing.errors import PreconditionFailed, StripeUnavailable
from billing.handoff import build_handoff
from billing.models import BalanceTransaction, Bucket, Subscription
from billing.money import Money
from billing.snapshot import CustomerSnapshot, build_snapshot
from billing.store import Store
from billing.toolbox_models import Coupon, PauseCollection
from messages.card import customer_card
from messages.handoff import revenue_lines
from tests.unit.fake_gateway import FakeGateway, customer, price, records, subscription

NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)
OPERATOR = "U0OPS1"
PERIOD_END = datetime(2026, 12, 5, 9, 0, tzinfo=UTC)
TRIAL_END = datetime(2026, 11, 27, 9, 0, tzinfo=UTC)
SORRY = Coupon(id="SORRY25", name="Sorry", percent_off=25, duration="repeating", duration_in_months=3)
FIVE_OFF = Coupon(id="FIVE", amount_off=500, currency="usd", duration="once")
EURO = Coupon(id="EURO", amount_off=500, currency="eur", duration="forever")


def pro(sub_id: str = "sub_Pro00001", **fields: object) -> Subscription:
    return subscription(sub_id, created=NOW - timedelta(days=15), period_end=PERIOD_END, **fields)  # type: ignore[arg-type]


def trial(sub_id: str = "sub_Trial001") -> Subscription:
    return subscription(
        sub_id, status="trialing", created=NOW - timedelta(days=7), period_end=TRIAL_END, trial_end=TRIAL_END
    )


class LosesTheFirstCreditsAnswer(FakeGateway):
    """The credit lands in Stripe, then its answer is lost (a timeout): the outcome is unknown to the bot."""

    lost = False

    def add_customer_credit(self, customer_id: str, **kwargs: Any) -> BalanceTransaction:
        made = super().add_customer_credit(customer_id, **kwargs)
        if not self.lost:
            self.lost = True
            raise StripeUnavailable("timed out", request_id="req_lost")
        return made


class ToolboxWorld:
    """The fake gateway, a store and the service on one clock; snapshots built from the fake's records."""

    def __init__(
        self,
        *subs: Subscription,
        coupons: tuple[Coupon, ...] = (),
        balance: int = 0,
        gateway: type[FakeGateway] = FakeGateway,
    ) -> None:
        self.gateway = gateway(
            [records(customer(currency="usd", balance=balance), subscriptions=list(subs))], now=NOW
        )
        self.gateway.coupons = list(coupons)
        self.clock = FixedClock(NOW)
        self.store = Store(":memory:", self.clock)
        policy = ActionPolicy(operators=[OPERATOR], approval=ApprovalRule({}))
        self.service = ActionService(self.gateway, self.store, self, self.clock, policy)

    def snapshot(
        self, customer_id: str, *, matched_on: str = "email", complaint: str = ""
    ) -> CustomerSnapshot:
        billing = self.gateway.load_billing_records(self.gateway.get_customer(customer_id))
        return build_snapshot(billing, now=NOW, matched_on=matched_on, livemode=False)

    def case(self, bucket: Bucket) -> str:
        case_id = self.store.open_case(
            customer_id="cus_Jane0001",
            query="jane@example.com",
            matched_on="email",
            suggested_bucket=None,
            opened_by=OPERATOR,
        )
        self.service.classify(case_id, bucket, OPERATOR)
        return case_id

    def writes(self) -> list[str]:
        reads = {"get_customer", "get_subscription", "get_coupon", "load_billing_records"}
        return [
            name for name in self.gateway.call_names() if name not in reads and not name.startswith("list")
        ]


# --- what time and goodwill are worth (pure) ------------------------------------------------------------


def test_a_month_later_is_clamped_to_the_months_last_day() -> None:
    jan31 = datetime(2027, 1, 31, 9, 0, tzinfo=UTC)
    assert add_interval(jan31, "month") == datetime(2027, 2, 28, 9, 0, tzinfo=UTC)
    assert add_interval(jan31, "year") == datetime(2028, 1, 31, 9, 0, tzinfo=UTC)
    assert add_interval(jan31, "week", 2) == datetime(2027, 2, 14, 9, 0, tzinfo=UTC)


def test_renewals_are_the_period_ends_inside_the_window() -> None:
    sub = pro(quantity=2)
    ends = NOW + timedelta(days=50)
    assert renewals(sub, NOW, ends) == [
        (PERIOD_END, Money(amount=4000, currency="usd")),
        (datetime(2027, 1, 5, 9, 0, tzinfo=UTC), Money(amount=4000, currency="usd")),
    ]
    assert renewals(sub, NOW, PERIOD_END) == []  # a pause ending before the renewal holds nothing back


def test_free_days_are_worth_the_yearly_price_per_day() -> None:
    assert value_of_days(pro(), 14) == Money(amount=921, currency="usd")  # 14 × $240 / 365
    yearly = pro(item_price=price(unit_amount=20000, interval="year"))
    assert value_of_days(yearly, 365) == Money(amount=20000, currency="usd")


def test_a_coupons_yearly_discount_counts_the_invoices_it_discounts() -> None:
    assert yearly_discount(pro(), SORRY, NOW) == Money(amount=1500, currency="usd")  # 3 × $5
    assert yearly_discount(pro(), FIVE_OFF, NOW) == Money(amount=500, currency="usd")  # once
    forever = SORRY.model_copy(update={"duration": "forever", "duration_in_months": None})
    assert yearly_discount(pro(), forever, NOW) == Money(amount=6000, currency="usd")  # 12 × $5
    yearly = pro(item_price=price(unit_amount=20000, interval="year"))
    assert yearly_discount(yearly, SORRY, NOW) == Money(amount=5000, currency="usd")  # renews in 3 months


def test_coupon_labels_say_what_and_how_long() -> None:
    assert SORRY.label() == "Sorry (25% off, 3 months)"
    assert FIVE_OFF.label() == "FIVE ($5.00 off, once)"
    assert EURO.label() == "EURO (€5.00 off, forever)"


# --- offered where an expert would use it ----------------------------------------------------------------


def test_each_action_is_offered_only_when_its_object_is_there() -> None:
    def kinds(world: ToolboxWorld, bucket: Bucket) -> list[str]:
        return [str(option.kind) for option in ladder(bucket, world.snapshot("cus_Jane0001"))]

    plain = ToolboxWorld(pro())
    assert kinds(plain, Bucket.PRODUCT_FAILURE)[:2] == ["pause_collection", "account_credit"]
    assert "undo_cancellation" not in kinds(plain, Bucket.MISSING_SELF_SERVE)
    assert "apply_coupon" not in kinds(plain, Bucket.PRODUCT_FAILURE)  # no coupon in the account
    cancelling = ToolboxWorld(pro(cancel_at_period_end=True))
    assert kinds(cancelling, Bucket.MISSING_SELF_SERVE)[0] == "undo_cancellation"
    assert "pause_collection" not in kinds(cancelling, Bucket.PRODUCT_FAILURE)
    paused = ToolboxWorld(pro(pause_collection=PauseCollection(behavior="void")))
    assert kinds(paused, Bucket.FAILED_PAYMENT)[0] == "resume_collection"
    trialing = ToolboxWorld(trial(), coupons=(SORRY, EURO))
    assert kinds(trialing, Bucket.PRODUCT_FAILURE)[:2] == ["extend_trial", "account_credit"]
    assert "apply_coupon" in kinds(trialing, Bucket.PRODUCT_FAILURE)


def test_forms_ask_the_choices_and_the_subscription_only_when_several_fit() -> None:
    world = ToolboxWorld(pro("sub_A0000001"), pro("sub_B0000002"), coupons=(SORRY, EURO))
    snapshot = world.snapshot("cus_Jane0001")
    pause = form_of(ActionKind.PAUSE_COLLECTION, "sub_A0000001", snapshot)
    assert [(f.name, f.kind) for f in pause.fields] == [
        ("target", FieldKind.SELECT),
        ("resumes_on", FieldKind.DATE),
        ("behavior", FieldKind.SELECT),
    ]
    assert (
        pause.fields[0].choices[0].label == "Pro (monthly) · $20.00 · period ends 2026-12-05 · sub_A0000001"
    )
    assert pause.fields[1].initial == "2026-12-20"
    coupon = form_of(ActionKind.APPLY_COUPON, "sub_A0000001", snapshot)
    assert [choice.value for choice in coupon.fields[-1].choices] == ["SORRY25"]  # the EUR one does not fit
    single = ToolboxWorld(pro(cancel_at_period_end=True)).snapshot("cus_Jane0001")
    assert definition(ActionKind.UNDO_CANCELLATION).form("sub_Pro00001", single) is None


def form_of(kind: ActionKind, target: str, snapshot: CustomerSnapshot) -> Form:
    form = definition(kind).form(target, snapshot)
    assert form is not None
    return form


# --- the exact effect, before any Confirm ----------------------------------------------------------------


def test_pause_plan_names_the_invoices_it_holds_back_and_their_value() -> None:
    snapshot = ToolboxWorld(pro()).snapshot("cus_Jane0001")
    plan = plan_action(
        ActionKind.PAUSE_COLLECTION,
        "sub_Pro00001",
        snapshot,
        choices={"resumes_on": "2027-01-01", "behavior": "void"},
    )
    assert plan.summary == (
        "Pause collection on sub_Pro00001 until 2027-01-01 (void)? The subscription stays active; the invoice(s) "
        "Stripe makes meanwhile (2026-12-05 $20.00) are voided (never collected). Collection resumes on its own "
        "on 2027-01-01."
    )
    assert plan.steps[0].params == {"behavior": "void", "resumes_at": 1798761600}
    assert plan.impact == Money(amount=2000, currency="usd")
    short = plan_action(
        ActionKind.PAUSE_COLLECTION,
        "sub_Pro00001",
        snapshot,
        choices={"resumes_on": "2026-12-01", "behavior": "void"},
    )
    assert short.impact is None and "no invoice falls before 2026-12-01" in short.summary


@pytest.mark.parametrize(
    ("choices", "refusal"),
    [
        ({"resumes_on": "2026-11-01", "behavior": "void"}, "Collection must resume after today (2026-11-20)"),
        ({"resumes_on": "someday", "behavior": "void"}, "'someday' is not a date"),
        ({"resumes_on": "2027-01-01", "behavior": "forgive"}, "'forgive' is not a pause behavior"),
    ],
)
def test_pause_refuses_choices_that_do_not_fit(choices: dict[str, str], refusal: str) -> None:
    snapshot = ToolboxWorld(pro()).snapshot("cus_Jane0001")
    with pytest.raises(PreconditionFailed, match=re.escape(refusal)):
        plan_action(ActionKind.PAUSE_COLLECTION, "sub_Pro00001", snapshot, choices=choices)


def test_trial_plan_moves_the_first_charge_and_prices_the_free_days() -> None:
    snapshot = ToolboxWorld(trial()).snapshot("cus_Jane0001")
    plan = plan_action(ActionKind.EXTEND_TRIAL, "sub_Trial001", snapshot, choices={"trial_end": "2026-12-11"})
    assert plan.summary == (
        "Extend the trial of sub_Trial001 (Pro) from 2026-11-27 to 2026-12-11 (14 days more, free)? Stripe moves "
        "the trial end and the current period to 2026-12-11, so the first charge, $20.00, is made then; nothing "
        "is charged now."
    )
    assert plan.impact == Money(amount=921, currency="usd")
    with pytest.raises(PreconditionFailed, match="must be after the current one \\(2026-11-27\\)"):
        plan_action(ActionKind.EXTEND_TRIAL, "sub_Trial001", snapshot, choices={"trial_end": "2026-11-27"})


def test_coupon_plan_states_the_discount_and_refuses_a_second_discount() -> None:
    snapshot = ToolboxWorld(pro(), coupons=(SORRY,)).snapshot("cus_Jane0001")
    plan = plan_action(ActionKind.APPLY_COUPON, "sub_Pro00001", snapshot, choices={"coupon": "SORRY25"})
    assert plan.summary == (
        "Apply coupon Sorry (25% off, 3 months) to sub_Pro00001 (Pro)? Stripe takes $5.00 off each $20.00 "
        "invoice on invoices for the next 3 months; nothing is charged or refunded now."
    )
    assert plan.impact == Money(amount=1500, currency="usd")
    discounted = ToolboxWorld(pro(coupon_ids=["OLD"]), coupons=(SORRY,)).snapshot("cus_Jane0001")
    with pytest.raises(PreconditionFailed, match="already has a discount \\(OLD\\)"):
        plan_action(ActionKind.APPLY_COUPON, "sub_Pro00001", discounted, choices={"coupon": "SORRY25"})
    with pytest.raises(PreconditionFailed, match="EURO is not an active coupon"):
        plan_action(ActionKind.APPLY_COUPON, "sub_Pro00001", snapshot, choices={"coupon": "EURO"})


def test_credit_plan_shows_the_balance_before_and_after() -> None:
    snapshot = ToolboxWorld(pro(), balance=-300).snapshot("cus_Jane0001")
    plan = plan_action(
        ActionKind.ACCOUNT_CREDIT, "cus_Jane0001", snapshot, choices={"amount": "12.50", "reason": ""}
    )
    assert plan.summary == (
        "Add $12.50 of account credit to cus_Jane0001 (Goodwill credit)? Balance $3.00 credit → $15.50 credit: "
        "Stripe applies it to the next invoices before charging the card; nothing is refunded to the card."
    )
    assert (plan.amount, plan.currency, plan.impact) == (1250, "usd", Money(amount=1250, currency="usd"))
    with pytest.raises(PreconditionFailed, match="'0' is not an amount in USD; nothing was changed"):
        plan_action(ActionKind.ACCOUNT_CREDIT, "cus_Jane0001", snapshot, choices={"amount": "0"})


def test_undo_needs_a_scheduled_cancellation_and_gives_up_nothing() -> None:
    snapshot = ToolboxWorld(pro(cancel_at_period_end=True)).snapshot("cus_Jane0001")
    plan = plan_action(ActionKind.UNDO_CANCELLATION, "sub_Pro00001", snapshot)
    assert plan.summary == (
        "Undo the scheduled cancellation of sub_Pro00001 (Pro)? It renews on 2026-12-05 and Stripe charges "
        "$20.00 then, as before the cancellation."
    )
    assert plan.impact is None
    with pytest.raises(PreconditionFailed, match="sub_Pro00001 is not set to cancel"):
        plan_action(
            ActionKind.UNDO_CANCELLATION, "sub_Pro00001", ToolboxWorld(pro()).snapshot("cus_Jane0001")
        )


# --- Confirm: re-check, once, and unknown outcomes --------------------------------------------------------


def test_a_cancellation_undone_meanwhile_is_not_sent_again() -> None:
    world = ToolboxWorld(pro(cancel_at_period_end=True))
    case_id = world.case(Bucket.MISSING_SELF_SERVE)
    pending = world.service.request(case_id, ActionKind.UNDO_CANCELLATION, "sub_Pro00001", OPERATOR)
    world.gateway.undo_scheduled_cancellation("sub_Pro00001", idempotency_key="customer-did-it")
    world.gateway.calls.clear()
    with pytest.raises(PreconditionFailed, match="no longer set to cancel; nothing was changed"):
        world.service.confirm(pending.nonce, OPERATOR)
    assert world.writes() == []


def test_a_credit_whose_answer_was_lost_is_found_by_its_nonce_not_credited_twice() -> None:
    world = ToolboxWorld(pro(), gateway=LosesTheFirstCreditsAnswer)
    case_id = world.case(Bucket.PRODUCT_FAILURE)
    pending = world.service.request(
        case_id, ActionKind.ACCOUNT_CREDIT, "cus_Jane0001", OPERATOR, choices={"amount": "10.00"}
    )
    with pytest.raises(StripeUnavailable):
        world.service.confirm(pending.nonce, OPERATOR)
    outcome = world.service.confirm(pending.nonce, OPERATOR)
    [credit] = world.gateway.balance_transactions
    assert outcome.results["credit"] == credit and credit.amount == -1000
    assert world.gateway.get_customer("cus_Jane0001").balance == -1000


def test_a_trial_changed_since_planning_is_refused_at_confirm() -> None:
    world = ToolboxWorld(trial())
    case_id = world.case(Bucket.PRODUCT_FAILURE)
    pending = world.service.request(
        case_id, ActionKind.EXTEND_TRIAL, "sub_Trial001", OPERATOR, choices={"trial_end": "2026-12-11"}
    )
    world.gateway.set_trial_end(
        "sub_Trial001", trial_end=TRIAL_END + timedelta(days=3), idempotency_key="other"
    )
    world.gateway.calls.clear()
    with pytest.raises(
        PreconditionFailed, match="was changed since this was planned \\(it now ends 2026-11-30\\)"
    ):
        world.service.confirm(pending.nonce, OPERATOR)
    assert world.writes() == []


def test_pause_then_handoff_words_and_revenue() -> None:
    world = ToolboxWorld(pro())
    case_id = world.case(Bucket.PRODUCT_FAILURE)
    before = world.snapshot("cus_Jane0001")
    pending = world.service.request(
        case_id,
        ActionKind.PAUSE_COLLECTION,
        "sub_Pro00001",
        OPERATOR,
        choices={"resumes_on": "2027-01-01", "behavior": "keep_as_draft"},
    )
    outcome = world.service.confirm(pending.nonce, OPERATOR)
    handoff = build_handoff(before, world.service.case(case_id), outcome, gaps=[])
    assert handoff.section("ACTION TAKEN").lines[0] == (
        "Paused collection on sub_Pro00001 until 2027-01-01 (behavior keep_as_draft: invoices made meanwhile are "
        "kept as a draft (collect it later, or not))"
    )
    assert (
        handoff.revenue.given_up == [Money(amount=2000, currency="usd")] and handoff.revenue.mrr_change == []
    )
    assert handoff.section("FOLLOW-UP").lines == [
        "Hi Jane, I paused billing for your Pro subscription until January 1, 2027: any invoice made until then "
        "is held and not charged for now. You keep your subscription, and billing resumes automatically on "
        "January 1, 2027."
    ]


def test_a_coupon_deleted_since_planning_is_refused_at_confirm() -> None:
    world = ToolboxWorld(pro(), coupons=(SORRY,))
    case_id = world.case(Bucket.PRODUCT_FAILURE)
    pending = world.service.request(
        case_id, ActionKind.APPLY_COUPON, "sub_Pro00001", OPERATOR, choices={"coupon": "SORRY25"}
    )
    world.gateway.coupons = []
    world.gateway.calls.clear()
    with pytest.raises(PreconditionFailed, match="Coupon SORRY25 was deleted since this was planned"):
        world.service.confirm(pending.nonce, OPERATOR)
    assert world.writes() == []


def test_the_card_shows_paused_collection_and_a_coupon() -> None:
    pause = PauseCollection(behavior="void", resumes_at=datetime(2027, 1, 1, tzinfo=UTC))
    snapshot = ToolboxWorld(pro(pause_collection=pause, coupon_ids=["SORRY25"])).snapshot("cus_Jane0001")
    text = str(customer_card(snapshot, case_id="case_1"))
    assert (
        "• `sub_Pro00001` *Pro* × 1 — $20.00 / month — active — collection paused until 2027-01-01 (void) — "
        "coupon `SORRY25` — renews 2026-12-05"
    ) in text


def test_revenue_lines_say_credit_given_and_billing_given_up() -> None:
    usd = "usd"
    kept = RevenueImpact(mrr_change=[Money(amount=2000, currency=usd)], mrr_change_from=PERIOD_END)
    assert revenue_lines(kept) == ["Refunded: nothing", "MRR change: +$20.00/mo from 2026-12-05"]
    goodwill = RevenueImpact(
        credited=[Money(amount=1500, currency=usd)], given_up=[Money(amount=921, currency=usd)]
    )
    assert revenue_lines(goodwill) == [
        "Refunded: nothing",
        "MRR change: none",
        "Account credit: $15.00",
        "Billing given up: $9.21",
    ]
