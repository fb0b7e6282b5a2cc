from __future__ import annotations

from datetime import timedelta

from billing.digest import DigestBuilder, collect_digest
from billing.digest_models import DigestTotals, RiskSection
from billing.models import Dispute
from billing.money import Money
from tests.unit.test_digest_support import (
    NOW,
    FakeGateway,
    card,
    customer,
    event,
    price,
    same_product_rule,
    subscription,
)

YEN = price("price_jp", product="prod_pro", amount=3000, currency="jpy")
ANNUAL = price("price_annual", amount=20000, interval="year")


def risky_account() -> FakeGateway:
    ada, bob, kenji = customer("cus_ada", "Ada"), customer("cus_bob", "Bob"), customer("cus_kenji", "Kenji")
    trial, leaving = customer("cus_trial", "Tess"), customer("cus_leave", "Leo")
    expiring = customer("cus_exp", "Eve", card=card(exp_month=3, exp_year=2026))
    jane, dana, ines = (
        customer("cus_jane", "Jane"),
        customer("cus_dana", "Dana"),
        customer("cus_ines", "Ines"),
    )
    healthy = customer("cus_ok", "Olive", card=card())
    churned_sub = subscription(
        "sub_gone",
        "cus_bob",
        status="canceled",
        plan=ANNUAL,
        ended_at=NOW - timedelta(hours=5),
        cancellation_reason="cancellation_requested",
        cancellation_feedback="unused",
    )
    subs = [
        (subscription("sub_ada", "cus_ada", status="past_due", quantity=5), ada),
        (subscription("sub_kenji", "cus_kenji", status="past_due", plan=YEN), kenji),
        (subscription("sub_bob", "cus_bob", status="unpaid"), bob),
        (subscription("sub_trial", "cus_trial", status="trialing", trial_end=NOW + timedelta(days=2)), trial),
        (
            subscription(
                "sub_leave",
                "cus_leave",
                cancel_at_period_end=True,
                period_end=NOW + timedelta(days=5),
                cancellation_feedback="too_expensive",
                cancellation_comment="<b>pricey</b>",
            ),
            leaving,
        ),
        (subscription("sub_exp", "cus_exp", period_end=NOW + timedelta(days=10)), expiring),
        (subscription("sub_jane1", "cus_jane", created=NOW - timedelta(days=9)), jane),
        (subscription("sub_jane2", "cus_jane", created=NOW - timedelta(days=8)), jane),
        (subscription("sub_ines", "cus_ines", status="incomplete", created=NOW - timedelta(hours=3)), ines),
        (
            subscription("sub_old_inc", "cus_ines", status="incomplete", created=NOW - timedelta(hours=30)),
            ines,
        ),
        (subscription("sub_ok", "cus_ok"), healthy),
        (subscription("sub_dana", "cus_dana"), dana),
        (churned_sub, bob),
    ]
    events = [
        event(
            "evt_fail",
            "invoice.payment_failed",
            {
                "id": "in_ok",
                "customer": "cus_ok",
                "subscription": "sub_ok",
                "amount_remaining": 2000,
                "currency": "usd",
                "attempt_count": 1,
            },
            at=NOW - timedelta(hours=2),
        ),  # fmt: skip
    ]
    disputes = [
        Dispute(id="dp_1", charge_id="ch_dana", customer_id="cus_dana", amount=4900, currency="usd",
                status="needs_response", reason="fraudulent", created=NOW - timedelta(days=3)),
        Dispute(id="dp_won", charge_id="ch_x", amount=100, currency="usd", status="won", created=NOW - timedelta(days=3)),
    ]  # fmt: skip
    return FakeGateway(subs, events=events, disputes=disputes)


def build(gateway: FakeGateway, previous: DigestTotals | None = None):
    return collect_digest(
        gateway, now=NOW, since=NOW - timedelta(days=1), duplicate_rule=same_product_rule, previous=previous
    )


def ids(digest, section: RiskSection) -> list[str]:
    return [row.object_id for row in digest.section(section)]


def test_every_risk_signal_lands_in_its_section_ranked_by_money_at_stake() -> None:
    digest = build(risky_account())
    # USD before JPY (main currency first), biggest first within a currency; an active sub whose
    # invoice just failed counts as a failed renewal too.
    assert ids(digest, RiskSection.FAILED_RENEWAL) == ["sub_ada", "sub_bob", "sub_ok", "sub_kenji"]
    assert ids(digest, RiskSection.INCOMPLETE_CHECKOUT) == ["sub_ines"]
    assert ids(digest, RiskSection.SCHEDULED_CANCELLATION) == ["sub_leave"]
    assert ids(digest, RiskSection.TRIAL_ENDING) == ["sub_trial"]
    assert ids(digest, RiskSection.CARD_EXPIRING) == ["sub_exp"]
    assert ids(digest, RiskSection.OPEN_DISPUTE) == ["dp_1"]
    assert ids(digest, RiskSection.DUPLICATE) == ["sub_jane2"]
    assert ids(digest, RiskSection.CHURNED) == ["sub_gone"]


def test_rows_carry_customer_names_money_and_detail() -> None:
    digest = build(risky_account())
    ada = digest.section(RiskSection.FAILED_RENEWAL)[0]
    assert (ada.customer_name, ada.at_stake) == ("Ada", Money(amount=10000, currency="usd"))
    leave = digest.section(RiskSection.SCHEDULED_CANCELLATION)[0]
    assert leave.detail == "ends 2026-04-04 · too_expensive · “<b>pricey</b>”"
    churn = digest.section(RiskSection.CHURNED)[0]
    # The churned customer's name comes with the listed ended subscription (customer expanded).
    assert (churn.customer_name, churn.at_stake.amount, churn.detail) == (
        "Bob",
        round(20000 / 12),
        "unused · cancellation_requested",
    )
    dispute = digest.section(RiskSection.OPEN_DISPUTE)[0]
    assert (dispute.customer_id, dispute.customer_name, dispute.detail) == (
        "cus_dana",
        "Dana",
        "needs response · fraudulent",
    )


def test_totals_are_per_currency_and_count_each_subscription_once() -> None:
    digest = build(risky_account())
    # USD at risk: ada 100 + bob 20 + ok 20 + ines 20 + leave 20 + trial 20 + exp 20 + jane2 20 = 240
    assert digest.totals.at_risk == {
        "jpy": Money(amount=3000, currency="jpy"),
        "usd": Money(amount=24000, currency="usd"),
    }
    assert digest.totals.churned == {"usd": Money(amount=1667, currency="usd")}
    assert digest.totals.disputed == {"usd": Money(amount=4900, currency="usd")}
    assert digest.totals.customers == 10


def test_change_since_previous_digest_per_currency() -> None:
    previous = DigestTotals(
        at_risk={"usd": Money(amount=30000, currency="usd"), "eur": Money(amount=500, currency="eur")}
    )
    change = build(risky_account(), previous).change()
    assert change == {
        "eur": Money(amount=-500, currency="eur"),
        "jpy": Money(amount=3000, currency="jpy"),
        "usd": Money(amount=-6000, currency="usd"),
    }


def test_listing_is_by_status_with_created_bounds_and_no_request_per_dispute() -> None:
    gateway = risky_account()
    build(gateway)
    assert gateway.calls == [
        ("events", ("invoice.payment_failed",)),
        ("disputes", None),
        ("ended subscriptions", None),
        ("subscriptions", "active"),
        ("subscriptions", "trialing"),
        ("subscriptions", "past_due"),
        ("subscriptions", "unpaid"),
        ("subscriptions", "paused"),
        ("subscriptions", "incomplete"),
        ("subscriptions", "incomplete_expired"),
    ]


def test_incomplete_expired_only_since_the_last_digest() -> None:
    ines = customer("cus_ines", "Ines")
    recent = subscription(
        "sub_new", "cus_ines", status="incomplete_expired", created=NOW - timedelta(hours=30)
    )
    older = subscription(
        "sub_old", "cus_ines", status="incomplete_expired", created=NOW - timedelta(hours=60)
    )
    digest = build(FakeGateway([(recent, ines), (older, ines)]))
    assert ids(digest, RiskSection.INCOMPLETE_CHECKOUT) == ["sub_new"]
    assert digest.section(RiskSection.INCOMPLETE_CHECKOUT)[0].detail == "expired"


def test_far_cancellations_trials_with_cards_and_valid_cards_are_not_risks() -> None:
    cust = customer("cus_a", "A", card=card())
    subs = [
        (subscription("sub_far", "cus_a", cancel_at=NOW + timedelta(days=20)), cust),
        (
            subscription(
                "sub_t",
                "cus_a",
                status="trialing",
                trial_end=NOW + timedelta(days=1),
                plan=price(product="prod_b"),
            ),
            cust,
        ),
    ]
    digest = build(FakeGateway(subs))
    assert digest.quiet
    assert digest.totals == DigestTotals()


def test_churn_before_the_last_digest_is_not_repeated() -> None:
    old = subscription("sub_old", "cus_x", status="canceled", ended_at=NOW - timedelta(days=2))
    assert build(FakeGateway([(old, customer("cus_x", "Xena"))])).quiet


def test_a_cancellation_then_a_new_plan_of_the_product_within_days_is_a_switch_reported_once() -> None:
    sam = customer("cus_sam", "Sam")
    monthly = subscription(
        "sub_month", "cus_sam", status="canceled", quantity=2, ended_at=NOW - timedelta(days=3)
    )
    yearly = subscription("sub_year", "cus_sam", plan=ANNUAL, created=NOW - timedelta(hours=2))
    digest = build(FakeGateway([(monthly, sam), (yearly, sam)]))
    [row] = digest.section(RiskSection.CHURNED)
    assert (row.object_id, row.customer_name, row.switch, row.detail) == (
        "sub_month",
        "Sam",
        True,
        "switched from $40.00/mo monthly (2 seats) to $200.00/yr yearly",
    )
    assert digest.totals.churned == {}
    # The next day's digest does not repeat it.
    next_day = collect_digest(
        FakeGateway([(monthly, sam), (yearly, sam)]), now=NOW + timedelta(days=1), since=NOW
    )
    assert next_day.section(RiskSection.CHURNED) == []


def test_a_new_subscription_of_another_product_leaves_the_churn_as_churn_named() -> None:
    sam = customer("cus_sam", "Sam")
    monthly = subscription("sub_month", "cus_sam", status="canceled", ended_at=NOW - timedelta(hours=3))
    other = subscription("sub_other", "cus_sam", plan=price("price_b", product="prod_b"))
    digest = build(FakeGateway([(monthly, sam), (other, sam)]))
    [row] = digest.section(RiskSection.CHURNED)
    assert (row.customer_name, row.switch, row.detail) == ("Sam", False, "no reason given")
    assert digest.totals.churned == {"usd": Money(amount=2000, currency="usd")}


def test_failed_invoice_without_a_live_subscription_is_listed_by_its_amount() -> None:
    failed = event(
        "evt",
        "invoice.payment_failed",
        {"id": "in_x", "customer": "cus_x", "amount_remaining": 999, "currency": "eur", "attempt_count": 2,
         "parent": {"subscription_details": {"subscription": "sub_gone"}}},
        at=NOW - timedelta(hours=1),
    )  # fmt: skip
    digest = build(FakeGateway(events=[failed]))
    row = digest.section(RiskSection.FAILED_RENEWAL)[0]
    assert (row.object_id, row.customer_id, row.at_stake) == (
        "in_x",
        "cus_x",
        Money(amount=999, currency="eur"),
    )
    assert digest.totals.at_risk == {"eur": Money(amount=999, currency="eur")}


def test_the_default_duplicate_rule_is_the_cards() -> None:
    jane = customer("cus_jane", "Jane")
    subs = [
        (subscription("sub_j1", "cus_jane", created=NOW - timedelta(days=9)), jane),
        (subscription("sub_j2", "cus_jane", created=NOW - timedelta(days=9, hours=-1)), jane),
        (subscription("sub_team", "cus_jane", quantity=5, created=NOW - timedelta(days=9)), jane),
    ]
    digest = collect_digest(FakeGateway(subs), now=NOW, since=NOW - timedelta(days=1))
    assert ids(digest, RiskSection.DUPLICATE) == ["sub_j2"]
    assert digest.section(RiskSection.DUPLICATE)[0].detail == "duplicates sub_j1"


def test_a_deleted_customers_ended_subscription_is_still_churn_by_id() -> None:
    builder = DigestBuilder(now=NOW, since=NOW - timedelta(days=1), duplicate_rule=same_product_rule)
    builder.add_churn(
        subscription("sub_x", "cus_gone", status="canceled", ended_at=NOW - timedelta(hours=1)), None
    )
    [row] = builder.build().section(RiskSection.CHURNED)
    assert (row.customer_id, row.customer_name, row.at_stake) == (
        "cus_gone",
        None,
        Money(amount=2000, currency="usd"),
    )


def test_same_second_duplicates_keep_the_one_stripe_created_first() -> None:
    # Stripe lists newest first; within one second only that order tells the original from the duplicate.
    jane = customer("cus_jane", "Jane")
    created = NOW - timedelta(days=2)
    subs = [
        (subscription("sub_aaa_newer", "cus_jane", created=created), jane),
        (subscription("sub_zzz_original", "cus_jane", created=created), jane),
    ]
    digest = collect_digest(FakeGateway(subs), now=NOW, since=NOW - timedelta(days=1))
    assert ids(digest, RiskSection.DUPLICATE) == ["sub_aaa_newer"]
    assert digest.section(RiskSection.DUPLICATE)[0].detail == "duplicates sub_zzz_original"
