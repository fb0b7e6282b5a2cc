"""Acting on the object the case is about (issue 10): signed Slack requests -> real Bolt app -> sandbox.

What Stripe holds afterwards is read back from the sandbox with stripe-python, never from the bot's view.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
import stripe

from billing.clock import FixedClock
from billing.sandbox import SandboxServer
from tests.e2e.buttons import ActionId
from tests.e2e.test_actions_slack import (
    bot_for,
    button_texts,
    charge_of,
    classify,
    click_and_wait,
    look_up,
    refunds,
    stripe_writes,
)

REPETITIONS = 20


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(datetime.now(UTC))


def pro_price(client: stripe.StripeClient) -> stripe.Price:
    return next(
        price for price in client.v1.prices.list(params={"limit": 100}).data if price.nickname == "Pro"
    )


def customer_on_a_frozen_clock(client: stripe.StripeClient, email: str) -> stripe.Customer:
    """Every object made for this customer carries the clock's one frozen second as `created`."""
    frozen = int(client.v1.customers.list(params={"limit": 1}).data[0].created)
    clock = client.v1.test_helpers.test_clocks.create(params={"frozen_time": frozen})
    return client.v1.customers.create(
        params={
            "email": email,
            "name": email.split("@")[0],
            "test_clock": clock.id,
            "payment_method": "pm_card_visa",
            "invoice_settings": {"default_payment_method": "pm_card_visa"},
        }
    )


def subscribe(client: stripe.StripeClient, customer: stripe.Customer, price_id: str) -> stripe.Subscription:
    return client.v1.subscriptions.create(params={"customer": customer.id, "items": [{"price": price_id}]})


def test_same_second_duplicates_cancel_and_refund_the_newer_one_every_time(
    demo_sandbox: SandboxServer, demo_stripe_client: stripe.StripeClient, tmp_path: Path, clock: FixedClock
) -> None:
    price = pro_price(demo_stripe_client)
    pairs = []
    for n in range(REPETITIONS):
        customer = customer_on_a_frozen_clock(demo_stripe_client, f"double.click{n}@example.com")
        original = subscribe(demo_stripe_client, customer, price.id)
        newer = subscribe(demo_stripe_client, customer, price.id)
        assert original.created == newer.created  # one second: only Stripe's own order tells them apart
        pairs.append((str(customer.email), original, newer))
    with bot_for(demo_sandbox, tmp_path / "bot.db", clock) as bot:
        for email, original, newer in pairs:
            card = look_up(bot, email)
            assert (
                f"original {original.id} paid by Visa •••• 4242; duplicate {newer.id} paid by Visa •••• 4242"
                in str(card.args["blocks"])
            )
            options = click_and_wait(bot, card, ActionId.CLASSIFY, bucket="duplicate")
            prompt = click_and_wait(bot, options, ActionId.CANCEL_DUPLICATE)
            newer_charge = charge_of(demo_stripe_client, newer)
            assert f"Refund $20.00 of {newer_charge} to Visa •••• 4242 and cancel {newer.id} now?" in str(
                prompt.args["blocks"]
            )
            demo_sandbox.clear_log()
            click_and_wait(bot, prompt, ActionId.CONFIRM)
            bot.wait_idle()
            assert stripe_writes(demo_sandbox) == [f"DELETE /v1/subscriptions/{newer.id}", "POST /v1/refunds"]
            statuses = {
                sub.id: sub.status
                for sub in demo_stripe_client.v1.subscriptions.list(
                    params={"customer": str(original.customer), "status": "all"}
                ).data
            }
            assert statuses == {original.id: "active", newer.id: "canceled"}
            [refund] = refunds(demo_stripe_client, email)
            assert (refund.charge, refund.amount) == (newer_charge, 2000)


def test_monthly_and_yearly_of_one_product_are_an_overlap_and_the_yearly_is_never_cancelled(
    demo_sandbox: SandboxServer, demo_stripe_client: stripe.StripeClient, tmp_path: Path, clock: FixedClock
) -> None:
    monthly_price = pro_price(demo_stripe_client)
    yearly_price = demo_stripe_client.v1.prices.create(
        params={
            "product": str(monthly_price.product),
            "currency": "usd",
            "unit_amount": 12000,
            "recurring": {"interval": "year"},
        }
    )
    customer = customer_on_a_frozen_clock(demo_stripe_client, "switcher@example.com")
    monthly = subscribe(demo_stripe_client, customer, monthly_price.id)
    yearly = subscribe(demo_stripe_client, customer, yearly_price.id)
    with bot_for(demo_sandbox, tmp_path / "bot.db", clock) as bot:
        card = look_up(bot, "switcher@example.com")
        text = str(card.args["blocks"])
        assert "An overlap, usually a switch of plan, not a duplicate" in text
        assert f"{monthly.id} monthly paid by Visa •••• 4242, then {yearly.id} yearly" in text
        assert "*duplicate*" not in text and "*overlap*" in text
        options = classify(bot, "switcher@example.com", "duplicate")
        assert "Cancel duplicate now + refund" not in button_texts(options)
    assert stripe_writes(demo_sandbox)[-1].startswith("POST /v1/subscriptions")  # the bot wrote nothing
