"""Plan mix over the demo seed, through the real gateway, against numbers counted by hand from seed.py."""

from __future__ import annotations

from datetime import UTC, datetime

from billing.gateway import StripeGateway
from billing.money import Money
from billing.plans import collect_plan_mix
from billing.sandbox import SandboxServer

# Counted by hand from billing/sandbox/seed.py:
#   Pro $20/mo, active: jane ×2, team (5 seats), nora, pat, shared, dana (disputed, still active), octo
#     -> 8 subscriptions, 12 seats, 12 × $20 = $240/mo. (sam is past_due, ines incomplete: not active.)
#   Pro Annual $200/yr: yuki -> 1 subscription, $200 / 12 = $16.67/mo.
#   Pro JP ¥3,000/mo: kenji -> 1 subscription, ¥3,000/mo.
#   Seats: quantity 1 on 9 subscriptions, 5 on team's.
#   Team-seat confusion: jane holds two Pro subscriptions.
USD_MONTHLY = Money(amount=240_00, currency="usd")
USD_YEARLY = Money(amount=16_67, currency="usd")
JPY_MONTHLY = Money(amount=3000, currency="jpy")


def test_plan_mix_of_the_demo_seed_matches_the_hand_count(demo_sandbox: SandboxServer) -> None:
    gateway = StripeGateway(demo_sandbox.api_key, api_base=demo_sandbox.base_url, max_retries=0)
    mix = collect_plan_mix(gateway, now=datetime.now(UTC))

    assert mix.active_subscriptions == 10
    assert mix.mrr == {"usd": USD_MONTHLY + USD_YEARLY, "jpy": JPY_MONTHLY}
    assert [(line.product_name, line.subscriptions, line.seats, line.mrr) for line in mix.prices] == [
        ("Pro JP", 1, 1, JPY_MONTHLY),
        ("Pro", 8, 12, USD_MONTHLY),
        ("Pro Annual", 1, 1, USD_YEARLY),
    ]
    assert [(share.currency, share.interval, share.subscriptions, share.mrr) for share in mix.intervals] == [
        ("jpy", "month", 1, JPY_MONTHLY),
        ("usd", "month", 8, USD_MONTHLY),
        ("usd", "year", 1, USD_YEARLY),
    ]
    assert mix.seats == {"1": 9, "2–4": 0, "5–9": 1, "10–24": 0, "25+": 0}
    assert mix.upgrades == []
    [confusion] = mix.seat_confusion
    [jane] = gateway.find_customers_by_email("jane@example.com")
    assert (confusion.customer_id, confusion.customer_name, confusion.product_name) == (
        jane.id,
        "Jane Doe",
        "Pro",
    )
    assert len(confusion.subscription_ids) == 2
    gateway.close()
