"""Signed Slack requests -> real Bolt app over HTTP -> ActionService -> real StripeGateway -> demo sandbox.

Every case starts with `/billing <email>`; what Stripe holds afterwards is read back from the sandbox with
stripe-python (`demo_stripe_client`), never from the bot's own view of it.
"""

from __future__ import annotations

import csv
import io
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import stripe

from billing.clock import FixedClock
from billing.gateway import StripeGateway
from billing.models import Refund
from billing.sandbox import SandboxServer
from billing.store import Store
from bot.cli import build_parser
from bot.cli.audit import run as run_audit
from bot.slack_standin import Call
from tests.e2e.buttons import ActionId
from tests.e2e.forms import open_form, submit_form, through_form
from tests.e2e.slack_harness import OPERATOR, SlackHarness, running_bot

SECOND = "U0SECONDOP"
STRANGER = "U0STRANGER"
HANDOFF_SECTIONS = ("CUSTOMER", "BILLING STATE", "DECISION", "ACTION TAKEN", "FOLLOW-UP", "PRODUCT GAP")


# --- the bot against the sandbox ---------------------------------------------------------------------


class RefundFailsOnce(StripeGateway):
    """The real gateway, but the sandbox fails every request from the first refund attempt on, until reset."""

    def __init__(self, sandbox: SandboxServer) -> None:
        super().__init__(sandbox.api_key, api_base=sandbox.base_url, max_retries=0, timeout_seconds=5)
        self.sandbox = sandbox
        self.armed = True

    def refund_charge(self, charge_id: str, **kwargs: Any) -> Refund:
        if self.armed:
            self.armed = False
            self.sandbox.set_fail_rate(1.0)
        return super().refund_charge(charge_id, **kwargs)


class HoldsRefunds(StripeGateway):
    """The real gateway, but a refund waits at the door until the test lets it through: the action that
    got there stays 'running' for as long as the test needs."""

    def __init__(self, sandbox: SandboxServer) -> None:
        super().__init__(sandbox.api_key, api_base=sandbox.base_url, max_retries=0, timeout_seconds=5)
        self.let_through = threading.Event()

    def refund_charge(self, charge_id: str, **kwargs: Any) -> Refund:
        self.let_through.wait(timeout=5)
        return super().refund_charge(charge_id, **kwargs)


@contextmanager
def bot_for(
    sandbox: SandboxServer,
    db: Path,
    clock: FixedClock,
    gateway: StripeGateway | None = None,
    **settings: Any,
) -> Iterator[SlackHarness]:
    """A whole bot process: its own gateway, app and Store on `db`. No network retries, so an injected
    sandbox failure reaches the action instead of being retried away."""
    settings.setdefault("billing_operators", [OPERATOR, SECOND])
    gateway = gateway or StripeGateway(
        sandbox.api_key, api_base=sandbox.base_url, max_retries=0, timeout_seconds=5
    )
    try:
        with running_bot(gateway, clock=clock, db_path=db, **settings) as bot:
            yield bot
            bot.wait_idle()
    finally:
        gateway.close()


@pytest.fixture
def clock() -> FixedClock:
    # The sandbox runs on wall time; the bot's clock starts there and only moves when a test says so.
    return FixedClock(datetime.now(UTC))


@pytest.fixture
def db(tmp_path: Path) -> Path:
    return tmp_path / "bot.db"


def look_up(bot: SlackHarness, email: str, *, user_id: str = OPERATOR) -> Call:
    before = len(bot.standin.calls_to("chat.postMessage"))
    assert bot.slash_command(email, user_id=user_id).status_code == 200
    card = bot.standin.wait_for("chat.postMessage", count=before + 1)[-1]
    bot.wait_idle()  # the case learns its card's ts and audits the lookup just after posting
    return card


def click_and_wait(
    bot: SlackHarness, call: Call, action_id: str, method: str = "chat.update", **kw: Any
) -> Call:
    before = len(bot.standin.calls_to(method))
    assert bot.click(call, action_id, **kw).status_code == 200
    return bot.standin.wait_for(method, count=before + 1)[-1]


def classify(bot: SlackHarness, email: str, bucket: str, *, user_id: str = OPERATOR) -> Call:
    card = look_up(bot, email, user_id=user_id)
    return click_and_wait(bot, card, ActionId.CLASSIFY, bucket=bucket, user_id=user_id)


def confirm_and_wait(bot: SlackHarness, prompt: Call, *, user_id: str = OPERATOR) -> None:
    assert bot.click(prompt, ActionId.CONFIRM, user_id=user_id).status_code == 200
    bot.wait_idle()


def answers(bot: SlackHarness) -> list[str]:
    calls = bot.standin.calls_to("response_url") + bot.standin.calls_to("chat.postEphemeral")
    return [str(call.args.get("text")) for call in calls]


def handoffs(bot: SlackHarness) -> list[Call]:
    return [call for call in bot.standin.calls_to("chat.postMessage") if call.args.get("thread_ts")]


def submit_refund(
    bot: SlackHarness, options: Call, amount: str, *, user_id: str = OPERATOR, **answers: str
) -> Call:
    """Refund charge… -> the form (the affected charge preselected) -> `amount` and `answers` -> the prompt."""
    form = open_form(bot, bot.standin, options, ActionId.REFUND_CHARGE, user_id=user_id)
    return submit_form(bot, bot.standin, form, {"amount": amount, **answers}, user_id=user_id)


def button_texts(call: Call) -> list[str]:
    return [
        element["text"]["text"]
        for block in call.args["blocks"]
        if block["type"] == "actions"
        for element in block["elements"]
    ]


# --- what the sandbox holds --------------------------------------------------------------------------


def customer_id(client: stripe.StripeClient, email: str) -> str:
    [customer] = client.v1.customers.list(params={"email": email}).data
    return str(customer.id)


def subscriptions(client: stripe.StripeClient, email: str) -> list[stripe.Subscription]:
    page = client.v1.subscriptions.list(params={"customer": customer_id(client, email), "status": "all"})
    return sorted(page.data, key=lambda sub: (sub.created, sub.id))


def charge_of(client: stripe.StripeClient, subscription: stripe.Subscription) -> str:
    """The charge behind the subscription's latest invoice: invoice.payments -> payment_intent -> latest_charge."""
    invoice_id = str(subscription.latest_invoice)
    invoice = client.v1.invoices.retrieve(invoice_id, params={"expand": ["payments"]})
    [payment] = invoice.payments.data if invoice.payments else []
    intent = client.v1.payment_intents.retrieve(str(payment.payment.payment_intent))
    return str(intent.latest_charge)


def refunds(client: stripe.StripeClient, email: str) -> list[stripe.Refund]:
    charges = client.v1.charges.list(params={"customer": customer_id(client, email), "limit": 100}).data
    return [
        refund
        for charge in charges
        for refund in client.v1.refunds.list(params={"charge": str(charge.id), "limit": 100}).data
    ]


def stripe_writes(sandbox: SandboxServer) -> list[str]:
    return [f"{record.method} {record.path}" for record in sandbox.request_log if record.method != "GET"]


# --- Done when ---------------------------------------------------------------------------------------


def test_duplicate_flow_cancels_the_newer_subscription_and_refunds_its_charge_once(
    demo_sandbox: SandboxServer, demo_stripe_client: stripe.StripeClient, db: Path, clock: FixedClock
) -> None:
    older, newer = subscriptions(demo_stripe_client, "jane@example.com")
    newer_charge = charge_of(demo_stripe_client, newer)
    with bot_for(demo_sandbox, db, clock) as bot:
        options = classify(bot, "jane@example.com", "duplicate")
        assert button_texts(options) == [
            "Cancel duplicate at period end",
            "Cancel duplicate now + refund",
            "Keep both",
            "Reclassify",
        ]
        prompt = through_form(bot, bot.standin, options, ActionId.CANCEL_DUPLICATE, {"target": newer.id})
        assert f"Refund $20.00 of {newer_charge}" in str(prompt.args["blocks"])
        assert f"cancel {newer.id} now?" in str(prompt.args["blocks"])
        demo_sandbox.clear_log()
        final = click_and_wait(bot, prompt, ActionId.CONFIRM)
        [handoff] = bot.standin.wait_for("chat.postMessage", count=2)[1:]
    assert stripe_writes(demo_sandbox) == [f"DELETE /v1/subscriptions/{newer.id}", "POST /v1/refunds"]
    after = {sub.id: sub.status for sub in subscriptions(demo_stripe_client, "jane@example.com")}
    assert after == {older.id: "active", newer.id: "canceled"}
    [refund] = refunds(demo_stripe_client, "jane@example.com")
    assert (refund.charge, refund.amount, refund.reason) == (newer_charge, 2000, "duplicate")
    assert "DONE" in str(final.args["blocks"]) and "Handled by <@U0OPERATOR>" in str(final.args["blocks"])
    text = handoff.args["text"]
    for title in HANDOFF_SECTIONS:
        assert f"{title}\n" in text
    assert f"Refunded $20.00 of {newer_charge} ({refund.id}" in text
    billing_state = text.split("BILLING STATE\n")[1].split("\n\n")[0]
    assert f"{older.id}: Pro (monthly), active" in billing_state  # as it was when the operator acted
    assert f"{newer.id}: Pro (monthly), active" in billing_state
    assert "Already refunded" not in billing_state
    assert "Refunded: $20.00\nMRR change: -$20.00/mo now" in text


def test_two_concurrent_confirms_and_one_after_a_restart_refund_once(
    demo_sandbox: SandboxServer, demo_stripe_client: stripe.StripeClient, db: Path, clock: FixedClock
) -> None:
    with bot_for(demo_sandbox, db, clock) as bot:
        prompt = submit_refund(bot, classify(bot, "pat@example.com", "product_failure"), "20.00")
        clicks = [threading.Thread(target=bot.click, args=(prompt, ActionId.CONFIRM)) for _ in range(2)]
        for thread in clicks:
            thread.start()
        for thread in clicks:
            thread.join()
        bot.standin.wait_for("chat.postMessage", count=2)  # the card and exactly one handoff
        bot.wait_idle()
        assert len(handoffs(bot)) == 1
        assert any("Already done" in text or "In progress" in text for text in answers(bot))
    with bot_for(demo_sandbox, db, clock) as restarted:  # new app, new Store, same database file
        confirm_and_wait(restarted, prompt)
        assert any("Already done by <@U0OPERATOR>" in text for text in answers(restarted))
        assert handoffs(restarted) == []
    [refund] = refunds(demo_stripe_client, "pat@example.com")
    assert refund.amount == 2000


def test_two_operators_confirming_refunds_of_one_charge_on_two_cases_refund_once(
    demo_sandbox: SandboxServer, demo_stripe_client: stripe.StripeClient, db: Path, clock: FixedClock
) -> None:
    gateway = HoldsRefunds(demo_sandbox)
    with bot_for(demo_sandbox, db, clock, gateway=gateway) as bot:
        prompts = {
            user: submit_refund(
                bot, classify(bot, "pat@example.com", "product_failure", user_id=user), "20.00", user_id=user
            )
            for user in (OPERATOR, SECOND)
        }
        demo_sandbox.clear_log()
        clicks = [
            threading.Thread(target=bot.click, args=(prompt, ActionId.CONFIRM), kwargs={"user_id": user})
            for user, prompt in prompts.items()
        ]
        for thread in clicks:
            thread.start()
        for thread in clicks:
            thread.join()
        [busy] = bot.standin.wait_for("response_url")  # told while the other refund is still running
        gateway.let_through.set()
        bot.wait_idle()
        [handoff] = handoffs(bot)
        [refund] = refunds(demo_stripe_client, "pat@example.com")
        assert refund.metadata is not None
        winner = refund.metadata["confirmed_by"]
        [loser] = [user for user in prompts if user != winner]
        assert f"Another action on {refund.charge} is in progress (by <@{winner}>)" in busy.args["text"]
        assert "still pending: click Confirm again" in busy.args["text"]
        assert f"Confirmed by <@{winner}>" in handoff.args["text"]
        confirm_and_wait(bot, prompts[loser], user_id=loser)  # after it finished: re-read, refused
        assert f"{refund.charge} has $20.00 refunded already" in answers(bot)[-1]
        assert len(handoffs(bot)) == 1
    assert stripe_writes(demo_sandbox) == ["POST /v1/refunds"]
    assert refund.amount == 2000 and len(refunds(demo_stripe_client, "pat@example.com")) == 1


def test_non_operator_and_expired_confirms_change_nothing_in_stripe(
    demo_sandbox: SandboxServer, demo_stripe_client: stripe.StripeClient, db: Path, clock: FixedClock
) -> None:
    with bot_for(demo_sandbox, db, clock) as bot:
        options = classify(bot, "jane@example.com", "duplicate")
        prompt = through_form(bot, bot.standin, options, ActionId.CANCEL_DUPLICATE)
        demo_sandbox.clear_log()
        confirm_and_wait(bot, prompt, user_id=STRANGER)
        assert "Only billing operators" in answers(bot)[-1]
        clock.advance(minutes=10)
        confirm_and_wait(bot, prompt)
        assert "expired after 10 minutes" in answers(bot)[-1]
        assert handoffs(bot) == []
    assert stripe_writes(demo_sandbox) == []
    assert refunds(demo_stripe_client, "jane@example.com") == []
    assert [sub.status for sub in subscriptions(demo_stripe_client, "jane@example.com")] == ["active"] * 2


def test_refund_above_threshold_needs_a_second_operator(
    demo_sandbox: SandboxServer, demo_stripe_client: stripe.StripeClient, db: Path, clock: FixedClock
) -> None:
    with bot_for(demo_sandbox, db, clock, billing_refund_approval_above="100") as bot:
        options = classify(bot, "yuki.annual@example.com", "product_failure")
        prompt = submit_refund(bot, options, "150.00")
        assert "another operator" in str(prompt.args["blocks"])
        confirm_and_wait(bot, prompt)
        assert "another operator must click Confirm" in answers(bot)[-1]
        assert refunds(demo_stripe_client, "yuki.annual@example.com") == []
        confirm_and_wait(bot, prompt, user_id=SECOND)
        [handoff] = handoffs(bot)
    [refund] = refunds(demo_stripe_client, "yuki.annual@example.com")
    assert (refund.amount, refund.currency) == (15000, "usd")
    assert refund.metadata is not None
    assert (refund.metadata["requested_by"], refund.metadata["confirmed_by"]) == (OPERATOR, SECOND)
    assert "Refunded: $150.00" in handoff.args["text"]
    assert f"Confirmed by <@{SECOND}>, requested by <@{OPERATOR}>" in handoff.args["text"]


def test_jpy_refund_and_cancel_handoffs_carry_yen_amounts(
    demo_sandbox: SandboxServer, demo_stripe_client: stripe.StripeClient, db: Path, clock: FixedClock
) -> None:
    with bot_for(demo_sandbox, db, clock) as bot:
        refund_prompt = submit_refund(bot, classify(bot, "kenji@example.jp", "product_failure"), "3000")
        confirm_and_wait(bot, refund_prompt)
        cancel_options = classify(bot, "kenji@example.jp", "missing_self_serve")
        confirm_and_wait(bot, click_and_wait(bot, cancel_options, ActionId.CANCEL_AT_PERIOD_END))
        refunded, cancelled = (call.args["text"] for call in handoffs(bot))
    [refund] = refunds(demo_stripe_client, "kenji@example.jp")
    assert (refund.amount, refund.currency) == (3000, "jpy")
    [sub] = subscriptions(demo_stripe_client, "kenji@example.jp")
    assert sub.cancel_at_period_end
    for text in (refunded, cancelled):
        assert all(f"{title}\n" in text for title in HANDOFF_SECTIONS)
    assert f"Refunded ¥3,000 of {refund.charge}" in refunded
    assert "Refunded: ¥3,000\nMRR change: none" in refunded
    ends = datetime.fromtimestamp(sub.items.data[0].current_period_end, UTC)
    assert f"Refunded: nothing\nMRR change: -¥3,000/mo from {ends:%Y-%m-%d}" in cancelled


def test_yearly_plan_cancel_handoff_shows_monthly_mrr_impact(
    demo_sandbox: SandboxServer, demo_stripe_client: stripe.StripeClient, db: Path, clock: FixedClock
) -> None:
    with bot_for(demo_sandbox, db, clock) as bot:
        options = classify(bot, "yuki.annual@example.com", "missing_self_serve")
        confirm_and_wait(bot, click_and_wait(bot, options, ActionId.CANCEL_AT_PERIOD_END))
        [handoff] = handoffs(bot)
    [sub] = subscriptions(demo_stripe_client, "yuki.annual@example.com")
    assert sub.cancel_at_period_end and sub.status == "active"
    text = handoff.args["text"]
    assert all(f"{title}\n" in text for title in HANDOFF_SECTIONS)
    assert f"{sub.id}: " in text and "$16.67/mo MRR" in text
    ends = datetime.fromtimestamp(sub.items.data[0].current_period_end, UTC)
    assert f"MRR change: -$16.67/mo from {ends:%Y-%m-%d}" in text


def test_stripe_error_leaves_the_action_retryable_and_the_audit_honest(
    demo_sandbox: SandboxServer, demo_stripe_client: stripe.StripeClient, db: Path, clock: FixedClock
) -> None:
    with bot_for(demo_sandbox, db, clock) as bot:
        prompt = submit_refund(bot, classify(bot, "pat@example.com", "product_failure"), "20.00")
        demo_sandbox.set_fail_rate(1.0)
        try:
            confirm_and_wait(bot, prompt)
        finally:
            demo_sandbox.set_fail_rate(0)
        [told] = answers(bot)
        assert "still pending: click Confirm again" in told
        events = [(row["event"], row["outcome"]) for row in bot.services.store.audit_rows()]
        assert ("action_failed", "error_retryable") in events
        assert not any(event == "action_succeeded" for event, _ in events)
        assert [row["status"] for row in bot.services.store.db["pending_actions"].rows] == ["pending"]
        assert refunds(demo_stripe_client, "pat@example.com") == []
        assert handoffs(bot) == []
        confirm_and_wait(bot, prompt)
        assert len(handoffs(bot)) == 1
    [refund] = refunds(demo_stripe_client, "pat@example.com")
    assert refund.amount == 2000


def test_a_refund_failing_after_the_cancel_is_retried_without_cancelling_or_refunding_twice(
    demo_sandbox: SandboxServer, demo_stripe_client: stripe.StripeClient, db: Path, clock: FixedClock
) -> None:
    older, newer = subscriptions(demo_stripe_client, "jane@example.com")
    with bot_for(demo_sandbox, db, clock, gateway=RefundFailsOnce(demo_sandbox)) as bot:
        prompt = through_form(
            bot, bot.standin, classify(bot, "jane@example.com", "duplicate"), ActionId.CANCEL_DUPLICATE
        )
        try:
            confirm_and_wait(bot, prompt)
        finally:
            demo_sandbox.set_fail_rate(0)
        assert "still pending: click Confirm again" in answers(bot)[-1]
        statuses = {sub.id: sub.status for sub in subscriptions(demo_stripe_client, "jane@example.com")}
        assert statuses == {older.id: "active", newer.id: "canceled"}
        assert refunds(demo_stripe_client, "jane@example.com") == []
        events = [row["event"] for row in bot.services.store.audit_rows()]
        assert "action_failed" in events and "action_succeeded" not in events
        demo_sandbox.clear_log()
        confirm_and_wait(bot, prompt)
        [handoff] = handoffs(bot)
    cancels = [record for record in demo_sandbox.request_log if record.method == "DELETE"]
    assert all(record.status == 200 for record in cancels)  # at most an idempotent replay, never a refusal
    [refund] = refunds(demo_stripe_client, "jane@example.com")
    assert refund.charge == charge_of(demo_stripe_client, newer)
    assert f"Cancelled {newer.id} now" in handoff.args["text"]
    statuses = {sub.id: sub.status for sub in subscriptions(demo_stripe_client, "jane@example.com")}
    assert statuses == {older.id: "active", newer.id: "canceled"}


def test_audit_csv_tells_the_whole_story_of_a_case(
    demo_sandbox: SandboxServer,
    demo_stripe_client: stripe.StripeClient,
    db: Path,
    clock: FixedClock,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    older, newer = subscriptions(demo_stripe_client, "jane@example.com")
    with bot_for(demo_sandbox, db, clock) as bot:
        options = classify(bot, "jane@example.com", "duplicate")
        confirm_and_wait(bot, through_form(bot, bot.standin, options, ActionId.CANCEL_DUPLICATE))
    [refund] = refunds(demo_stripe_client, "jane@example.com")
    monkeypatch.setenv("BILLING_DB", str(db))
    out = io.StringIO()
    assert run_audit(build_parser().parse_args(["audit", "--csv"]), out=out) == 0
    rows = list(csv.DictReader(io.StringIO(out.getvalue())))
    [case_id] = {row["case_id"] for row in rows}
    assert Store(db).get_case(case_id) is not None
    story = [(row["event"], row["outcome"]) for row in rows]
    assert story == [
        ("lookup", ""),
        ("classified", "ok"),
        ("action_requested", "pending"),
        ("action_confirmed", "running"),
        ("action_succeeded", "success"),
        ("handoff_posted", "ok"),
    ]
    by_event = {row["event"]: row for row in rows}
    assert '"bucket": "duplicate"' in by_event["classified"]["detail"]
    assert newer.id in by_event["action_requested"]["stripe_ids"].split()
    assert by_event["action_confirmed"]["actor"] == OPERATOR
    succeeded = by_event["action_succeeded"]["stripe_ids"].split()
    assert {newer.id, refund.id, str(refund.charge)} <= set(succeeded)
    assert older.id not in succeeded


def test_the_portal_link_is_a_real_session_for_the_customer(
    demo_sandbox: SandboxServer, demo_stripe_client: stripe.StripeClient, db: Path, clock: FixedClock
) -> None:
    with bot_for(demo_sandbox, db, clock) as bot:
        options = classify(bot, "sam@example.com", "failed_payment")
        demo_sandbox.clear_log()
        assert bot.click(options, ActionId.PORTAL_LINK).status_code == 200
        bot.wait_idle()
        [created] = [record for record in demo_sandbox.request_log if record.method == "POST"]
        told = "\n".join(answers(bot)) + str([call.args for call in handoffs(bot)])
    assert created.path == "/v1/billing_portal/sessions" and created.status == 200
    assert created.params["customer"] == customer_id(demo_stripe_client, "sam@example.com")
    assert f"{demo_sandbox.base_url}/p/" in told  # the session URL Stripe answered, handed to the operator
