"""Signed Slack requests -> real Bolt app over HTTP -> ActionService -> gateway; the stand-in records Slack calls.

The gateway is the in-memory fake with Stripe's idempotency replay (tests/unit/test_actions_fakes.py) until the
sandbox lands; `running_bot` accepts any BillingGateway, so switching is one fixture.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from billing.clock import FixedClock
from billing.errors import StripeUnavailable
from bot.slack_standin import Call
from handlers.lookup_actions import Destination, LookupFlow
from handlers.middleware import Operator
from messages.actions import REFUND_AMOUNT_ACTION, REFUND_AMOUNT_BLOCK
from messages.ids import ActionId, CallbackId
from tests.e2e.slack_harness import BILLING_CHANNEL, OPERATOR, SlackHarness, running_bot
from tests.unit.test_actions_fakes import T0, FakeGateway, demo_gateway

SECOND = "U0SECONDOP"
STRANGER = "U0STRANGER"


@contextmanager
def bot_for(gateway: FakeGateway, db: Path, clock: FixedClock, **settings: Any) -> Iterator[SlackHarness]:
    settings.setdefault("billing_operators", [OPERATOR, SECOND])
    with running_bot(gateway, lookup=gateway, clock=clock, db_path=db, **settings) as bot:  # type: ignore[arg-type]
        yield bot


def post_card(bot: SlackHarness, customer_id: str) -> Call:
    """What the lookup flow does after /billing: open a case and post the card."""
    snapshot = bot.services.lookup.snapshot(customer_id, matched_on="email")
    LookupFlow(bot.services, bot.app.client).post_card(
        Operator(user_id=OPERATOR, client=bot.app.client),
        snapshot,
        query=customer_id,
        destination=Destination(channel=BILLING_CHANNEL),
    )
    return bot.standin.wait_for("chat.postMessage")[-1]


def click_and_wait(
    bot: SlackHarness, call: Call, action_id: str, method: str = "chat.update", **kw: Any
) -> Call:
    before = len(bot.standin.calls_to(method))
    assert bot.click(call, action_id, **kw).status_code == 200
    return bot.standin.wait_for(method, count=before + 1)[-1]


def answers(bot: SlackHarness) -> list[str]:
    return [str(call.args.get("text")) for call in bot.standin.calls_to("response_url")]


def wait_answers(bot: SlackHarness, count: int) -> list[str]:
    bot.standin.wait_for("response_url", count=count)
    return answers(bot)


def to_confirm(bot: SlackHarness, customer_id: str, bucket: str, action: ActionId, **target: str) -> Call:
    card = post_card(bot, customer_id)
    options = click_and_wait(bot, card, ActionId.CLASSIFY, bucket=bucket)
    return click_and_wait(bot, options, action, **target)


def button_texts(call: Call) -> list[str]:
    return [
        element["text"]["text"]
        for block in call.args["blocks"]
        if block["type"] == "actions"
        for element in block["elements"]
    ]


def test_duplicate_flow_cancels_newer_refunds_once_and_posts_one_handoff(tmp_path: Path) -> None:
    gateway = demo_gateway()
    with bot_for(gateway, tmp_path / "bot.db", FixedClock(T0)) as bot:
        card = post_card(bot, "cus_jane")
        options = click_and_wait(bot, card, ActionId.CLASSIFY, bucket="duplicate")
        assert button_texts(options) == [
            "Cancel duplicate at period end",
            "Cancel duplicate now + refund",
            "Keep both",
            "Reclassify",
        ]
        prompt = click_and_wait(bot, options, ActionId.CANCEL_DUPLICATE)
        assert "Refund $20.00 of ch_new to Visa •••• 4242 and cancel sub_new now?" in str(
            prompt.args["blocks"]
        )
        assert gateway.writes == []
        final = click_and_wait(bot, prompt, ActionId.CONFIRM)
        [_, handoff] = bot.standin.wait_for("chat.postMessage", count=2)
    assert [(method, object_id) for method, object_id, _ in gateway.writes] == [
        ("cancel", "sub_new"),
        ("refund", "ch_new"),
    ]
    assert gateway.subscriptions["sub_old"].status == "active"
    assert "DONE" in str(final.args["blocks"]) and "Handled by <@U0OPERATOR>" in str(final.args["blocks"])
    assert handoff.args["thread_ts"] == card.ts
    text = handoff.args["text"]
    for title in ("CUSTOMER", "BILLING STATE", "DECISION", "ACTION TAKEN", "FOLLOW-UP", "PRODUCT GAP"):
        assert f"{title}\n" in text
    assert "Refunded: $20.00\nMRR change: -$20.00/mo now" in text


def test_concurrent_confirms_and_a_confirm_after_restart_refund_once(tmp_path: Path) -> None:
    gateway, db, clock = demo_gateway(), tmp_path / "bot.db", FixedClock(T0)
    with bot_for(gateway, db, clock) as bot:
        prompt = to_confirm(bot, "cus_kenji", "product_failure", ActionId.CANCEL_AT_PERIOD_END)
        clicks = [threading.Thread(target=bot.click, args=(prompt, ActionId.CONFIRM)) for _ in range(2)]
        for thread in clicks:
            thread.start()
        for thread in clicks:
            thread.join()
        bot.standin.wait_for("chat.postMessage", count=2)  # the card and exactly one handoff
        assert any(("Already done" in text or "In progress" in text) for text in wait_answers(bot, 1))
    with bot_for(gateway, db, clock) as restarted:  # new app, new Store, same database file
        assert restarted.click(prompt, ActionId.CONFIRM).status_code == 200
        assert "Already done by <@U0OPERATOR>" in wait_answers(restarted, 1)[0]
    assert len(gateway.writes) == 1


def test_concurrent_refund_confirms_refund_once(tmp_path: Path) -> None:
    gateway = demo_gateway()
    with bot_for(gateway, tmp_path / "bot.db", FixedClock(T0)) as bot:
        options = click_and_wait(bot, post_card(bot, "cus_jane"), ActionId.CLASSIFY, bucket="duplicate")
        prompt = click_and_wait(bot, options, ActionId.CANCEL_DUPLICATE)
        clicks = [threading.Thread(target=bot.click, args=(prompt, ActionId.CONFIRM)) for _ in range(3)]
        for thread in clicks:
            thread.start()
        for thread in clicks:
            thread.join()
        bot.standin.wait_for("chat.postMessage", count=2)
        wait_answers(bot, 2)
    assert len(gateway.refunds) == 1


def test_non_operator_and_expired_confirms_change_nothing(tmp_path: Path) -> None:
    gateway, clock = demo_gateway(), FixedClock(T0)
    with bot_for(gateway, tmp_path / "bot.db", clock) as bot:
        prompt = to_confirm(bot, "cus_kenji", "product_failure", ActionId.CANCEL_AT_PERIOD_END)
        bot.click(prompt, ActionId.CONFIRM, user_id=STRANGER)
        assert "Only billing operators" in wait_answers(bot, 1)[0]
        clock.advance(minutes=10)
        bot.click(prompt, ActionId.CONFIRM)
        assert "expired after 10 minutes" in wait_answers(bot, 2)[1]
        assert len(bot.standin.calls_to("chat.postMessage")) == 1  # no handoff
    assert gateway.writes == []


def submit_refund(bot: SlackHarness, options: Call, amount: str) -> Call:
    assert bot.click(options, ActionId.REFUND_CHARGE).status_code == 200
    [opened] = bot.standin.wait_for("views.open")
    view = opened.args["view"]
    assert view["callback_id"] == CallbackId.REFUND_MODAL.value
    updates = len(bot.standin.calls_to("chat.update"))
    bot.view_submission(
        {REFUND_AMOUNT_BLOCK: {REFUND_AMOUNT_ACTION: {"type": "plain_text_input", "value": amount}}},
        callback_id=CallbackId.REFUND_MODAL.value,
        private_metadata=view["private_metadata"],
    )
    return bot.standin.wait_for("chat.update", count=updates + 1)[-1]


def test_refund_above_threshold_needs_a_second_operator(tmp_path: Path) -> None:
    gateway = demo_gateway()
    with bot_for(gateway, tmp_path / "bot.db", FixedClock(T0), billing_refund_approval_above="100") as bot:
        options = click_and_wait(bot, post_card(bot, "cus_yuki"), ActionId.CLASSIFY, bucket="product_failure")
        prompt = submit_refund(bot, options, "150.00")
        assert "another operator" in str(prompt.args["blocks"])
        bot.click(prompt, ActionId.CONFIRM)
        assert "another operator must click Confirm" in wait_answers(bot, 1)[0]
        assert gateway.writes == []
        bot.click(prompt, ActionId.CONFIRM, user_id=SECOND)
        [_, handoff] = bot.standin.wait_for("chat.postMessage", count=2)
    assert [refund.amount for refund in gateway.refunds] == [15000]
    assert "Refunded: $150.00" in handoff.args["text"]


def test_jpy_refund_and_yearly_cancel_handoffs_carry_revenue_impact(tmp_path: Path) -> None:
    gateway = demo_gateway()
    with bot_for(gateway, tmp_path / "bot.db", FixedClock(T0)) as bot:
        options = click_and_wait(
            bot, post_card(bot, "cus_kenji"), ActionId.CLASSIFY, bucket="product_failure"
        )
        bot.click(submit_refund(bot, options, "3000"), ActionId.CONFIRM)
        [_, jpy] = bot.standin.wait_for("chat.postMessage", count=2)
        yearly = to_confirm(bot, "cus_yuki", "missing_self_serve", ActionId.CANCEL_AT_PERIOD_END)
        bot.click(yearly, ActionId.CONFIRM)
        annual = bot.standin.wait_for("chat.postMessage", count=4)[-1]
    assert "Refunded ¥3,000 of ch_jp" in jpy.args["text"]
    assert "Refunded: ¥3,000\nMRR change: none" in jpy.args["text"]
    assert "sub_year: Pro (yearly), active, $16.67/mo MRR" in annual.args["text"]
    assert "MRR change: -$16.67/mo from 2026-02-19" in annual.args["text"]


def test_stripe_error_leaves_action_retryable_and_audit_honest(tmp_path: Path) -> None:
    gateway = demo_gateway()
    with bot_for(gateway, tmp_path / "bot.db", FixedClock(T0)) as bot:
        prompt = to_confirm(bot, "cus_kenji", "product_failure", ActionId.CANCEL_AT_PERIOD_END)
        gateway.fail_next.append(StripeUnavailable("api_error (500)", request_id="req_fail"))
        retry_card = click_and_wait(bot, prompt, ActionId.CONFIRM)
        assert "still pending: click Confirm again" in wait_answers(bot, 1)[0]
        assert "Last attempt failed" in str(retry_card.args["blocks"])
        events = [(row["event"], row["outcome"]) for row in bot.services.store.audit_rows()]
        assert ("action_failed", "error_retryable") in events
        assert not any(event == "action_succeeded" for event, _ in events)
        bot.click(retry_card, ActionId.CONFIRM)
        bot.standin.wait_for("chat.postMessage", count=2)
    assert len(gateway.writes) == 1
