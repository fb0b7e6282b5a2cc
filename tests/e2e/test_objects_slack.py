"""Acting on the object the case is about (issue 10): signed Slack requests -> real Bolt app -> sandbox.

What Stripe holds afterwards is read back from the sandbox with stripe-python, never from the bot's view.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
import stripe

from billing.clock import FixedClock
from billing.gateway import StripeGateway
from billing.models import BillingRecords, Charge, Customer
from billing.sandbox import SandboxServer
from tests.e2e.buttons import ActionId
from tests.e2e.forms import through_form
from tests.e2e.test_actions_slack import (
    answers,
    bot_for,
    button_texts,
    charge_of,
    classify,
    click_and_wait,
    look_up,
    refunds,
    stripe_writes,
    submit_refund,
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
            prompt = through_form(bot, bot.standin, options, ActionId.CANCEL_DUPLICATE)
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


def test_a_disputed_charge_is_offered_no_refund_and_the_respond_by_date_is_on_card_and_handoff(
    demo_sandbox: SandboxServer, demo_stripe_client: stripe.StripeClient, tmp_path: Path, clock: FixedClock
) -> None:
    [dispute] = demo_stripe_client.v1.disputes.list().data
    assert dispute.evidence_details is not None and dispute.evidence_details.due_by is not None
    due_by = datetime.fromtimestamp(dispute.evidence_details.due_by, UTC).strftime("%Y-%m-%d")
    link = f"https://dashboard.stripe.com/test/disputes/{dispute.id}"
    with bot_for(demo_sandbox, tmp_path / "bot.db", clock) as bot:
        card = look_up(bot, "dana@example.com")
        text = str(card.args["blocks"])
        assert f"Open dispute for $20.00 (fraudulent), status needs response, respond by {due_by}" in text
        assert link in text
        options = click_and_wait(bot, card, ActionId.CLASSIFY, bucket="product_failure")
        assert "Refund charge…" not in button_texts(options)
        assert button_texts(options) == [
            "Pause collection…",
            "Add account credit…",
            "Cancel at period end",
            "No action",
            "Accept dispute (lose the money)",
            "Record a product gap…",
            "Reclassify",
        ]
        click_and_wait(bot, options, ActionId.NO_ACTION)
        [handoff] = bot.standin.wait_for("chat.postMessage", count=2)[1:]
    handoff_text = handoff.args["text"]
    billing_state = handoff_text.split("BILLING STATE\n")[1].split("\n\n")[0]
    assert f"status needs response, respond by {due_by}" in billing_state
    assert link in billing_state
    assert not refunds(demo_stripe_client, "dana@example.com")


class MissesDisputes(StripeGateway):
    """The real gateway, but blind to disputes (as if Stripe's dispute landed after the bot read the charge):
    the refund reaches Stripe, which refuses it."""

    def __init__(self, sandbox: SandboxServer) -> None:
        super().__init__(sandbox.api_key, api_base=sandbox.base_url, max_retries=0, timeout_seconds=5)

    def load_billing_records(self, customer: Customer) -> BillingRecords:
        records = super().load_billing_records(customer)
        charges = [charge.model_copy(update={"disputed": False}) for charge in records.charges]
        return records.model_copy(update={"charges": charges, "disputes": []})

    def get_charge(self, charge_id: str) -> Charge:
        return super().get_charge(charge_id).model_copy(update={"disputed": False})


def test_stripe_refusing_a_refund_of_a_charged_back_charge_is_said_as_final_never_retry(
    demo_sandbox: SandboxServer, demo_stripe_client: stripe.StripeClient, tmp_path: Path, clock: FixedClock
) -> None:
    gateway = MissesDisputes(demo_sandbox)
    with bot_for(demo_sandbox, tmp_path / "bot.db", clock, gateway=gateway) as bot:
        prompt = submit_refund(bot, classify(bot, "dana@example.com", "product_failure"), "20.00")
        demo_sandbox.clear_log()
        assert bot.click(prompt, ActionId.CONFIRM).status_code == 200
        bot.wait_idle()
        told = answers(bot)
    assert stripe_writes(demo_sandbox) == ["POST /v1/refunds"]  # sent once, refused
    assert not refunds(demo_stripe_client, "dana@example.com")
    [refusal] = [text for text in told if "charged back" in text]
    assert "retrying cannot change that" in refusal
    assert not any("Confirm again" in text for text in told), told
