"""Done-when of the toolbox for EVERY registered action with a Confirm: a double Confirm and a Confirm after a
restart change Stripe once. One scenario per action (the demo customer and bucket where an operator meets
it, and the form's answers); a guard fails when an action has none.

Signed Slack requests -> real Bolt app -> sandbox; what reached Stripe is the sandbox's own request log.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import stripe

from billing.action_kinds import ACTIONS
from billing.action_models import Interaction
from billing.clock import FixedClock
from billing.sandbox import SandboxServer
from bot.slack_standin import Call
from tests.e2e.forms import open_form, submit_form
from tests.e2e.slack_harness import SlackHarness
from tests.e2e.test_actions_slack import (
    answers,
    bot_for,
    classify,
    click_and_wait,
    customer_id,
    handoffs,
    stripe_writes,
)


@dataclass(frozen=True)
class Scenario:
    email: str
    bucket: str
    # The form's answers by field name; None: the button plans at once (no form).
    answers: dict[str, str] | None = None
    changes_stripe: bool = True
    settings: dict[str, str] = field(default_factory=dict)
    # What the customer did before the ticket, through Stripe's API (e.g. a new card before a retry).
    prepare: Callable[[stripe.StripeClient, str], None] | None = None


def new_good_card(client: stripe.StripeClient, customer_id: str) -> None:
    card = client.v1.payment_methods.attach("pm_card_visa", params={"customer": customer_id})
    client.v1.customers.update(customer_id, params={"invoice_settings": {"default_payment_method": card.id}})


def also_yearly(client: stripe.StripeClient, customer_id: str) -> None:
    """The customer also buys the yearly of the product they pay monthly: an overlap (end_overlap)."""
    [monthly] = client.v1.subscriptions.list(params={"customer": customer_id}).data
    product = str(monthly["items"].data[0].price.product)
    yearly = client.v1.prices.create(
        params={
            "product": product,
            "currency": "usd",
            "unit_amount": 20000,
            "recurring": {"interval": "year"},
        }
    )
    client.v1.subscriptions.create(params={"customer": customer_id, "items": [{"price": yearly.id}]})


def yearly_price_too(client: stripe.StripeClient, customer_id: str) -> None:
    """The customer's monthly product also has a yearly price (what a switch moves to)."""
    [sub] = client.v1.subscriptions.list(params={"customer": customer_id}).data
    monthly = sub.items.data[0].price
    client.v1.prices.create(
        params={
            "product": str(monthly.product),
            "currency": monthly.currency,
            "unit_amount": 20000,
            "recurring": {"interval": "year"},
        }
    )


def pays_by_invoice_too(client: stripe.StripeClient, customer_id: str) -> None:
    """A second subscription Stripe bills by email (collection_method send_invoice): an open invoice."""
    [sub] = client.v1.subscriptions.list(params={"customer": customer_id}).data
    client.v1.subscriptions.create(
        params={
            "customer": customer_id,
            "items": [{"price": sub.items.data[0].price.id}],
            "collection_method": "send_invoice",
            "days_until_due": 14,
        }
    )


def in_days(days: int) -> str:
    return f"{datetime.now(UTC) + timedelta(days=days):%Y-%m-%d}"


def only_subscription(client: stripe.StripeClient, customer_id: str) -> str:
    [sub] = client.v1.subscriptions.list(params={"customer": customer_id}).data
    return str(sub.id)


def schedule_cancellation(client: stripe.StripeClient, customer_id: str) -> None:
    client.v1.subscriptions.update(
        only_subscription(client, customer_id), params={"cancel_at_period_end": True}
    )


def pause_collection(client: stripe.StripeClient, customer_id: str) -> None:
    client.v1.subscriptions.update(
        only_subscription(client, customer_id), params={"pause_collection": {"behavior": "void"}}
    )


def start_a_trial(client: stripe.StripeClient, customer_id: str) -> None:
    [pro] = [price for price in client.v1.prices.list().data if price.nickname == "Pro"]
    client.v1.subscriptions.create(
        params={"customer": customer_id, "items": [{"price": pro.id}], "trial_period_days": 7}
    )


def create_a_coupon(client: stripe.StripeClient, customer_id: str) -> None:
    client.v1.coupons.create(params={"id": "SORRY25", "percent_off": 25, "duration": "forever"})


# kind -> how an operator reaches its Confirm prompt on a fresh demo sandbox.
SCENARIOS: dict[str, Scenario] = {
    "cancel_and_refund": Scenario("jane@example.com", "duplicate", answers={}),
    "end_overlap": Scenario("pat@example.com", "duplicate", answers={}, prepare=also_yearly),
    "cancel_at_period_end": Scenario("yuki.annual@example.com", "missing_self_serve"),
    "refund": Scenario("pat@example.com", "product_failure", answers={"amount": "5.00"}),
    "retry_payment": Scenario("sam@example.com", "failed_payment", prepare=new_good_card),
    "change_seats": Scenario("team@acme.example", "team", answers={"quantity": "3"}),
    "switch_interval": Scenario("nora@example.com", "missing_self_serve", prepare=yearly_price_too),
    "send_invoice": Scenario("pat@example.com", "failed_payment", prepare=pays_by_invoice_too),
    "credit_note": Scenario(
        "pat@example.com",
        "product_failure",
        answers={"amount": "5.00", "method": "refund", "reason": "product_unsatisfactory"},
    ),
    "cancel_prorated": Scenario("yuki.annual@example.com", "missing_self_serve"),
    "accept_dispute": Scenario("dana@example.com", "product_failure"),
    "record_gap": Scenario(
        "pat@example.com", "product_failure", answers={"gap": "No usage visibility"}, changes_stripe=False
    ),
    # --- issue 13, time and goodwill (tests/e2e/test_toolbox_time_slack.py has each one's read-back) ---
    "undo_cancellation": Scenario("pat@example.com", "missing_self_serve", prepare=schedule_cancellation),
    "pause_collection": Scenario(
        "pat@example.com", "product_failure", answers={"resumes_on": in_days(40), "behavior": "void"}
    ),
    "resume_collection": Scenario("pat@example.com", "failed_payment", prepare=pause_collection),
    "extend_trial": Scenario(
        "pat@example.com", "product_failure", answers={"trial_end": in_days(30)}, prepare=start_a_trial
    ),
    "apply_coupon": Scenario(
        "pat@example.com", "product_failure", answers={"coupon": "SORRY25"}, prepare=create_a_coupon
    ),
    "account_credit": Scenario("pat@example.com", "product_failure", answers={"amount": "15.00"}),
}


def confirmable_kinds() -> list[str]:
    return sorted(str(action.kind) for action in ACTIONS if action.interaction is Interaction.CONFIRM)


def test_every_action_with_a_confirm_has_a_scenario_here() -> None:
    missing = [kind for kind in confirmable_kinds() if kind not in SCENARIOS]
    assert missing == [], f"add a Scenario for {missing} to SCENARIOS in {__file__}"


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(datetime.now(UTC))


def prompt_for(bot: SlackHarness, kind: str, scenario: Scenario) -> Call:
    options = classify(bot, scenario.email, scenario.bucket)
    button = ACTIONS[kind].button_id
    if scenario.answers is None:
        return click_and_wait(bot, options, button)
    form = open_form(bot, bot.standin, options, button)
    return submit_form(bot, bot.standin, form, scenario.answers)


def double_confirm(bot: SlackHarness, prompt: Call) -> None:
    clicks = [threading.Thread(target=bot.click, args=(prompt, "billing.confirm")) for _ in range(2)]
    for thread in clicks:
        thread.start()
    for thread in clicks:
        thread.join()
    bot.wait_idle()


@pytest.mark.parametrize("kind", confirmable_kinds())
def test_a_double_confirm_and_a_confirm_after_a_restart_change_stripe_once(
    demo_sandbox: SandboxServer,
    demo_stripe_client: stripe.StripeClient,
    tmp_path: Path,
    clock: FixedClock,
    kind: str,
) -> None:
    scenario = SCENARIOS[kind]
    if scenario.prepare is not None:
        scenario.prepare(demo_stripe_client, customer_id(demo_stripe_client, scenario.email))
    db = tmp_path / "bot.db"
    with bot_for(demo_sandbox, db, clock, None, **scenario.settings) as bot:
        prompt = prompt_for(bot, kind, scenario)
        assert "Confirm" in str(prompt.args["blocks"]), answers(bot)
        demo_sandbox.clear_log()
        double_confirm(bot, prompt)
        writes = stripe_writes(demo_sandbox)
        assert len(handoffs(bot)) == 1, answers(bot)
    if scenario.changes_stripe:
        assert writes, "the action changed nothing in Stripe"
    assert len(writes) == len(set(writes)), writes
    with bot_for(demo_sandbox, db, clock, None, **scenario.settings) as restarted:
        assert restarted.click(prompt, "billing.confirm").status_code == 200
        restarted.wait_idle()
        assert any("Already done" in text for text in answers(restarted)), answers(restarted)
        assert handoffs(restarted) == []
    assert stripe_writes(demo_sandbox) == writes


def portal_cancel_on(client: stripe.StripeClient, customer_id: str) -> None:
    [config] = client.v1.billing_portal.configurations.list().data
    client.v1.billing_portal.configurations.update(
        config.id, params={"features": {"subscription_cancel": {"enabled": True}}}
    )


# Actions without a Confirm: a link (portal session, hosted invoice page, receipt) or a resolution. A double
# click must not create two of anything in Stripe nor post two handoffs.
DIRECT: dict[str, Scenario] = {
    "portal_link": Scenario("sam@example.com", "failed_payment"),
    "portal_cancel": Scenario("nora@example.com", "missing_self_serve", prepare=portal_cancel_on),
    "portal_payment_method": Scenario("sam@example.com", "failed_payment"),
    "send_invoice_link": Scenario("sam@example.com", "failed_payment", changes_stripe=False),
    "send_receipt": Scenario("yuki.annual@example.com", "missing_self_serve", changes_stripe=False),
    "explain_billing": Scenario("team@acme.example", "team", changes_stripe=False),
    "keep_both": Scenario("jane@example.com", "duplicate", changes_stripe=False),
    "no_action": Scenario("pat@example.com", "product_failure", changes_stripe=False),
}


def direct_kinds() -> list[str]:
    return sorted(str(action.kind) for action in ACTIONS if action.interaction is not Interaction.CONFIRM)


def test_every_action_without_a_confirm_has_a_scenario_here() -> None:
    missing = [kind for kind in direct_kinds() if kind not in DIRECT]
    assert missing == [], f"add a Scenario for {missing} to DIRECT in {__file__}"


@pytest.mark.parametrize("kind", direct_kinds())
def test_a_double_click_on_an_action_without_a_confirm_changes_stripe_at_most_once(
    demo_sandbox: SandboxServer,
    demo_stripe_client: stripe.StripeClient,
    tmp_path: Path,
    clock: FixedClock,
    kind: str,
) -> None:
    scenario = DIRECT[kind]
    if scenario.prepare is not None:
        scenario.prepare(demo_stripe_client, customer_id(demo_stripe_client, scenario.email))
    with bot_for(demo_sandbox, tmp_path / "bot.db", clock) as bot:
        options = classify(bot, scenario.email, scenario.bucket)
        demo_sandbox.clear_log()
        clicks = [
            threading.Thread(target=bot.click, args=(options, ACTIONS[kind].button_id)) for _ in range(2)
        ]
        for thread in clicks:
            thread.start()
        for thread in clicks:
            thread.join()
        bot.wait_idle()
        writes = stripe_writes(demo_sandbox)
        assert len(handoffs(bot)) <= 1, answers(bot)
    assert len(writes) == (1 if scenario.changes_stripe else 0), writes
