"""Two-person approval by impact (BILLING_APPROVAL_ABOVE): what an action gives up, not only refunds, and what
one operator already did for the customer in the last 24 hours. Signed Slack requests -> real Bolt app ->
sandbox; Stripe is read back with stripe-python."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
import stripe

from billing.clock import FixedClock
from billing.sandbox import SandboxServer
from tests.e2e.buttons import ActionId
from tests.e2e.slack_harness import OPERATOR
from tests.e2e.test_actions_slack import (
    SECOND,
    answers,
    bot_for,
    classify,
    click_and_wait,
    confirm_and_wait,
    handoffs,
    refunds,
    submit_refund,
    subscriptions,
)

NEEDS_SECOND = "another operator must click Confirm"


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(datetime.now(UTC))


@pytest.fixture
def db(tmp_path: Path) -> Path:
    return tmp_path / "bot.db"


def test_cancelling_a_yearly_plan_above_the_threshold_needs_a_second_operator(
    demo_sandbox: SandboxServer, demo_stripe_client: stripe.StripeClient, db: Path, clock: FixedClock
) -> None:
    with bot_for(demo_sandbox, db, clock, billing_approval_above="USD:150") as bot:
        options = classify(bot, "yuki.annual@example.com", "missing_self_serve")
        prompt = click_and_wait(bot, options, ActionId.CANCEL_AT_PERIOD_END)
        assert "Impact above the approval threshold ($200.00)" in str(prompt.args["blocks"])
        confirm_and_wait(bot, prompt)
        assert NEEDS_SECOND in answers(bot)[-1]
        [sub] = subscriptions(demo_stripe_client, "yuki.annual@example.com")
        assert not sub.cancel_at_period_end
        confirm_and_wait(bot, prompt, user_id=SECOND)
        [handoff] = handoffs(bot)
    [sub] = subscriptions(demo_stripe_client, "yuki.annual@example.com")
    assert sub.cancel_at_period_end
    assert f"Confirmed by <@{SECOND}>, requested by <@{OPERATOR}>" in handoff.args["text"]


def test_the_same_yearly_cancel_under_the_threshold_needs_no_second_operator(
    demo_sandbox: SandboxServer, demo_stripe_client: stripe.StripeClient, db: Path, clock: FixedClock
) -> None:
    with bot_for(demo_sandbox, db, clock, billing_approval_above="USD:200") as bot:
        options = classify(bot, "yuki.annual@example.com", "missing_self_serve")
        prompt = click_and_wait(bot, options, ActionId.CANCEL_AT_PERIOD_END)
        assert "approval threshold" not in str(prompt.args["blocks"])
        confirm_and_wait(bot, prompt)
    [sub] = subscriptions(demo_stripe_client, "yuki.annual@example.com")
    assert sub.cancel_at_period_end


def test_two_partial_refunds_by_one_operator_passing_the_threshold_together_need_a_second_operator(
    demo_sandbox: SandboxServer, demo_stripe_client: stripe.StripeClient, db: Path, clock: FixedClock
) -> None:
    with bot_for(demo_sandbox, db, clock, billing_approval_above="USD:10") as bot:
        first = submit_refund(bot, classify(bot, "pat@example.com", "product_failure"), "6.00")
        assert "approval threshold" not in str(first.args["blocks"])
        confirm_and_wait(bot, first)
        assert len(refunds(demo_stripe_client, "pat@example.com")) == 1

        second = submit_refund(bot, classify(bot, "pat@example.com", "product_failure"), "6.00")
        assert "Impact above the approval threshold ($6.00)" in str(second.args["blocks"])
        confirm_and_wait(bot, second)
        assert NEEDS_SECOND in answers(bot)[-1]
        assert len(refunds(demo_stripe_client, "pat@example.com")) == 1
        confirm_and_wait(bot, second, user_id=SECOND)
    assert sorted(refund.amount for refund in refunds(demo_stripe_client, "pat@example.com")) == [600, 600]


def test_two_refunds_requested_before_either_is_confirmed_still_count_together_at_confirm(
    demo_sandbox: SandboxServer, demo_stripe_client: stripe.StripeClient, db: Path, clock: FixedClock
) -> None:
    with bot_for(demo_sandbox, db, clock, billing_approval_above="USD:10") as bot:
        first = submit_refund(bot, classify(bot, "pat@example.com", "product_failure"), "6.00")
        second = submit_refund(bot, classify(bot, "pat@example.com", "product_failure"), "6.00")
        confirm_and_wait(bot, first)
        confirm_and_wait(bot, second)
        assert NEEDS_SECOND in answers(bot)[-1]
    assert [refund.amount for refund in refunds(demo_stripe_client, "pat@example.com")] == [600]
