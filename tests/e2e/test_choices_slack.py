"""The operator chooses the object an action acts on (issue 10): which duplicate or overlapping plan ends, which
charge is refunded and how much, which subscription or invoice; and what a half-finished action changed.

Signed Slack requests -> real Bolt app -> sandbox; what Stripe holds afterwards is read back with
stripe-python, never from the bot's view.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import stripe

from billing.clock import FixedClock
from billing.sandbox import SandboxServer
from billing.store import Store
from bot.slack_standin import Call
from tests.e2e.buttons import ActionId
from tests.e2e.forms import input_blocks, open_form, select_labels, submit_form
from tests.e2e.slack_harness import SlackHarness
from tests.e2e.test_actions_slack import (
    answers,
    bot_for,
    charge_of,
    classify,
    click_and_wait,
    confirm_and_wait,
    handoffs,
    refunds,
    stripe_writes,
)
from tests.e2e.test_objects_slack import (
    MissesDisputes,
    customer_on_a_frozen_clock,
    pro_price,
    subscribe,
)


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(datetime.now(UTC))


DAY = 24 * 3600


def statuses(client: stripe.StripeClient, customer_id: str) -> dict[str, str]:
    listed = client.v1.subscriptions.list(params={"customer": customer_id, "status": "all"}).data
    return {sub.id: str(sub.status) for sub in listed}


# --- a final refusal between the cancel and the refund ------------------------------------------------


def test_a_final_refusal_after_the_cancel_reports_the_cancel_as_done_and_the_refund_as_not_done(
    demo_sandbox: SandboxServer, demo_stripe_client: stripe.StripeClient, tmp_path: Path, clock: FixedClock
) -> None:
    customer = customer_on_a_frozen_clock(demo_stripe_client, "half.done@example.com")
    original = subscribe(demo_stripe_client, customer, pro_price(demo_stripe_client).id)
    disputing = demo_stripe_client.v1.payment_methods.attach(
        "pm_card_createDispute", params={"customer": customer.id}
    )
    newer = demo_stripe_client.v1.subscriptions.create(
        params={
            "customer": customer.id,
            "items": [{"price": pro_price(demo_stripe_client).id}],
            "default_payment_method": disputing.id,
        }
    )
    db = tmp_path / "bot.db"
    with bot_for(demo_sandbox, db, clock, gateway=MissesDisputes(demo_sandbox)) as bot:
        options = classify(bot, "half.done@example.com", "duplicate")
        _, prompt = choose(bot, options, ActionId.CANCEL_DUPLICATE)
        assert f"and cancel {newer.id} now?" in prompt_text(prompt)
        demo_sandbox.clear_log()
        final = click_and_wait(bot, prompt, ActionId.CONFIRM)
        bot.wait_idle()
        told = answers(bot)
        [handoff] = handoffs(bot)
    assert stripe_writes(demo_sandbox) == [f"DELETE /v1/subscriptions/{newer.id}", "POST /v1/refunds"]
    assert statuses(demo_stripe_client, customer.id) == {original.id: "active", newer.id: "canceled"}
    assert not refunds(demo_stripe_client, "half.done@example.com")
    [partly] = [text for text in told if "Not done" in text]
    assert partly.startswith(f":warning: Partly done: cancelled `{newer.id}`. Not done: the refund of `ch_")
    assert "charged back" in partly and "nothing was changed" not in partly.lower()
    assert "*PARTLY DONE* · Cancelled" in str(final.args["blocks"])
    action_taken = handoff.args["text"].split("ACTION TAKEN\n")[1].split("\n\n")[0]
    assert f"Cancelled {newer.id} now (status canceled)" in action_taken
    assert "Not done: refund of ch_" in action_taken
    store = Store(db)
    [row] = [row for row in store.audit_rows() if row["event"] == "action_partly_done"]
    assert row["outcome"] == "partial" and newer.id in str(row["stripe_ids"])
    [pending] = store.db.execute("select status, result from pending_actions").fetchall()
    assert pending[0] == "done" and '"cancel"' in pending[1] and '"in_flight": null' in pending[1]


# --- helpers ------------------------------------------------------------------------------------------


def choose(bot: SlackHarness, options: Call, action_id: str, **answers: str) -> tuple[dict[str, Any], Call]:
    """Click the action's button, read its form, submit `answers` (the rest as preselected): the prompt."""
    form = open_form(bot, bot.standin, options, action_id)
    return form, submit_form(bot, bot.standin, form, answers)


def preselected(form: dict[str, Any], block_id: str = "target") -> str:
    return str(input_blocks(form)[block_id]["element"]["initial_option"]["value"])


def prompt_text(prompt: Call) -> str:
    return str(prompt.args["blocks"])


def follow_up(bot: SlackHarness) -> str:
    [handoff] = handoffs(bot)
    return str(handoff.args["text"]).split("FOLLOW-UP\n")[1].split("\n\n")[0]


# --- a duplicate: the operator chooses which one to keep ------------------------------------------------


def same_second_duplicates(
    client: stripe.StripeClient, email: str
) -> tuple[stripe.Customer, stripe.Subscription, stripe.Subscription]:
    customer = customer_on_a_frozen_clock(client, email)
    price = pro_price(client)
    original = subscribe(client, customer, price.id)
    newer = subscribe(client, customer, price.id)
    assert original.created == newer.created
    return customer, original, newer


def test_a_duplicate_form_offers_both_the_newer_preselected_and_the_operator_can_keep_the_newer_one_instead(
    demo_sandbox: SandboxServer, demo_stripe_client: stripe.StripeClient, tmp_path: Path, clock: FixedClock
) -> None:
    customer, original, newer = same_second_duplicates(demo_stripe_client, "keep.newer@example.com")
    original_charge, newer_charge = (
        charge_of(demo_stripe_client, original),
        charge_of(demo_stripe_client, newer),
    )
    with bot_for(demo_sandbox, tmp_path / "bot.db", clock) as bot:
        options = classify(bot, "keep.newer@example.com", "duplicate")
        form, prompt = choose(bot, options, ActionId.CANCEL_DUPLICATE, target=original.id)
        assert select_labels(form, "target") == [
            f"Original · $20.00/mo · Visa •••• 4242 · {original.id}",
            f"Duplicate · $20.00/mo · Visa •••• 4242 · {newer.id}",
        ]
        assert preselected(form) == newer.id  # the default keeps the original
        assert (
            f"Refund $20.00 of {original_charge} to Visa •••• 4242 and cancel {original.id} now? "
            f"It is the original; {newer.id} (the newer duplicate) stays."
        ) in prompt_text(prompt)
        demo_sandbox.clear_log()
        confirm_and_wait(bot, prompt)
        told = follow_up(bot)
    assert stripe_writes(demo_sandbox) == [f"DELETE /v1/subscriptions/{original.id}", "POST /v1/refunds"]
    assert statuses(demo_stripe_client, customer.id) == {original.id: "canceled", newer.id: "active"}
    [refund] = refunds(demo_stripe_client, "keep.newer@example.com")
    assert (refund.charge, refund.amount, refund.reason) == (original_charge, 2000, "duplicate")
    assert newer_charge != original_charge
    assert "I cancelled the older one and refunded its $20.00." in told
    assert "Your other subscription continues unchanged" in told


def test_the_duplicate_form_submitted_as_preselected_cancels_and_refunds_the_newer_one(
    demo_sandbox: SandboxServer, demo_stripe_client: stripe.StripeClient, tmp_path: Path, clock: FixedClock
) -> None:
    customer, original, newer = same_second_duplicates(demo_stripe_client, "keep.original@example.com")
    with bot_for(demo_sandbox, tmp_path / "bot.db", clock) as bot:
        options = classify(bot, "keep.original@example.com", "duplicate")
        _, prompt = choose(bot, options, ActionId.CANCEL_DUPLICATE)
        confirm_and_wait(bot, prompt)
        told = follow_up(bot)
    assert statuses(demo_stripe_client, customer.id) == {original.id: "active", newer.id: "canceled"}
    [refund] = refunds(demo_stripe_client, "keep.original@example.com")
    assert refund.charge == charge_of(demo_stripe_client, newer)
    assert "I cancelled the newer one and refunded its $20.00." in told


# --- monthly + yearly of one product: the operator chooses which one ends -----------------------------


def monthly_and_yearly(
    client: stripe.StripeClient, email: str
) -> tuple[stripe.Customer, stripe.Subscription, stripe.Subscription]:
    monthly_price = pro_price(client)
    yearly_price = client.v1.prices.create(
        params={
            "product": str(monthly_price.product),
            "currency": "usd",
            "unit_amount": 12000,
            "recurring": {"interval": "year"},
        }
    )
    customer = customer_on_a_frozen_clock(client, email)
    return (
        customer,
        subscribe(client, customer, monthly_price.id),
        subscribe(client, customer, yearly_price.id),
    )


@pytest.mark.parametrize("ends", ["monthly", "yearly"])
def test_an_overlap_ends_the_plan_the_operator_chooses_the_monthly_by_default_and_refunds_that_one(
    demo_sandbox: SandboxServer,
    demo_stripe_client: stripe.StripeClient,
    tmp_path: Path,
    clock: FixedClock,
    ends: str,
) -> None:
    email = f"overlap.{ends}@example.com"
    customer, monthly, yearly = monthly_and_yearly(demo_stripe_client, email)
    ended, kept = (monthly, yearly) if ends == "monthly" else (yearly, monthly)
    amount = 2000 if ends == "monthly" else 12000
    with bot_for(demo_sandbox, tmp_path / "bot.db", clock) as bot:
        options = classify(bot, email, "duplicate")
        answers_given = {} if ends == "monthly" else {"target": yearly.id}  # the monthly is preselected
        form, prompt = choose(bot, options, ActionId.END_OVERLAP, **answers_given)
        assert select_labels(form, "target") == [
            f"Monthly · $20.00/mo · Visa •••• 4242 · {monthly.id}",
            f"Yearly · $120.00/yr · Visa •••• 4242 · {yearly.id}",
        ]
        assert preselected(form) == monthly.id
        other = "yearly" if ends == "monthly" else "monthly"
        assert f"cancel {ended.id} now? It is the {ends}; {kept.id} ({other}) stays." in prompt_text(prompt)
        demo_sandbox.clear_log()
        confirm_and_wait(bot, prompt)
        told = follow_up(bot)
    assert stripe_writes(demo_sandbox) == [f"DELETE /v1/subscriptions/{ended.id}", "POST /v1/refunds"]
    assert statuses(demo_stripe_client, customer.id) == {ended.id: "canceled", kept.id: "active"}
    [refund] = refunds(demo_stripe_client, email)
    assert (refund.charge, refund.amount) == (charge_of(demo_stripe_client, ended), amount)
    assert f"I ended the {ends} one and refunded its" in told
    assert f"Your {other} subscription continues unchanged" in told


# --- refund: four charges, the operator picks the second-oldest and refunds part of it ----------------


def customer_with_four_charges(client: stripe.StripeClient, email: str) -> tuple[str, list[stripe.Charge]]:
    """Pro monthly bought 95 days ago, renewed three times since (the clock advanced through Stripe)."""
    now = int(datetime.now(UTC).timestamp())
    clock = client.v1.test_helpers.test_clocks.create(params={"frozen_time": now - 95 * DAY})
    customer = client.v1.customers.create(
        params={
            "email": email,
            "name": "Four Charges",
            "test_clock": clock.id,
            "payment_method": "pm_card_visa",
            "invoice_settings": {"default_payment_method": "pm_card_visa"},
        }
    )
    subscribe(client, customer, pro_price(client).id)
    client.v1.test_helpers.test_clocks.advance(clock.id, params={"frozen_time": now - 3600})
    charges = client.v1.charges.list(params={"customer": customer.id, "limit": 100}).data
    return customer.id, sorted(charges, key=lambda charge: charge.created)


def test_four_charges_the_operator_refunds_part_of_the_second_oldest_not_the_preselected_latest(
    demo_sandbox: SandboxServer, demo_stripe_client: stripe.StripeClient, tmp_path: Path, clock: FixedClock
) -> None:
    email = "four.charges@example.com"
    _, charges = customer_with_four_charges(demo_stripe_client, email)
    assert len(charges) == 4
    oldest, second, _, latest = charges
    demo_stripe_client.v1.refunds.create(params={"charge": oldest.id, "amount": 500})
    with bot_for(demo_sandbox, tmp_path / "bot.db", clock) as bot:
        options = classify(bot, email, "product_failure")
        form = open_form(bot, bot.standin, options, ActionId.REFUND_CHARGE)
        labels = select_labels(form, "target")
        assert preselected(form) == latest.id  # the affected one: the latest charge
        day_of = {
            charge.id: datetime.fromtimestamp(charge.created, UTC).strftime("%Y-%m-%d") for charge in charges
        }
        assert labels == [
            f"{day_of[latest.id]} · $20.00 · Pro",
            f"{day_of[charges[2].id]} · $20.00 · Pro",
            f"{day_of[second.id]} · $20.00 · Pro",
            f"{day_of[oldest.id]} · $20.00 · Pro · $15.00 left",
        ]
        assert select_labels(form, "reason") == [
            "Requested by the customer",
            "Duplicate charge",
            "Fraudulent",
        ]
        prompt = submit_form(
            bot, bot.standin, form, {"target": second.id, "amount": "7.50", "reason": "duplicate"}
        )
        assert (
            f"Refund $7.50 (of $20.00) of {second.id} to Visa •••• 4242 (duplicate charge)?"
            in prompt_text(prompt)
        )
        demo_sandbox.clear_log()
        confirm_and_wait(bot, prompt)
        [handoff] = handoffs(bot)
    assert stripe_writes(demo_sandbox) == ["POST /v1/refunds"]
    made = [refund for refund in refunds(demo_stripe_client, email) if refund.charge != oldest.id]
    assert [(refund.charge, refund.amount, refund.reason) for refund in made] == [
        (second.id, 750, "duplicate")
    ]
    refunded = {
        charge.id: charge.amount_refunded
        for charge in demo_stripe_client.v1.charges.list(
            params={"customer": str(oldest.customer), "limit": 100}
        ).data
    }
    assert refunded == {oldest.id: 500, second.id: 750, charges[2].id: 0, latest.id: 0}
    assert f"Refunded $7.50 of {second.id}" in handoff.args["text"]


# --- cancel at period end and retry payment: which subscription, which invoice ---------------------------


def monthly_price(client: stripe.StripeClient, name: str, amount: int) -> stripe.Price:
    return client.v1.prices.create(
        params={
            "currency": "usd",
            "unit_amount": amount,
            "recurring": {"interval": "month"},
            "product_data": {"name": name},
        }
    )


def test_cancel_at_period_end_asks_which_of_several_subscriptions_and_cancels_only_that_one(
    demo_sandbox: SandboxServer, demo_stripe_client: stripe.StripeClient, tmp_path: Path, clock: FixedClock
) -> None:
    email = "two.products@example.com"
    customer = customer_on_a_frozen_clock(demo_stripe_client, email)
    pro = subscribe(demo_stripe_client, customer, pro_price(demo_stripe_client).id)
    addon = subscribe(demo_stripe_client, customer, monthly_price(demo_stripe_client, "Storage", 500).id)
    with bot_for(demo_sandbox, tmp_path / "bot.db", clock) as bot:
        options = classify(bot, email, "missing_self_serve")
        form, prompt = choose(bot, options, ActionId.CANCEL_AT_PERIOD_END, target=pro.id)
        assert sorted(select_labels(form, "target")) == [
            f"Pro monthly · $20.00/mo · Visa •••• 4242 · {pro.id}",
            f"Storage monthly · $5.00/mo · Visa •••• 4242 · {addon.id}",
        ]
        assert f"Cancel {pro.id} at the end of its period" in prompt_text(prompt)
        demo_sandbox.clear_log()
        confirm_and_wait(bot, prompt)
    assert stripe_writes(demo_sandbox) == [f"POST /v1/subscriptions/{pro.id}"]
    listed = demo_stripe_client.v1.subscriptions.list(params={"customer": customer.id}).data
    assert {sub.id: sub.cancel_at_period_end for sub in listed} == {pro.id: True, addon.id: False}


def test_retry_payment_asks_which_of_several_open_invoices_and_charges_only_that_one(
    demo_sandbox: SandboxServer, demo_stripe_client: stripe.StripeClient, tmp_path: Path, clock: FixedClock
) -> None:
    email = "two.renewals@example.com"
    now = int(datetime.now(UTC).timestamp())
    test_clock = demo_stripe_client.v1.test_helpers.test_clocks.create(params={"frozen_time": now - 32 * DAY})
    customer = demo_stripe_client.v1.customers.create(
        params={
            "email": email,
            "test_clock": test_clock.id,
            "payment_method": "pm_card_visa",
            "invoice_settings": {"default_payment_method": "pm_card_visa"},
        }
    )
    subscribe(demo_stripe_client, customer, pro_price(demo_stripe_client).id)
    subscribe(demo_stripe_client, customer, monthly_price(demo_stripe_client, "Storage", 500).id)
    use_card(demo_stripe_client, customer.id, "pm_card_chargeCustomerFail")
    demo_stripe_client.v1.test_helpers.test_clocks.advance(test_clock.id, params={"frozen_time": now - 3600})
    use_card(demo_stripe_client, customer.id, "pm_card_visa")  # the customer fixed the card
    unpaid = demo_stripe_client.v1.invoices.list(params={"customer": customer.id, "status": "open"}).data
    assert len(unpaid) == 2
    with bot_for(demo_sandbox, tmp_path / "bot.db", clock) as bot:
        options = classify(bot, email, "failed_payment")
        form = open_form(bot, bot.standin, options, ActionId.RETRY_PAYMENT)
        labels = select_labels(form, "target")
        assert sorted(label.split(" · ")[0] for label in labels) == ["$20.00 due", "$5.00 due"]
        chosen = next(inv for inv in unpaid if inv.id != preselected(form))
        prompt = submit_form(bot, bot.standin, form, {"target": str(chosen.id)})
        assert f"for invoice {chosen.id} to Visa •••• 4242 now?" in prompt_text(prompt)
        demo_sandbox.clear_log()
        confirm_and_wait(bot, prompt)
    assert stripe_writes(demo_sandbox) == [f"POST /v1/invoices/{chosen.id}/pay"]
    after = {inv.id: demo_stripe_client.v1.invoices.retrieve(str(inv.id)).status for inv in unpaid}
    assert after == {inv.id: "paid" if inv.id == chosen.id else "open" for inv in unpaid}


def use_card(client: stripe.StripeClient, customer_id: str, token: str) -> None:
    card = client.v1.payment_methods.attach(token, params={"customer": customer_id})
    client.v1.customers.update(customer_id, params={"invoice_settings": {"default_payment_method": card.id}})
