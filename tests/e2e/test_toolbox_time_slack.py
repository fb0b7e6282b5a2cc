"""The operator's toolbox, time and goodwill (issue 13): undo a scheduled cancellation, pause and resume
collection, extend a trial, apply a coupon, add account credit. Signed Slack requests -> real Bolt app ->
ActionService -> real StripeGateway -> demo sandbox; what Stripe holds afterwards is read back with
stripe-python. Each action: the card, the exact effect, Confirm, the handoff, and a double Confirm plus a
Confirm after a restart changing Stripe once.
"""

from __future__ import annotations

import threading
from datetime import UTC, datetime, time, timedelta
from pathlib import Path

import pytest
import stripe

from billing.clock import FixedClock
from billing.sandbox import SandboxServer
from bot.slack_standin import Call
from tests.e2e.buttons import ActionId
from tests.e2e.forms import input_blocks, open_form, select_labels, submit_form
from tests.e2e.slack_harness import SlackHarness
from tests.e2e.test_actions_slack import (
    HANDOFF_SECTIONS,
    SECOND,
    answers,
    bot_for,
    button_texts,
    classify,
    click_and_wait,
    confirm_and_wait,
    customer_id,
    handoffs,
    stripe_writes,
    subscriptions,
)


@pytest.fixture
def clock() -> FixedClock:
    # The sandbox runs on wall time; the bot's clock starts there and only moves when a test says so.
    return FixedClock(datetime.now(UTC))


@pytest.fixture
def db(tmp_path: Path) -> Path:
    return tmp_path / "bot.db"


def confirm_twice_at_once(bot: SlackHarness, prompt: Call) -> Call:
    """Two Confirm clicks racing: exactly one handoff, the other click told it is done or in progress."""
    clicks = [threading.Thread(target=bot.click, args=(prompt, ActionId.CONFIRM)) for _ in range(2)]
    for thread in clicks:
        thread.start()
    for thread in clicks:
        thread.join()
    bot.wait_idle()
    [handoff] = handoffs(bot)
    assert any("Already done" in text or "In progress" in text for text in answers(bot))
    return handoff


def confirm_after_restart(sandbox: SandboxServer, db: Path, clock: FixedClock, prompt: Call) -> None:
    with bot_for(sandbox, db, clock) as restarted:  # new app, new Store, same database file
        confirm_and_wait(restarted, prompt)
        assert any("Already done by <@U0OPERATOR>" in text for text in answers(restarted))
        assert handoffs(restarted) == []


def assert_handoff(text: str, *lines: str) -> None:
    for title in HANDOFF_SECTIONS:
        assert f"{title}\n" in text
    for line in lines:
        assert line in text, line


def follow_up(text: str) -> str:
    return text.split("FOLLOW-UP\n")[1].split("\n\n")[0]


# --- undo a scheduled cancellation -------------------------------------------------------------------


def test_undoing_a_scheduled_cancellation_leaves_the_subscription_renewing_once(
    demo_sandbox: SandboxServer, demo_stripe_client: stripe.StripeClient, db: Path, clock: FixedClock
) -> None:
    [sub] = subscriptions(demo_stripe_client, "pat@example.com")
    demo_stripe_client.v1.subscriptions.update(sub.id, params={"cancel_at_period_end": True})
    renews = f"{sub.items.data[0].current_period_end}"
    with bot_for(demo_sandbox, db, clock) as bot:
        options = classify(bot, "pat@example.com", "missing_self_serve")
        assert button_texts(options)[0] == "Undo scheduled cancellation"
        prompt = click_and_wait(bot, options, ActionId.UNDO_CANCELLATION)
        assert f"Undo the scheduled cancellation of {sub.id} (Pro)? It renews on " in str(
            prompt.args["blocks"]
        )
        demo_sandbox.clear_log()
        handoff = confirm_twice_at_once(bot, prompt)
    confirm_after_restart(demo_sandbox, db, clock, prompt)
    assert stripe_writes(demo_sandbox) == [f"POST /v1/subscriptions/{sub.id}"]
    [after] = subscriptions(demo_stripe_client, "pat@example.com")
    assert (after.cancel_at_period_end, after.cancel_at, after.status) == (False, None, "active")
    assert f"{after.items.data[0].current_period_end}" == renews
    text = handoff.args["text"]
    assert_handoff(
        text,
        f"Undid the scheduled cancellation of {sub.id}: renews ",
        "at $20.00",
        "MRR change: +$20.00/mo from ",
    )
    assert "stays active and renews on " in follow_up(text)


# --- pause collection until a date, and resume -------------------------------------------------------


def test_pausing_collection_until_a_date_sets_stripes_pause_once(
    demo_sandbox: SandboxServer, demo_stripe_client: stripe.StripeClient, db: Path, clock: FixedClock
) -> None:
    [sub] = subscriptions(demo_stripe_client, "pat@example.com")
    renews = datetime.fromtimestamp(sub.items.data[0].current_period_end, UTC)
    resumes = (datetime.now(UTC) + timedelta(days=40)).date()
    with bot_for(demo_sandbox, db, clock) as bot:
        options = classify(bot, "pat@example.com", "product_failure")
        assert button_texts(options)[:2] == ["Pause collection…", "Add account credit…"]
        form = open_form(bot, bot.standin, options, ActionId.PAUSE_COLLECTION)
        assert list(input_blocks(form)) == ["resumes_on", "behavior"]  # one subscription: no target choice
        assert select_labels(form, "behavior")[1] == "Void them (the paused time is free)"
        prompt = submit_form(bot, bot.standin, form, {"resumes_on": f"{resumes}", "behavior": "void"})
        summary = str(prompt.args["blocks"])
        assert (
            f"Pause collection on {sub.id} until {resumes} (void)? The subscription stays active" in summary
        )
        assert f"the invoice(s) Stripe makes meanwhile ({renews:%Y-%m-%d} $20.00) are voided" in summary
        demo_sandbox.clear_log()
        handoff = confirm_twice_at_once(bot, prompt)
    confirm_after_restart(demo_sandbox, db, clock, prompt)
    assert stripe_writes(demo_sandbox) == [f"POST /v1/subscriptions/{sub.id}"]
    [after] = subscriptions(demo_stripe_client, "pat@example.com")
    assert after.pause_collection is not None and after.status == "active"
    resumes_at = datetime.combine(resumes, time(0), tzinfo=UTC)
    assert (after.pause_collection.behavior, after.pause_collection.resumes_at) == (
        "void",
        int(resumes_at.timestamp()),
    )
    text = handoff.args["text"]
    assert_handoff(
        text,
        f"Paused collection on {sub.id} until {resumes} (behavior void: invoices made meanwhile are voided",
        "MRR change: none\nBilling given up: $20.00",
    )
    assert "billing resumes automatically on" in follow_up(text)


def test_resuming_paused_collection_clears_the_pause_once(
    demo_sandbox: SandboxServer, demo_stripe_client: stripe.StripeClient, db: Path, clock: FixedClock
) -> None:
    [sub] = subscriptions(demo_stripe_client, "pat@example.com")
    resumes_at = int((datetime.now(UTC) + timedelta(days=60)).timestamp())
    demo_stripe_client.v1.subscriptions.update(
        sub.id, params={"pause_collection": {"behavior": "keep_as_draft", "resumes_at": resumes_at}}
    )
    with bot_for(demo_sandbox, db, clock) as bot:
        options = classify(bot, "sam@example.com", "failed_payment")
        assert "Resume collection" not in button_texts(options)  # Sam is not paused
        options = classify(bot, "pat@example.com", "failed_payment")
        assert button_texts(options)[0] == "Resume collection"
        prompt = click_and_wait(bot, options, ActionId.RESUME_COLLECTION)
        assert f"Resume collection on {sub.id} now (paused until " in str(prompt.args["blocks"])
        demo_sandbox.clear_log()
        handoff = confirm_twice_at_once(bot, prompt)
    confirm_after_restart(demo_sandbox, db, clock, prompt)
    assert stripe_writes(demo_sandbox) == [f"POST /v1/subscriptions/{sub.id}"]
    [after] = subscriptions(demo_stripe_client, "pat@example.com")
    assert after.pause_collection is None and after.status == "active"
    text = handoff.args["text"]
    assert_handoff(text, f"Resumed collection on {sub.id}: next invoice $20.00 on ", "MRR change: none")
    assert "billing for your Pro subscription is back on" in follow_up(text)


# --- extend a trial ----------------------------------------------------------------------------------


def trialing_customer(client: stripe.StripeClient, email: str, days: int) -> stripe.Subscription:
    customer = client.v1.customers.create(
        params={
            "email": email,
            "name": "Tina Trial",
            "payment_method": "pm_card_visa",
            "invoice_settings": {"default_payment_method": "pm_card_visa"},
        }
    )
    [pro] = [price for price in client.v1.prices.list().data if price.nickname == "Pro"]
    return client.v1.subscriptions.create(
        params={"customer": customer.id, "items": [{"price": pro.id}], "trial_period_days": days}
    )


def test_extending_a_trial_moves_the_trial_end_and_the_period_once(
    demo_sandbox: SandboxServer, demo_stripe_client: stripe.StripeClient, db: Path, clock: FixedClock
) -> None:
    sub = trialing_customer(demo_stripe_client, "tina@example.com", days=7)
    assert sub.trial_end is not None
    trial_end = datetime.fromtimestamp(sub.trial_end, UTC)
    new_end = trial_end + timedelta(days=14)
    with bot_for(demo_sandbox, db, clock) as bot:
        options = classify(bot, "tina@example.com", "product_failure")
        assert button_texts(options)[0] == "Extend trial…"
        form = open_form(bot, bot.standin, options, ActionId.EXTEND_TRIAL)
        assert input_blocks(form)["trial_end"]["element"]["initial_date"] == f"{new_end:%Y-%m-%d}"
        told = len(bot.standin.calls_to("chat.postEphemeral"))
        assert bot.submit_form(form, {"trial_end": f"{trial_end:%Y-%m-%d}"}).status_code == 200
        [refused] = bot.standin.wait_for("chat.postEphemeral", count=told + 1)[told:]
        assert "The new trial end must be after the current one" in refused.args["text"]
        form = open_form(bot, bot.standin, options, ActionId.EXTEND_TRIAL)
        prompt = submit_form(bot, bot.standin, form, {"trial_end": f"{new_end:%Y-%m-%d}"})
        assert (
            f"Extend the trial of {sub.id} (Pro) from {trial_end:%Y-%m-%d} to {new_end:%Y-%m-%d} (14 days more, "
            f"free)? Stripe moves the trial end and the current period to {new_end:%Y-%m-%d}, so the first "
            "charge, $20.00, is made then; nothing is charged now."
        ) in str(prompt.args["blocks"])
        demo_sandbox.clear_log()
        handoff = confirm_twice_at_once(bot, prompt)
    confirm_after_restart(demo_sandbox, db, clock, prompt)
    assert stripe_writes(demo_sandbox) == [f"POST /v1/subscriptions/{sub.id}"]
    [after] = subscriptions(demo_stripe_client, "tina@example.com")
    assert after.status == "trialing"
    assert after.trial_end == int(new_end.timestamp())
    assert after.items.data[0].current_period_end == int(new_end.timestamp())
    text = handoff.args["text"]
    assert_handoff(
        text,
        f"Extended the trial of {sub.id} to {new_end:%Y-%m-%d}: first charge $20.00 then",
        "MRR change: none\nBilling given up: $9.21",  # 14 days of $240 a year
    )
    assert f"I extended your Pro trial to {new_end:%B} {new_end.day}, {new_end.year}" in follow_up(text)


# --- apply a coupon, add account credit ----------------------------------------------------------------


def test_applying_a_coupon_chosen_from_the_active_ones_discounts_the_subscription_once(
    demo_sandbox: SandboxServer, demo_stripe_client: stripe.StripeClient, db: Path, clock: FixedClock
) -> None:
    coupons = demo_stripe_client.v1.coupons
    sorry = coupons.create(
        params={"percent_off": 25, "duration": "repeating", "duration_in_months": 3, "name": "Sorry 25"}
    )
    coupons.create(params={"amount_off": 500, "currency": "eur", "duration": "once", "name": "Euro only"})
    gone = coupons.create(params={"percent_off": 50, "duration": "forever", "name": "Withdrawn"})
    coupons.delete(gone.id)
    [sub] = subscriptions(demo_stripe_client, "pat@example.com")
    with bot_for(demo_sandbox, db, clock) as bot:
        options = classify(bot, "pat@example.com", "product_failure")
        assert "Apply coupon…" in button_texts(options)
        form = open_form(bot, bot.standin, options, ActionId.APPLY_COUPON)
        assert select_labels(form, "coupon") == ["Sorry 25 (25% off, 3 months)"]  # USD-fit, redeemable
        prompt = submit_form(bot, bot.standin, form, {"coupon": sorry.id})
        assert (
            f"Apply coupon Sorry 25 (25% off, 3 months) to {sub.id} (Pro)? Stripe takes $5.00 off each $20.00 "
            "invoice on invoices for the next 3 months; nothing is charged or refunded now."
        ) in str(prompt.args["blocks"])
        demo_sandbox.clear_log()
        handoff = confirm_twice_at_once(bot, prompt)
    confirm_after_restart(demo_sandbox, db, clock, prompt)
    assert stripe_writes(demo_sandbox) == [f"POST /v1/subscriptions/{sub.id}"]
    after = demo_stripe_client.v1.subscriptions.retrieve(sub.id, params={"expand": ["discounts"]})
    [discount] = after.discounts
    assert isinstance(discount, stripe.Discount) and discount.source is not None
    assert discount.source.coupon == sorry.id and discount.customer == after.customer
    text = handoff.args["text"]
    assert_handoff(text, f"Applied coupon {sorry.id} to {sub.id}", "MRR change: -$5.00/mo from ")
    assert "I applied a discount of 25% to your Pro subscription" in follow_up(text)


def test_account_credit_lands_on_the_customers_balance_once(
    demo_sandbox: SandboxServer, demo_stripe_client: stripe.StripeClient, db: Path, clock: FixedClock
) -> None:
    customer = customer_id(demo_stripe_client, "pat@example.com")
    with bot_for(demo_sandbox, db, clock) as bot:
        options = classify(bot, "pat@example.com", "product_failure")
        form = open_form(bot, bot.standin, options, ActionId.ACCOUNT_CREDIT)
        assert list(input_blocks(form)) == ["amount", "reason"]
        prompt = submit_form(
            bot, bot.standin, form, {"amount": "15.00", "reason": "Export broken for a week"}
        )
        assert (
            f"Add $15.00 of account credit to {customer} (Export broken for a week)? Balance zero → $15.00 "
            "credit: Stripe applies it to the next invoices before charging the card; nothing is refunded to "
            "the card."
        ) in str(prompt.args["blocks"])
        demo_sandbox.clear_log()
        handoff = confirm_twice_at_once(bot, prompt)
    confirm_after_restart(demo_sandbox, db, clock, prompt)
    assert stripe_writes(demo_sandbox) == [f"POST /v1/customers/{customer}/balance_transactions"]
    assert demo_stripe_client.v1.customers.retrieve(customer).balance == -1500
    [credit] = demo_stripe_client.v1.customers.balance_transactions.list(customer).data
    assert (credit.amount, credit.currency, credit.type) == (-1500, "usd", "adjustment")
    assert credit.description == "Export broken for a week"
    assert credit.metadata is not None and credit.metadata["confirmed_by"] == "U0OPERATOR"
    text = handoff.args["text"]
    assert_handoff(
        text,
        f"Added $15.00 of account credit to {customer} ({credit.id}); balance now $15.00 credit",
        "Refunded: nothing\nMRR change: none\nAccount credit: $15.00",
    )
    assert "I added $15.00 of credit to your account" in follow_up(text)


def test_account_credit_above_the_approval_threshold_needs_a_second_operator(
    demo_sandbox: SandboxServer, demo_stripe_client: stripe.StripeClient, db: Path, clock: FixedClock
) -> None:
    customer = customer_id(demo_stripe_client, "pat@example.com")
    with bot_for(demo_sandbox, db, clock, billing_approval_above="USD:10") as bot:
        options = classify(bot, "pat@example.com", "product_failure")
        form = open_form(bot, bot.standin, options, ActionId.ACCOUNT_CREDIT)
        prompt = submit_form(bot, bot.standin, form, {"amount": "15.00"})
        confirm_and_wait(bot, prompt)
        assert "another operator must click Confirm" in answers(bot)[-1]
        assert demo_stripe_client.v1.customers.retrieve(customer).balance == 0
        confirm_and_wait(bot, prompt, user_id=SECOND)
        [handoff] = handoffs(bot)
    assert demo_stripe_client.v1.customers.retrieve(customer).balance == -1500
    assert f"Confirmed by <@{SECOND}>, requested by <@U0OPERATOR>" in handoff.args["text"]
