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
            f"Newer duplicate · $20.00/mo · Visa •••• 4242 · {newer.id}",
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
