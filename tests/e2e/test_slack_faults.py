"""Slack failing under the bot: a single 429 (with Retry-After) or 500 on chat.postMessage, chat.update or
views.open loses nothing; a Slack that keeps failing delays the handoff through the outbox, and the operator
reads what really happened. Signed requests -> real Bolt app over HTTP -> demo sandbox; Slack is the stand-in.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import pytest
import stripe

from billing.clock import FixedClock
from billing.sandbox import SandboxServer
from bot.outbox_worker import Courier, outbox_poster
from bot.scheduler import post_daily_digest
from bot.slack_standin import Call, SlackStandIn
from tests.e2e.buttons import ActionId
from tests.e2e.slack_harness import SlackHarness
from tests.e2e.test_actions_slack import answers, bot_for, refunds

FAULTS: dict[str, Callable[[SlackStandIn, str], None]] = {
    "429": lambda standin, method: standin.rate_limit_next(method, retry_after=3),
    "500": lambda standin, method: standin.server_error_next(method),
}
METHODS = ("chat.postMessage", "chat.update", "views.open", "views.update")


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(datetime.now(UTC))


@pytest.fixture
def db(tmp_path: Path) -> Path:
    return tmp_path / "bot.db"


class Flow:
    """/billing pat@example.com -> Product failure -> Refund charge… (modal) -> $20.00 -> Confirm, with one
    fault injected before every call to `faulty` (None: no faults)."""

    def __init__(
        self, bot: SlackHarness, fault: Callable[[SlackStandIn, str], None] | None, faulty: str | None
    ):
        self.bot = bot
        self.fault = fault
        self.faulty = faulty

    def _arm(self, method: str) -> int:
        if self.fault is not None and method == self.faulty:
            self.fault(self.bot.standin, method)
        return len(self.ok(method))

    def ok(self, method: str) -> list[Call]:
        return [call for call in self.bot.standin.calls_to(method) if call.ok]

    def step(self, method: str, send: Callable[[], object]) -> Call:
        before = self._arm(method)
        send()
        return self.bot.standin.wait_for(method, count=before + 1, ok=True)[-1]

    def open_refund_form(self, options: Call) -> dict[str, object]:
        """Refund charge… opens a "Loading…" modal, then the bot replaces it with the form."""
        updated = self._arm("views.update")
        self.step("views.open", lambda: self.bot.click(options, ActionId.REFUND_CHARGE))
        update = self.bot.standin.wait_for("views.update", count=updated + 1, ok=True)[-1].args
        return {**update["view"], "id": update["view_id"]}

    def run(self) -> tuple[Call, Call]:
        bot = self.bot
        card = self.step("chat.postMessage", lambda: bot.slash_command("pat@example.com"))
        bot.wait_idle()
        options = self.step(
            "chat.update", lambda: bot.click(card, ActionId.CLASSIFY, bucket="product_failure")
        )
        form = self.open_refund_form(options)
        prompt = self.step("chat.update", lambda: bot.submit_form(form, {"amount": "20.00"}))
        self._arm("chat.update")
        handoff = self.step("chat.postMessage", lambda: bot.click(prompt, ActionId.CONFIRM))
        bot.wait_idle()
        return card, handoff


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("status", sorted(FAULTS))
def test_a_single_slack_fault_loses_nothing_and_is_never_reported_as_nothing_changed(
    demo_sandbox: SandboxServer,
    demo_stripe_client: stripe.StripeClient,
    db: Path,
    clock: FixedClock,
    status: str,
    method: str,
) -> None:
    with bot_for(demo_sandbox, db, clock) as bot:
        card, handoff = Flow(bot, FAULTS[status], method).run()
        failed = [call for call in bot.standin.calls_to(method) if not call.ok]
        final = bot.standin.wait_for("chat.update", ok=True)[-1]
        assert failed and all(call.error in ("ratelimited", "internal_error") for call in failed)
        assert bot.slack_waits, "the client retried after a wait"
        if status == "429":
            assert all(wait >= 3 for wait in bot.slack_waits), "Retry-After honoured"
        assert handoff.args["thread_ts"] == card.ts and "Refunded: $20.00" in handoff.args["text"]
        assert "DONE" in json.dumps(final.args["blocks"])
        assert (
            len([c for c in bot.standin.calls_to("chat.postMessage") if c.ok and c.args.get("thread_ts")])
            == 1
        )
        assert not any("Nothing was changed" in text or "went wrong" in text for text in answers(bot))
        assert bot.services.outbox.undelivered() == []
    assert len(refunds(demo_stripe_client, "pat@example.com")) == 1


def test_a_handoff_slack_keeps_refusing_is_queued_retried_and_the_operator_told_the_truth(
    demo_sandbox: SandboxServer, demo_stripe_client: stripe.StripeClient, db: Path, clock: FixedClock
) -> None:
    with bot_for(demo_sandbox, db, clock) as bot:
        flow = Flow(bot, None, None)
        card = flow.step("chat.postMessage", lambda: bot.slash_command("pat@example.com"))
        bot.wait_idle()
        options = flow.step(
            "chat.update", lambda: bot.click(card, ActionId.CLASSIFY, bucket="product_failure")
        )
        form = flow.open_refund_form(options)
        prompt = flow.step("chat.update", lambda: bot.submit_form(form, {"amount": "20.00"}))
        for _ in range(3):  # more than the client's retries
            bot.standin.server_error_next("chat.postMessage")
        bot.standin.fail_next("chat.postMessage", "not_in_channel")
        bot.click(prompt, ActionId.CONFIRM)
        bot.wait_idle()
        [refund] = refunds(demo_stripe_client, "pat@example.com")
        [told] = answers(bot)
        assert told == (
            f":warning: Refunded $20.00 (`{refund.id}`); the handoff post failed and will be retried."
        )
        [queued] = bot.services.outbox.undelivered()
        assert queued.kind == "handoff" and queued.last_error == "internal_error"

        courier = Courier(bot.services.outbox, bot.app.client)
        assert courier.run_due() == 0, "not due before its backoff"
        clock.advance(seconds=5)
        assert courier.run_due() == 0  # not_in_channel: still queued, longer backoff
        assert bot.services.outbox.undelivered()[0].last_error == "not_in_channel"
        clock.advance(seconds=10)
        assert courier.run_due() == 1
        [handoff] = [c for c in bot.standin.calls_to("chat.postMessage") if c.ok and c.args.get("thread_ts")]
        assert handoff.args["thread_ts"] == card.ts and "Refunded: $20.00" in handoff.args["text"]
        assert bot.services.outbox.undelivered() == []
        events = [row["event"] for row in bot.services.store.audit_rows()]
        assert events.count("handoff_posted") == 1 and events.index("handoff_posted") > events.index(
            "action_succeeded"
        )


@pytest.mark.parametrize("status", sorted(FAULTS))
def test_the_digest_survives_a_single_fault_and_a_slack_outage(
    demo_sandbox: SandboxServer, db: Path, clock: FixedClock, status: str
) -> None:
    with bot_for(demo_sandbox, db, clock, digest_channel="C0DIGEST") as bot:
        courier = Courier(bot.services.outbox, bot.app.client)
        FAULTS[status](bot.standin, "chat.postMessage")
        run = post_daily_digest(bot.services, outbox_poster(bot.services.outbox, courier))
        assert run.posted and run.message_ts
        [digest] = bot.standin.wait_for("chat.postMessage", ok=True)
        assert digest.args["channel"] == "C0DIGEST" and "Churn-risk digest" in digest.args["text"]

        clock.advance(days=1)
        for _ in range(3):
            FAULTS[status](bot.standin, "chat.postMessage")
        run = post_daily_digest(bot.services, outbox_poster(bot.services.outbox, courier))
        assert run.posted and run.message_ts is None  # claimed for the day, queued for delivery
        clock.advance(seconds=5)
        assert courier.run_due() == 1
        assert len(bot.standin.wait_for("chat.postMessage", count=2, ok=True)) == 2
