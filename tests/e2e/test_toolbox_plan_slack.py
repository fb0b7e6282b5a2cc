"""The toolbox's plan changes and links (issue 13), from the card to Confirm: signed Slack requests -> real Bolt
app -> real StripeGateway -> demo sandbox, Stripe read back with stripe-python."""

from __future__ import annotations

import threading
from datetime import UTC, datetime
from pathlib import Path

import pytest
import stripe

from billing.clock import FixedClock
from billing.sandbox import SandboxServer
from bot.slack_standin import Call
from tests.e2e.buttons import ActionId
from tests.e2e.forms import input_blocks, open_form, submit_form
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

TEAM = "team@acme.example"


@pytest.fixture
def clock() -> FixedClock:
    # The sandbox runs on wall time; the bot's clock starts there and only moves when a test says so.
    return FixedClock(datetime.now(UTC))


@pytest.fixture
def db(tmp_path: Path) -> Path:
    return tmp_path / "bot.db"


def seat_prompt(bot: SlackHarness, quantity: str) -> Call:
    options = classify(bot, TEAM, "team")
    form = open_form(bot, bot.standin, options, ActionId.CHANGE_SEATS)
    assert input_blocks(form)["quantity"]["element"]["initial_value"] == "5"
    return submit_form(bot, bot.standin, form, {"quantity": quantity})


def pending_prorations(client: stripe.StripeClient, email: str) -> list[stripe.InvoiceItem]:
    page = client.v1.invoice_items.list(params={"customer": customer_id(client, email), "pending": True})
    return list(page.data)


def test_seat_decrease_shows_stripes_proration_before_confirm_and_stripe_makes_exactly_it(
    demo_sandbox: SandboxServer, demo_stripe_client: stripe.StripeClient, db: Path, clock: FixedClock
) -> None:
    [sub] = subscriptions(demo_stripe_client, TEAM)
    with bot_for(demo_sandbox, db, clock) as bot:
        assert "Change seats…" in button_texts(classify(bot, TEAM, "team"))
        prompt = seat_prompt(bot, "3")
        shown = str(prompt.args["blocks"])
        assert f"Change {sub.id} from 5 to 3 seats of Pro ($20.00 per month each)?" in shown
        assert "Stripe's preview: $" in shown and "credit for the rest of this period" in shown
        demo_sandbox.clear_log()
        confirm_and_wait(bot, prompt)
        [handoff] = handoffs(bot)
    assert stripe_writes(demo_sandbox) == [f"POST /v1/subscriptions/{sub.id}"]
    [after] = subscriptions(demo_stripe_client, TEAM)
    assert after.items.data[0].quantity == 3
    made = pending_prorations(demo_stripe_client, TEAM)
    credit = -sum(item.amount for item in made)
    assert credit > 0 and len(made) == 2  # unused time on 5 seats, remaining time on 3
    credited = f"${credit // 100}.{credit % 100:02d}"
    assert f"Stripe's preview: {credited} credit for the rest of this period" in shown
    text = handoff.args["text"]
    assert all(f"{title}\n" in text for title in HANDOFF_SECTIONS)
    assert (
        f"Changed {sub.id} (item {after.items.data[0].id}) from 5 to 3 seats; proration −{credited}" in text
    )
    assert "MRR change: -$40.00/mo now" in text
    assert f"The unused time on the removed seats ({credited}) is credited on your next invoice" in text


def test_two_concurrent_seat_confirms_and_one_after_a_restart_change_stripe_once(
    demo_sandbox: SandboxServer, demo_stripe_client: stripe.StripeClient, db: Path, clock: FixedClock
) -> None:
    [sub] = subscriptions(demo_stripe_client, TEAM)
    with bot_for(demo_sandbox, db, clock) as bot:
        prompt = seat_prompt(bot, "7")
        demo_sandbox.clear_log()
        clicks = [threading.Thread(target=bot.click, args=(prompt, ActionId.CONFIRM)) for _ in range(2)]
        for thread in clicks:
            thread.start()
        for thread in clicks:
            thread.join()
        bot.wait_idle()
        assert len(handoffs(bot)) == 1
    with bot_for(demo_sandbox, db, clock) as restarted:
        confirm_and_wait(restarted, prompt)
        assert any("Already done by <@U0OPERATOR>" in text for text in answers(restarted))
        assert handoffs(restarted) == []
    assert stripe_writes(demo_sandbox) == [f"POST /v1/subscriptions/{sub.id}"]
    [after] = subscriptions(demo_stripe_client, TEAM)
    assert after.items.data[0].quantity == 7
    assert len(pending_prorations(demo_stripe_client, TEAM)) == 2


# --- switch monthly <-> yearly -----------------------------------------------------------------------

NORA = "nora@example.com"


def add_yearly_price(client: stripe.StripeClient, sub: stripe.Subscription) -> stripe.Price:
    """A yearly price for the product the subscription pays monthly, as an account offering both would have."""
    monthly = sub.items.data[0].price
    return client.v1.prices.create(
        params={
            "product": str(monthly.product),
            "currency": monthly.currency,
            "unit_amount": 20000,
            "recurring": {"interval": "year"},
        }
    )


def switch_prompt(bot: SlackHarness) -> Call:
    options = classify(bot, NORA, "missing_self_serve")
    assert "Switch monthly/yearly…" in button_texts(options)
    return click_and_wait(bot, options, ActionId.SWITCH_INTERVAL)  # one price to switch to: no form


def test_switch_to_yearly_moves_the_price_and_invoices_what_stripe_previewed(
    demo_sandbox: SandboxServer, demo_stripe_client: stripe.StripeClient, db: Path, clock: FixedClock
) -> None:
    [sub] = subscriptions(demo_stripe_client, NORA)
    yearly = add_yearly_price(demo_stripe_client, sub)
    with bot_for(demo_sandbox, db, clock) as bot:
        prompt = switch_prompt(bot)
        shown = str(prompt.args["blocks"])
        assert f"Switch {sub.id} from monthly ($20.00 per month) to yearly ($200.00 per year)?" in shown
        demo_sandbox.clear_log()
        confirm_and_wait(bot, prompt)
        [handoff] = handoffs(bot)
    assert stripe_writes(demo_sandbox) == [f"POST /v1/subscriptions/{sub.id}"]
    [after] = subscriptions(demo_stripe_client, NORA)
    item = after.items.data[0]
    assert item.price.id == yearly.id and item.price.recurring is not None
    assert item.price.recurring.interval == "year"
    invoice = demo_stripe_client.v1.invoices.retrieve(str(after.latest_invoice))
    assert invoice.billing_reason == "subscription_update" and invoice.status == "paid"
    due = f"${invoice.amount_due // 100}.{invoice.amount_due % 100:02d}"
    assert f"is invoiced at once: {due} due (less $" in shown  # the invoice Stripe made, shown before Confirm
    credit = -sum(line.amount for line in invoice.lines.data if line.amount < 0)
    assert f"less ${credit // 100}.{credit % 100:02d} unused time" in shown
    text = handoff.args["text"]
    assert all(f"{title}\n" in text for title in HANDOFF_SECTIONS)
    assert (
        f"Switched {sub.id} (item {item.id}) from price " in text
        and f"invoiced it at once ({invoice.id})" in text
    )
    assert "MRR change: -$3.33/mo now" in text
    assert "switched your Pro subscription to yearly billing ($200.00 per year), starting today" in text


def test_two_concurrent_switch_confirms_and_one_after_a_restart_change_stripe_once(
    demo_sandbox: SandboxServer, demo_stripe_client: stripe.StripeClient, db: Path, clock: FixedClock
) -> None:
    [sub] = subscriptions(demo_stripe_client, NORA)
    yearly = add_yearly_price(demo_stripe_client, sub)
    with bot_for(demo_sandbox, db, clock) as bot:
        prompt = switch_prompt(bot)
        demo_sandbox.clear_log()
        clicks = [threading.Thread(target=bot.click, args=(prompt, ActionId.CONFIRM)) for _ in range(2)]
        for thread in clicks:
            thread.start()
        for thread in clicks:
            thread.join()
        bot.wait_idle()
        assert len(handoffs(bot)) == 1
    with bot_for(demo_sandbox, db, clock) as restarted:
        confirm_and_wait(restarted, prompt)
        assert any("Already done by <@U0OPERATOR>" in text for text in answers(restarted))
    assert stripe_writes(demo_sandbox) == [f"POST /v1/subscriptions/{sub.id}"]
    [after] = subscriptions(demo_stripe_client, NORA)
    assert after.items.data[0].price.id == yearly.id
    invoices = demo_stripe_client.v1.invoices.list(params={"subscription": sub.id}).data
    assert [invoice.billing_reason for invoice in invoices].count("subscription_update") == 1


def test_a_seat_decrease_giving_up_more_than_the_threshold_needs_a_second_operator(
    demo_sandbox: SandboxServer, demo_stripe_client: stripe.StripeClient, db: Path, clock: FixedClock
) -> None:
    with bot_for(demo_sandbox, db, clock, billing_approval_above="USD:400") as bot:
        prompt = seat_prompt(bot, "3")  # 2 seats x $20/month x 12 = $480 a year given up
        assert "another operator" in str(prompt.args["blocks"])
        confirm_and_wait(bot, prompt)
        assert "another operator must click Confirm" in answers(bot)[-1]
        [unchanged] = subscriptions(demo_stripe_client, TEAM)
        assert unchanged.items.data[0].quantity == 5
        confirm_and_wait(bot, prompt, user_id=SECOND)
        [handoff] = handoffs(bot)
    [after] = subscriptions(demo_stripe_client, TEAM)
    assert after.items.data[0].quantity == 3
    assert f"Confirmed by <@{SECOND}>, requested by <@U0OPERATOR>" in handoff.args["text"]
