"""A refund whose first attempt timed out, finished by a different operator's Confirm, from Stripe's truth.

Signed Slack requests -> real Bolt app over HTTP -> ActionService -> real StripeGateway -> demo sandbox. The
gateway is the real one with the timeout injected around the real call (before it reached Stripe, or after
Stripe executed it and the answer was lost); what Stripe holds is read back with stripe-python.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import stripe

from billing.clock import FixedClock
from billing.errors import StripeUnavailable
from billing.gateway import StripeGateway
from billing.models import Refund
from billing.sandbox import SandboxServer
from messages.ids import ActionId
from tests.e2e.test_actions_slack import (
    SECOND,
    answers,
    bot_for,
    classify,
    handoffs,
    refunds,
    stripe_writes,
    submit_refund,
)


class FirstRefundTimesOut(StripeGateway):
    """The real gateway; the first refund times out: before Stripe saw it, or after Stripe executed it."""

    def __init__(self, sandbox: SandboxServer, *, after_stripe: bool) -> None:
        super().__init__(sandbox.api_key, api_base=sandbox.base_url, max_retries=0, timeout_seconds=5)
        self.after_stripe = after_stripe
        self.sent: list[tuple[str, dict[str, Any]]] = []

    def refund_charge(self, charge_id: str, **kwargs: Any) -> Refund:
        self.sent.append((charge_id, kwargs))
        first = len(self.sent) == 1
        if first and not self.after_stripe:
            raise StripeUnavailable("could not reach Stripe (read timed out)")
        refund = super().refund_charge(charge_id, **kwargs)
        if first:
            raise StripeUnavailable("could not reach Stripe (read timed out)")
        return refund


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(datetime.now(UTC))


@pytest.fixture
def db(tmp_path: Path) -> Path:
    return tmp_path / "bot.db"


@pytest.mark.parametrize("after_stripe", [True, False], ids=["answer-lost", "request-lost"])
def test_a_timed_out_refund_is_finished_by_another_operators_confirm(
    demo_sandbox: SandboxServer,
    demo_stripe_client: stripe.StripeClient,
    db: Path,
    clock: FixedClock,
    after_stripe: bool,
) -> None:
    gateway = FirstRefundTimesOut(demo_sandbox, after_stripe=after_stripe)
    with bot_for(demo_sandbox, db, clock, gateway=gateway) as bot:
        prompt = submit_refund(bot, classify(bot, "pat@example.com", "product_failure"), "20.00")
        demo_sandbox.clear_log()
        assert bot.click(prompt, ActionId.CONFIRM).status_code == 200
        bot.wait_idle()
        assert "read timed out" in answers(bot)[-1] and "click Confirm again" in answers(bot)[-1]
        assert handoffs(bot) == []
        clock.advance(minutes=30)  # past the 10-minute expiry: an unknown outcome must still be finished

        assert bot.click(prompt, ActionId.CONFIRM, user_id=SECOND).status_code == 200
        bot.wait_idle()
        [handoff] = handoffs(bot)
        [nonce] = [row["nonce"] for row in bot.services.store.db["pending_actions"].rows]
        pending = bot.services.actions.pending(nonce)
        events = [row["event"] for row in bot.services.store.audit_rows(case_id=pending.case_id)]

    [refund] = refunds(demo_stripe_client, "pat@example.com")
    assert refund.amount == 2000
    assert pending.status == "done" and pending.progress["completed"]["refund"]["id"] == refund.id
    assert f"Confirmed by <@{SECOND}>" in handoff.args["text"] and "Refunded: $20.00" in handoff.args["text"]
    assert events.count("action_succeeded") == 1 and events[-1] == "handoff_posted"
    assert bot.services.store.target_locks() == {}
    # Both Confirms asked for the same refund: identical parameters and idempotency key.
    if after_stripe:
        assert len(gateway.sent) == 1, "the second Confirm found the refund in Stripe and sent nothing"
        assert stripe_writes(demo_sandbox) == ["POST /v1/refunds"]
    else:
        first, second = gateway.sent
        assert json.dumps(first, sort_keys=True) == json.dumps(second, sort_keys=True)
        assert stripe_writes(demo_sandbox) == ["POST /v1/refunds"]
