"""Issue 13's money actions end to end: signed Slack requests -> real Bolt app -> ActionService -> real
StripeGateway -> demo sandbox, from the card to Confirm; Stripe is read back with stripe-python.

Each action also survives a double Confirm (two clicks at once) and a Confirm after a restart (a new bot on
the same database): Stripe changes once."""

from __future__ import annotations

import io
import json
import threading
from datetime import UTC, datetime
from fractions import Fraction
from pathlib import Path

import pytest
import stripe

from billing.clock import FixedClock
from billing.credit_notes import CreditNote, CreditNoteDraft
from billing.errors import StripeUnavailable
from billing.gateway import StripeGateway
from billing.models import Dispute
from billing.sandbox import SandboxServer
from bot.cli import build_parser
from bot.cli.audit import run as run_audit
from bot.slack_standin import Call
from tests.e2e.buttons import ActionId
from tests.e2e.forms import input_blocks, open_form, select_labels, submit_form
from tests.e2e.slack_harness import OPERATOR, SlackHarness
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
    refunds,
    stripe_writes,
    subscriptions,
)

DAY = 86400


class AnswersLost(StripeGateway):
    """The real gateway; the first credit note and the first dispute close reach Stripe, and their answers are
    lost (a timeout after Stripe executed them)."""

    def __init__(self, sandbox: SandboxServer) -> None:
        super().__init__(sandbox.api_key, api_base=sandbox.base_url, max_retries=0, timeout_seconds=5)
        self.sent: list[str] = []

    def _lost_once(self, name: str) -> None:
        self.sent.append(name)
        if self.sent.count(name) == 1:
            raise StripeUnavailable("could not reach Stripe (read timed out)")

    def create_credit_note(self, draft: CreditNoteDraft, *, idempotency_key: str) -> CreditNote:
        note = super().create_credit_note(draft, idempotency_key=idempotency_key)
        self._lost_once("credit_note")
        return note

    def close_dispute(self, dispute_id: str, *, idempotency_key: str) -> Dispute:
        dispute = super().close_dispute(dispute_id, idempotency_key=idempotency_key)
        self._lost_once("close_dispute")
        return dispute


@pytest.fixture
def clock() -> FixedClock:
    # Whole seconds: the sandbox's timestamps are whole seconds, so prorations match to the cent.
    return FixedClock(datetime.fromtimestamp(int(datetime.now(UTC).timestamp()), UTC))


@pytest.fixture
def db(tmp_path: Path) -> Path:
    return tmp_path / "bot.db"


def confirm_twice_at_once(bot: SlackHarness, prompt: Call) -> None:
    """Two Confirm clicks racing: one runs, the other is told; exactly one handoff."""
    posted = len(bot.standin.calls_to("chat.postMessage"))
    clicks = [threading.Thread(target=bot.click, args=(prompt, ActionId.CONFIRM)) for _ in range(2)]
    for thread in clicks:
        thread.start()
    for thread in clicks:
        thread.join()
    bot.standin.wait_for("chat.postMessage", count=posted + 1)
    bot.wait_idle()
    assert len(handoffs(bot)) == 1
    assert any("Already done" in text or "In progress" in text for text in answers(bot))


def confirm_after_restart(sandbox: SandboxServer, db: Path, clock: FixedClock, prompt: Call) -> None:
    with bot_for(sandbox, db, clock) as restarted:  # new app, new Store, same database file
        sandbox.clear_log()
        confirm_and_wait(restarted, prompt)
        assert any("Already done by <@U0OPERATOR>" in text for text in answers(restarted))
        assert handoffs(restarted) == []
    assert stripe_writes(sandbox) == []


def section(text: str, title: str) -> str:
    return text.split(f"{title}\n")[1].split("\n\n")[0]


# --- credit note on a paid invoice -------------------------------------------------------------------


def test_a_partial_credit_note_refunded_to_the_card_is_previewed_issued_once_and_handed_off(
    demo_sandbox: SandboxServer, demo_stripe_client: stripe.StripeClient, db: Path, clock: FixedClock
) -> None:
    client = demo_stripe_client
    [sub] = subscriptions(client, "pat@example.com")
    invoice = client.v1.invoices.retrieve(str(sub.latest_invoice))
    with bot_for(demo_sandbox, db, clock) as bot:
        options = classify(bot, "pat@example.com", "product_failure")
        assert "Credit note…" in button_texts(options)
        form = open_form(bot, bot.standin, options, ActionId.CREDIT_NOTE)
        assert list(input_blocks(form)) == ["target", "amount", "method", "reason"]
        assert select_labels(form, "target") == [f"{invoice.number} · $20.00 paid {_day(invoice.created)}"]
        demo_sandbox.clear_log()
        prompt = submit_form(
            bot, bot.standin, form, {"amount": "7.50", "method": "refund", "reason": "product_unsatisfactory"}
        )
        shown = str(prompt.args["blocks"])
        assert (
            f"Issue a credit note of $7.50 (of $20.00 paid) on invoice {invoice.number} ({invoice.id})"
            in shown
        )
        assert "refunded to Visa •••• 4242, reason: product unsatisfactory?" in shown
        assert f"Stripe's preview: credit note $7.50 on {invoice.id}" in shown
        assert stripe_writes(demo_sandbox) == []  # the preview is a GET; nothing issued yet
        assert client.v1.credit_notes.list(params={"invoice": invoice.id}).data == []
        confirm_twice_at_once(bot, prompt)
        [handoff] = handoffs(bot)
    confirm_after_restart(demo_sandbox, db, clock, prompt)

    [note] = client.v1.credit_notes.list(params={"invoice": invoice.id}).data
    assert (note.amount, note.reason, note.post_payment_amount, note.status) == (
        750,
        "product_unsatisfactory",
        750,
        "issued",
    )
    assert client.v1.invoices.retrieve(invoice.id).post_payment_credit_notes_amount == 750
    [refund] = refunds(client, "pat@example.com")
    assert (refund.amount, str(refund.id)) == (750, str(note.refunds[0].refund))
    text = handoff.args["text"]
    assert all(f"{title}\n" in text for title in HANDOFF_SECTIONS)
    assert "Already refunded" not in section(text, "BILLING STATE")  # as it was before the credit note
    action = section(text, "ACTION TAKEN")
    assert f"Credit note {note.id} ({note.number}) of $7.50 on invoice {invoice.id}" in action
    assert f"Refunded $7.50 to the card ({refund.id})" in action
    assert "Refunded: $7.50\nMRR change: none" in text
    assert f"I issued a credit note of $7.50 on invoice {invoice.number}" in section(text, "FOLLOW-UP")


def test_a_credit_note_to_the_balance_moves_the_customer_balance_not_the_card(
    demo_sandbox: SandboxServer, demo_stripe_client: stripe.StripeClient, db: Path, clock: FixedClock
) -> None:
    client = demo_stripe_client
    with bot_for(demo_sandbox, db, clock) as bot:
        options = classify(bot, "yuki.annual@example.com", "product_failure")
        form = open_form(bot, bot.standin, options, ActionId.CREDIT_NOTE)
        prompt = submit_form(
            bot, bot.standin, form, {"amount": "50", "method": "credit", "reason": "order_change"}
        )
        assert "to the customer's balance, reason: order change?" in str(prompt.args["blocks"])
        confirm_and_wait(bot, prompt)
        [handoff] = handoffs(bot)
    customer = client.v1.customers.retrieve(customer_id(client, "yuki.annual@example.com"))
    assert customer.balance == -5000
    assert refunds(client, "yuki.annual@example.com") == []
    [note] = client.v1.credit_notes.list(params={"customer": customer.id}).data
    assert (note.amount, note.reason, note.customer_balance_transaction is not None) == (
        5000,
        "order_change",
        True,
    )
    text = handoff.args["text"]
    assert f"Credited $50.00 to the customer's balance ({note.customer_balance_transaction})" in text
    assert "Refunded: nothing\nMRR change: none\nAccount credit: $50.00" in text
    assert "comes off your next invoice automatically" in text


def test_a_credit_note_over_what_is_left_is_refused_before_any_prompt(
    demo_sandbox: SandboxServer, demo_stripe_client: stripe.StripeClient, db: Path, clock: FixedClock
) -> None:
    with bot_for(demo_sandbox, db, clock) as bot:
        options = classify(bot, "pat@example.com", "product_failure")
        form = open_form(bot, bot.standin, options, ActionId.CREDIT_NOTE)
        demo_sandbox.clear_log()
        assert (
            bot.submit_form(form, {"amount": "25", "method": "refund", "reason": "duplicate"}).status_code
            == 200
        )
        bot.wait_idle()
        assert any("at most $20.00" in text and "nothing was changed" in text for text in answers(bot))
    assert stripe_writes(demo_sandbox) == []


def test_a_credit_note_whose_answer_was_lost_is_found_in_stripe_by_the_next_confirm(
    demo_sandbox: SandboxServer, demo_stripe_client: stripe.StripeClient, db: Path, clock: FixedClock
) -> None:
    gateway = AnswersLost(demo_sandbox)
    with bot_for(demo_sandbox, db, clock, gateway=gateway) as bot:
        options = classify(bot, "pat@example.com", "product_failure")
        form = open_form(bot, bot.standin, options, ActionId.CREDIT_NOTE)
        prompt = submit_form(
            bot, bot.standin, form, {"amount": "20", "method": "refund", "reason": "duplicate"}
        )
        demo_sandbox.clear_log()
        confirm_and_wait(bot, prompt)
        assert "read timed out" in answers(bot)[-1] and "click Confirm again" in answers(bot)[-1]
        assert handoffs(bot) == []
        confirm_and_wait(bot, prompt, user_id=SECOND)
        [handoff] = handoffs(bot)
    assert gateway.sent == ["credit_note"], "the second Confirm found the credit note and sent nothing"
    assert stripe_writes(demo_sandbox) == ["POST /v1/credit_notes"]
    [note] = demo_stripe_client.v1.credit_notes.list(
        params={"customer": customer_id(demo_stripe_client, "pat@example.com")}
    ).data
    assert note.amount == 2000 and note.metadata is not None and note.metadata["confirmed_by"] == OPERATOR
    assert f"Credit note {note.id}" in handoff.args["text"]
    assert len(refunds(demo_stripe_client, "pat@example.com")) == 1


# --- cancel now with a prorated refund ---------------------------------------------------------------


def leaving_customer(client: stripe.StripeClient, at: int, *, days_in: int) -> stripe.Subscription:
    """Leo subscribed to Pro `days_in` days before `at`, on a test clock now standing at `at`."""
    test_clock = client.v1.test_helpers.test_clocks.create(params={"frozen_time": at - days_in * DAY})
    customer = client.v1.customers.create(
        params={
            "email": "leo@example.com",
            "name": "Leo Leaving",
            "test_clock": test_clock.id,
            "payment_method": "pm_card_visa",
            "invoice_settings": {"default_payment_method": "pm_card_visa"},
        }
    )
    [pro] = [price for price in client.v1.prices.list().data if price.nickname == "Pro"]
    subscription = client.v1.subscriptions.create(
        params={"customer": customer.id, "items": [{"price": pro.id}]}
    )
    client.v1.test_helpers.test_clocks.advance(test_clock.id, params={"frozen_time": at})
    return subscription


def test_cancel_now_refunds_exactly_the_unused_days_once(
    demo_sandbox: SandboxServer, demo_stripe_client: stripe.StripeClient, db: Path, clock: FixedClock
) -> None:
    client = demo_stripe_client
    now = int(clock.now().timestamp())
    sub = leaving_customer(client, now, days_in=10)
    item = sub["items"].data[0]
    start, end = item.current_period_start, item.current_period_end
    expected = int(Fraction(2000 * (end - now), end - start) + Fraction(1, 2))
    unused_days, period_days = Fraction(end - now, DAY), Fraction(end - start, DAY)
    assert unused_days.denominator == period_days.denominator == 1  # whole days: the wording below is exact
    with bot_for(demo_sandbox, db, clock) as bot:
        options = classify(bot, "leo@example.com", "missing_self_serve")
        buttons = button_texts(options)
        # After the reversible choices: it ends the service today.
        assert buttons.index("Cancel at period end") < buttons.index("Cancel now + refund unused time")
        prompt = click_and_wait(bot, options, ActionId.CANCEL_PRORATED)
        money = f"${expected // 100}.{expected % 100:02d}"
        shown = str(prompt.args["blocks"])
        assert f"Cancel {sub.id} (Pro) now and refund {money} of" in shown
        assert f"{int(unused_days)} of {int(period_days)} days unused of the $20.00 paid" in shown
        demo_sandbox.clear_log()
        confirm_twice_at_once(bot, prompt)
        writes = stripe_writes(demo_sandbox)
        [handoff] = handoffs(bot)
    confirm_after_restart(demo_sandbox, db, clock, prompt)

    assert writes == [f"DELETE /v1/subscriptions/{sub.id}", "POST /v1/refunds"]
    [after] = subscriptions(client, "leo@example.com")
    assert (after.status, after.canceled_at) == ("canceled", now)
    [refund] = refunds(client, "leo@example.com")
    assert (refund.amount, refund.reason) == (expected, "requested_by_customer")
    assert refund.metadata is not None
    assert refund.metadata["billing_ops_proration"].startswith(
        f"{int(unused_days)} of {int(period_days)} days"
    )
    text = handoff.args["text"]
    assert all(f"{title}\n" in text for title in HANDOFF_SECTIONS)
    action = section(text, "ACTION TAKEN")
    assert f"Cancelled {sub.id} now (status canceled)" in action
    assert f"Refunded {money} of {refund.charge} ({refund.id}, succeeded)" in action
    assert f"Prorated: {int(unused_days)} of {int(period_days)} days unused of the $20.00 paid" in action
    assert f"Refunded: {money}\nMRR change: -$20.00/mo now" in text
    assert f"refunded {money} for the unused part of the period" in section(text, "FOLLOW-UP")


def test_with_two_live_subscriptions_the_operator_picks_the_one_to_cancel_in_a_form(
    demo_sandbox: SandboxServer, demo_stripe_client: stripe.StripeClient, db: Path, clock: FixedClock
) -> None:
    older, newer = subscriptions(demo_stripe_client, "jane@example.com")
    with bot_for(demo_sandbox, db, clock) as bot:
        options = classify(bot, "jane@example.com", "missing_self_serve")
        form = open_form(bot, bot.standin, options, ActionId.CANCEL_PRORATED)
        assert list(input_blocks(form)) == ["target"]
        labels = select_labels(form, "target")
        assert [label.rsplit(" · ", 1)[-1] for label in labels] == [newer.id, older.id]
        prompt = submit_form(bot, bot.standin, form, {"target": older.id})
        assert f"Cancel {older.id} (Pro) now and refund $" in str(prompt.args["blocks"])
        confirm_and_wait(bot, prompt)
        [handoff] = handoffs(bot)
    statuses = {sub.id: sub.status for sub in subscriptions(demo_stripe_client, "jane@example.com")}
    assert statuses == {older.id: "canceled", newer.id: "active"}
    [refund] = refunds(demo_stripe_client, "jane@example.com")
    item = older["items"].data[0]
    now = int(clock.now().timestamp())
    period = item.current_period_end - item.current_period_start
    assert refund.amount == int(Fraction(2000 * (item.current_period_end - now), period) + Fraction(1, 2))
    assert f"Cancelled {older.id} now" in handoff.args["text"]


def test_a_prorated_cancel_above_the_threshold_needs_a_second_operator(
    demo_sandbox: SandboxServer, demo_stripe_client: stripe.StripeClient, db: Path, clock: FixedClock
) -> None:
    """$20/month given up is $240 a year, plus the refund: over a USD 200 threshold though the refund is small."""
    client = demo_stripe_client
    sub = leaving_customer(client, int(clock.now().timestamp()), days_in=10)
    with bot_for(demo_sandbox, db, clock, billing_approval_above="USD:200") as bot:
        options = classify(bot, "leo@example.com", "missing_self_serve")
        prompt = click_and_wait(bot, options, ActionId.CANCEL_PRORATED)
        assert "another operator" in str(prompt.args["blocks"])
        confirm_and_wait(bot, prompt)
        assert "another operator must click Confirm" in answers(bot)[-1]
        assert [s.status for s in subscriptions(client, "leo@example.com")] == ["active"]
        confirm_and_wait(bot, prompt, user_id=SECOND)
        [handoff] = handoffs(bot)
    assert [s.status for s in subscriptions(client, "leo@example.com")] == ["canceled"]
    assert f"Confirmed by <@{SECOND}>, requested by <@{OPERATOR}>" in handoff.args["text"]
    assert sub.id in handoff.args["text"]


# --- accept a dispute --------------------------------------------------------------------------------


def test_accepting_a_dispute_closes_it_as_lost_once(
    demo_sandbox: SandboxServer, demo_stripe_client: stripe.StripeClient, db: Path, clock: FixedClock
) -> None:
    client = demo_stripe_client
    [dispute] = client.v1.disputes.list().data
    with bot_for(demo_sandbox, db, clock) as bot:
        options = classify(bot, "dana@example.com", "product_failure")
        assert "Accept dispute (lose the money)" in button_texts(options)
        prompt = click_and_wait(bot, options, ActionId.ACCEPT_DISPUTE)
        shown = str(prompt.args["blocks"])
        assert f"Accept dispute {dispute.id} on {dispute.charge} ($20.00, reason: fraudulent)?" in shown
        assert "The $20.00 is lost for good" in shown
        assert client.v1.disputes.retrieve(dispute.id).status == "needs_response"
        demo_sandbox.clear_log()
        confirm_twice_at_once(bot, prompt)
        writes = stripe_writes(demo_sandbox)
        [handoff] = handoffs(bot)
    confirm_after_restart(demo_sandbox, db, clock, prompt)

    assert writes == [f"POST /v1/disputes/{dispute.id}/close"]
    assert client.v1.disputes.retrieve(dispute.id).status == "lost"
    text = handoff.args["text"]
    assert all(f"{title}\n" in text for title in HANDOFF_SECTIONS)
    assert f"Accepted dispute {dispute.id} on {dispute.charge} (status lost)" in section(text, "ACTION TAKEN")
    assert "Refunded: nothing\nMRR change: none\nLost to disputes: $20.00" in text
    assert "you keep that money" in section(text, "FOLLOW-UP")


def test_a_dispute_close_whose_answer_was_lost_is_finished_without_a_second_close(
    demo_sandbox: SandboxServer, demo_stripe_client: stripe.StripeClient, db: Path, clock: FixedClock
) -> None:
    gateway = AnswersLost(demo_sandbox)
    [dispute] = demo_stripe_client.v1.disputes.list().data
    with bot_for(demo_sandbox, db, clock, gateway=gateway) as bot:
        prompt = click_and_wait(
            bot, classify(bot, "dana@example.com", "product_failure"), ActionId.ACCEPT_DISPUTE
        )
        demo_sandbox.clear_log()
        confirm_and_wait(bot, prompt)
        assert "click Confirm again" in answers(bot)[-1] and handoffs(bot) == []
        confirm_and_wait(bot, prompt)
        [handoff] = handoffs(bot)
    assert gateway.sent == ["close_dispute"]
    assert stripe_writes(demo_sandbox) == [f"POST /v1/disputes/{dispute.id}/close"]
    assert demo_stripe_client.v1.disputes.retrieve(dispute.id).status == "lost"
    assert "Lost to disputes: $20.00" in handoff.args["text"]


# --- record a product gap ----------------------------------------------------------------------------


def gap_counts(db: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, int]:
    monkeypatch.setenv("BILLING_DB", str(db))
    out = io.StringIO()
    assert run_audit(build_parser().parse_args(["audit", "--gaps", "--json"]), out=out) == 0
    return {row["gap"]: row["tickets"] for row in json.loads(out.getvalue())}


def test_a_recorded_product_gap_is_counted_by_audit_gaps_once_and_changes_nothing_in_stripe(
    demo_sandbox: SandboxServer,
    db: Path,
    clock: FixedClock,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    with bot_for(demo_sandbox, db, clock) as bot:
        options = classify(bot, "pat@example.com", "product_failure")
        buttons = button_texts(options)
        assert buttons[-2:] == ["Record a product gap…", "Reclassify"]
        assert buttons.index("Refund charge…") < buttons.index("Credit note…")
        form = open_form(bot, bot.standin, options, ActionId.RECORD_GAP)
        assert list(input_blocks(form)) == ["gap"]
        demo_sandbox.clear_log()
        prompt = submit_form(bot, bot.standin, form, {"gap": "  no usage or   rate-limit visibility. "})
        assert "Record the product gap “No usage or rate-limit visibility” for this case?" in str(
            prompt.args["blocks"]
        )
        confirm_twice_at_once(bot, prompt)
        [handoff] = handoffs(bot)
    confirm_after_restart(demo_sandbox, db, clock, prompt)

    assert stripe_writes(demo_sandbox) == []
    counts = gap_counts(db, monkeypatch)
    assert counts["No usage or rate-limit visibility"] == 1
    text = handoff.args["text"]
    assert all(f"{title}\n" in text for title in HANDOFF_SECTIONS)
    assert "No usage or rate-limit visibility" in section(text, "PRODUCT GAP")
    assert "Recorded a product gap, listed under PRODUCT GAP (no change in Stripe)" in text
    assert "Refunded: nothing\nMRR change: none" in text
    assert "passed it on to our product team" in section(text, "FOLLOW-UP")


def test_a_blank_gap_is_refused_and_nothing_recorded(
    demo_sandbox: SandboxServer, db: Path, clock: FixedClock
) -> None:
    with bot_for(demo_sandbox, db, clock) as bot:
        options = classify(bot, "pat@example.com", "product_failure")
        form = open_form(bot, bot.standin, options, ActionId.RECORD_GAP)
        assert bot.submit_form(form, {"gap": "   "}).status_code == 200
        bot.wait_idle()
        assert answers(bot) == [":warning: Write what the product lacks; nothing was recorded."]
        assert handoffs(bot) == []


def _day(timestamp: int) -> str:
    return f"{datetime.fromtimestamp(timestamp, UTC):%Y-%m-%d}"
