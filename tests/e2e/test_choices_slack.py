"""The operator chooses the object an action acts on (issue 10): which duplicate or overlapping plan ends, which
charge is refunded and how much, which subscription or invoice; and what a half-finished action changed.

Signed Slack requests -> real Bolt app -> sandbox; what Stripe holds afterwards is read back with
stripe-python, never from the bot's view.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
import stripe

from billing.clock import FixedClock
from billing.sandbox import SandboxServer
from billing.store import Store
from tests.e2e.buttons import ActionId
from tests.e2e.test_actions_slack import (
    answers,
    bot_for,
    classify,
    click_and_wait,
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
        prompt = click_and_wait(bot, options, ActionId.CANCEL_DUPLICATE)
        assert f"and cancel {newer.id} now?" in str(prompt.args["blocks"])
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
