from __future__ import annotations

from datetime import timedelta

from billing.money import Money
from billing.plans import collect_plan_mix, seat_bucket
from messages.reports import bar, plans_blocks, plans_text
from tests.unit.test_digest_support import (
    NOW,
    FakeGateway,
    customer,
    event,
    price,
    raw_subscription,
    subscription,
)

MONTHLY = price("price_m", amount=2000)
YEARLY = price("price_y", amount=20000, interval="year")
YEN = price("price_jp", product="prod_jp", product_name="Pro JP", amount=3000, currency="jpy")


def account() -> FakeGateway:
    jane, acme, yuki, kenji = (
        customer("cus_jane", "Jane"),
        customer("cus_acme", "Acme"),
        customer("cus_yuki"),
        customer("cus_k"),
    )
    subs = [
        (subscription("sub_j1", "cus_jane", plan=MONTHLY), jane),
        (subscription("sub_j2", "cus_jane", plan=MONTHLY), jane),
        (subscription("sub_acme", "cus_acme", plan=MONTHLY, quantity=5), acme),
        (subscription("sub_yuki", "cus_yuki", plan=YEARLY), yuki),
        (subscription("sub_kenji", "cus_k", plan=YEN), kenji),
        (subscription("sub_late", "cus_k", plan=MONTHLY, status="past_due"), kenji),
    ]
    upgraded = subscription("sub_yuki", "cus_yuki", plan=YEARLY)
    before = raw_subscription(subscription("sub_yuki", "cus_yuki", plan=MONTHLY))["items"]
    events = [
        event("evt_up", "customer.subscription.updated", raw_subscription(upgraded), at=NOW - timedelta(days=3),
              previous={"items": before}),
        event("evt_qty", "customer.subscription.updated", raw_subscription(upgraded), at=NOW - timedelta(days=2),
              previous={"quantity": 1}),
    ]  # fmt: skip
    return FakeGateway(subs, events=events)


def test_plan_mix_counts_by_price_interval_and_seats() -> None:
    mix = collect_plan_mix(account(), now=NOW)
    assert mix.active_subscriptions == 5  # past_due is not counted as active
    assert mix.mrr == {"jpy": Money(amount=3000, currency="jpy"), "usd": Money(amount=15667, currency="usd")}
    assert [(p.price_id, p.subscriptions, p.seats, p.mrr.amount) for p in mix.prices] == [
        ("price_jp", 1, 1, 3000),
        ("price_m", 3, 7, 14000),
        ("price_y", 1, 1, 1667),
    ]
    assert [(s.currency, s.interval, s.subscriptions, s.mrr.amount) for s in mix.intervals] == [
        ("jpy", "month", 1, 3000),
        ("usd", "month", 3, 14000),
        ("usd", "year", 1, 1667),
    ]
    assert mix.seats == {"1": 4, "2–4": 0, "5–9": 1, "10–24": 0, "25+": 0}


def test_upgrades_and_team_seat_confusion() -> None:
    mix = collect_plan_mix(account(), now=NOW)
    assert [(u.subscription_id, u.from_price, u.to_price) for u in mix.upgrades] == [
        ("sub_yuki", "price_m", "price_y")
    ]
    assert [(c.customer_id, c.product_name, c.subscription_ids) for c in mix.seat_confusion] == [
        ("cus_jane", "Pro", ["sub_j1", "sub_j2"])
    ]


def test_only_active_subscriptions_are_listed_and_upgrades_from_30_days_of_events() -> None:
    gateway = account()
    collect_plan_mix(gateway, now=NOW)
    assert gateway.calls == [
        ("events", ("customer.subscription.updated",)),
        ("events", ("customer.subscription.deleted",)),
        ("subscriptions", "active"),
    ]


def test_bars_and_seat_buckets() -> None:
    assert bar(0.8) == "████████░░  80%"
    assert bar(0) == "░░░░░░░░░░   0%"
    assert bar(1) == "██████████ 100%"
    assert [seat_bucket(q) for q in (1, 2, 4, 5, 10, 30)] == ["1", "2–4", "2–4", "5–9", "10–24", "25+"]


def test_a_monthly_cancelled_then_yearly_days_later_is_an_upgrade_in_the_plans_text() -> None:
    gateway = account()
    sam = customer("cus_sam", "Sam")
    gateway.subscriptions.append(
        (subscription("sub_sam_y", "cus_sam", plan=YEARLY, created=NOW - timedelta(days=1)), sam)
    )
    ended = subscription("sub_sam_m", "cus_sam", plan=MONTHLY, status="canceled")
    ended_at = int((NOW - timedelta(days=4)).timestamp())
    gateway.events.append(
        event("evt_del", "customer.subscription.deleted", raw_subscription(ended, ended_at=ended_at),
              at=NOW - timedelta(days=4))
    )  # fmt: skip
    lines = plans_text(collect_plan_mix(gateway, now=NOW)).splitlines()
    upgrades = lines[lines.index("Monthly → yearly upgrades, last 30 days (2)") :][:3]
    assert upgrades == [
        "Monthly → yearly upgrades, last 30 days (2)",
        "  2026-03-27 cus_yuki sub_yuki: price_m → price_y",
        "  2026-03-29 cus_sam sub_sam_y: price_m → price_y (switched from sub_sam_m)",
    ]


def test_plans_text_shows_shares_per_currency() -> None:
    text = plans_text(collect_plan_mix(account(), now=NOW))
    assert "  month   subs ████████░░  75% (3) · MRR █████████░  89% ($140.00/mo)" in text.splitlines()
    assert "  year    subs ██░░░░░░░░  25% (1) · MRR █░░░░░░░░░  11% ($16.67/mo)" in text.splitlines()
    assert "Monthly vs yearly (JPY)" in text
    assert "  Jane cus_jane: 2 subscriptions to Pro (sub_j1, sub_j2)" in text.splitlines()


def test_plans_blocks_put_each_part_in_a_code_block() -> None:
    blocks = [b.to_dict() for b in plans_blocks(collect_plan_mix(account(), now=NOW))]
    assert blocks[0] == {
        "type": "header",
        "text": {"type": "plain_text", "text": "Plan mix · 2026-03-30", "emoji": True},
    }
    assert blocks[1]["text"]["text"] == "*Summary*\n```5 active subscriptions · MRR ¥3,000/mo · $156.67/mo```"
    assert len(blocks) == 8
