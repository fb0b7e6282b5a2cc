"""The lookup through the real app, adapter, uvicorn and stand-in, with a fake gateway behind LookupService."""

from __future__ import annotations

import logging
import threading
import time
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from billing.errors import StripeUnavailable
from billing.models import BillingRecords, Customer, Price, Subscription, SubscriptionItem
from messages.ids import ActionId, ButtonValue
from tests.e2e.slack_harness import (
    BILLING_CHANNEL,
    OPERATOR,
    OUTSIDE_CHANNEL,
    SlackHarness,
    running_bot,
)
from tests.unit.fake_gateway import FakeGateway

T0 = datetime(2025, 3, 1, tzinfo=UTC)
PRO = Price(
    id="price_pro",
    product_id="prod_pro",
    product_name="Pro",
    unit_amount=2000,
    currency="usd",
    interval="month",
)


def _subscription(sub_id: str, customer_id: str, *, quantity: int = 1, days_ago: int = 10) -> Subscription:
    created = T0 - timedelta(days=days_ago)
    item = SubscriptionItem(
        id=f"si_{sub_id}",
        price=PRO,
        quantity=quantity,
        current_period_start=created,
        current_period_end=created + timedelta(days=31),
    )
    return Subscription(
        id=sub_id, customer_id=customer_id, status="active", created=created, currency="usd", items=[item]
    )


def lookup_gateway() -> FakeGateway:
    """Jane with two subscriptions, a team, and two customers sharing an email."""
    jane = Customer(id="cus_jane", name="Jane Doe", email="jane@example.com", created=T0)
    team = Customer(id="cus_team", name="Acme", email="team@acme.example", created=T0)
    shared_1 = Customer(id="cus_s1", email="shared@example.com", created=T0)
    shared_2 = Customer(id="cus_s2", email="shared@example.com", created=T0)

    def records(customer: Customer, *subscriptions: Subscription) -> BillingRecords:
        return BillingRecords(customer=customer, subscriptions=list(subscriptions), invoices=[], charges=[])

    return FakeGateway(
        [
            records(
                jane,
                _subscription("sub_jane_a", "cus_jane", days_ago=10),
                _subscription("sub_jane_b", "cus_jane", days_ago=9),
            ),
            records(team, _subscription("sub_team", "cus_team", quantity=5)),
            records(shared_1, _subscription("sub_s1", "cus_s1")),
            records(shared_2),
        ]
    )


@pytest.fixture
def gateway() -> FakeGateway:
    return lookup_gateway()


@pytest.fixture
def bot(gateway: FakeGateway) -> Any:
    with running_bot(gateway) as harness:
        yield harness


def card_text(call: Any) -> str:
    return str(call.args["blocks"])


def test_billing_command_posts_one_card_in_the_channel_and_opens_a_case(bot: SlackHarness) -> None:
    response = bot.slash_command("jane@example.com")

    assert response.status_code == 200
    [post] = bot.standin.wait_for("chat.postMessage")
    assert post.args["channel"] == BILLING_CHANNEL
    assert "sub_jane_a" in card_text(post) and "sub_jane_b" in card_text(post)
    assert ":warning: *duplicate*" in card_text(post)
    bot.wait_idle()
    [case_id] = [row["case_id"] for row in bot.services.store.audit_rows() if row["event"] == "lookup"]
    case = bot.services.store.get_case(case_id)
    assert case is not None
    assert (case["customer_id"], case["channel"], case["message_ts"], case["opened_by"]) == (
        "cus_jane",
        BILLING_CHANNEL,
        post.ts,
        OPERATOR,
    )


def test_outside_billing_channels_answers_only_the_operator_without_looking_up(
    bot: SlackHarness, gateway: FakeGateway
) -> None:
    bot.slash_command("jane@example.com", channel_id=OUTSIDE_CHANNEL)

    [reply] = bot.standin.wait_for("response_url")
    assert reply.args["response_type"] == "ephemeral"
    assert "<#C0BILLING1>" in reply.args["text"]
    assert gateway.calls == []
    assert bot.standin.calls_to("chat.postMessage") == []


def test_no_text_answers_with_usage(bot: SlackHarness) -> None:
    bot.slash_command("")

    [reply] = bot.standin.wait_for("response_url")
    assert reply.args["text"].startswith("*Usage:* `/billing QUERY [what the customer said]`")


def test_unknown_customer_says_what_was_tried(bot: SlackHarness) -> None:
    bot.slash_command("nobody@example.com")

    [reply] = bot.standin.wait_for("response_url")
    assert reply.args["text"] == (
        "No customer matches `nobody@example.com`"
        " (tried: email nobody@example.com, search email nobody@example.com (any case))."
    )
    assert bot.standin.calls_to("chat.postMessage") == []


def test_stripe_unavailable_gives_a_reference_and_a_retry_that_works(
    bot: SlackHarness, gateway: FakeGateway
) -> None:
    gateway.fail_every_call = StripeUnavailable("timeout")
    bot.slash_command("jane@example.com")

    [reply] = bot.standin.wait_for("response_url")
    assert "Reference: `ref-" in reply.args["text"]
    assert bot.standin.calls_to("chat.postMessage") == []
    retry = reply.args["blocks"][1]["elements"][0]
    assert retry["action_id"] == ActionId.RETRY_LOOKUP
    assert ButtonValue.decode(retry["value"]) == ButtonValue(target="jane@example.com")

    gateway.fail_every_call = None
    bot.block_action(ActionId.RETRY_LOOKUP, retry["value"], channel_id=BILLING_CHANNEL)
    [post] = bot.standin.wait_for("chat.postMessage")
    assert "sub_jane_a" in card_text(post)


def test_shared_email_lists_candidates_and_open_posts_that_customers_card(bot: SlackHarness) -> None:
    bot.slash_command("shared@example.com")
    [candidates] = bot.standin.wait_for("chat.postMessage")
    assert "cus_s1" in card_text(candidates) and "cus_s2" in card_text(candidates)

    bot.click(candidates, ActionId.OPEN_CANDIDATE, target="cus_s1")

    posts = bot.standin.wait_for("chat.postMessage", count=2)
    assert "sub_s1" in card_text(posts[1])
    assert posts[1].args["channel"] == BILLING_CHANNEL


def test_unexpected_error_shows_a_reference_and_logs_the_traceback_with_it(
    bot: SlackHarness, gateway: FakeGateway, caplog: pytest.LogCaptureFixture
) -> None:
    gateway.fail_every_call = RuntimeError("boom")
    with caplog.at_level(logging.ERROR, logger="handlers.errors"):
        bot.slash_command("jane@example.com")
        [reply] = bot.standin.wait_for("response_url")

    reference = reply.args["text"].split("`")[1]
    assert reference.startswith("ref-") and len(reference) == len("ref-7f3a9c")
    [record] = [record for record in caplog.records if reference in record.getMessage()]
    assert record.exc_info is not None and "boom" in str(record.exc_info[1])


def test_ack_returns_before_any_gateway_call(bot: SlackHarness, gateway: FakeGateway) -> None:
    gate = threading.Event()
    gateway.first_call_gate = gate
    try:
        response = bot.slash_command("jane@example.com")
        assert response.status_code == 200
        assert gateway.calls == []
    finally:
        gate.set()
    bot.standin.wait_for("chat.postMessage")


def test_forged_or_stale_requests_are_rejected_before_any_work(
    bot: SlackHarness, gateway: FakeGateway
) -> None:
    calls_at_start = len(bot.standin.calls)  # auth.test at start-up

    forged = bot.slash_command("jane@example.com", signature="v0=" + "0" * 64)
    stale = bot.slash_command("jane@example.com", timestamp=int(time.time()) - 5 * 60 - 1)

    assert (forged.status_code, stale.status_code) == (401, 401)
    bot.wait_idle()
    assert gateway.calls == []
    assert len(bot.standin.calls) == calls_at_start


def test_message_shortcut_in_a_billing_channel_posts_the_card_in_its_thread(bot: SlackHarness) -> None:
    bot.message_shortcut("Hi, I was charged twice — jane@example.com", message_ts="1690000000.000200")

    [post] = bot.standin.wait_for("chat.postMessage")
    assert (post.args["channel"], post.args["thread_ts"]) == (BILLING_CHANNEL, "1690000000.000200")
    assert "Matched on: email jane@example.com" in card_text(post)


def test_message_shortcut_elsewhere_posts_in_the_first_billing_channel_with_a_link_back(
    bot: SlackHarness,
) -> None:
    bot.message_shortcut("Hi, I was charged twice — jane@example.com", channel_id=OUTSIDE_CHANNEL)

    [post] = bot.standin.wait_for("chat.postMessage")
    [permalink] = bot.standin.calls_to("chat.getPermalink")
    assert permalink.args["channel"] == OUTSIDE_CHANNEL
    assert (post.args["channel"], post.args.get("thread_ts")) == (BILLING_CHANNEL, None)
    note = post.args["blocks"][0]["elements"][0]["text"]
    assert note == (
        ":link: Investigating <https://standin.slack.com/archives/C0GENERAL/p1690000000000100|this message>"
        " in <#C0GENERAL>"
    )


def test_message_without_identifiers_says_so(bot: SlackHarness) -> None:
    bot.message_shortcut("my invoice looks wrong")

    [reply] = bot.standin.wait_for("response_url")
    assert reply.args["text"].startswith("No email address, invoice number or Stripe ID")


def test_global_shortcut_opens_the_modal_and_submitting_posts_the_card(bot: SlackHarness) -> None:
    bot.global_shortcut()
    [opened] = bot.standin.wait_for("views.open")
    assert opened.args["view"]["callback_id"] == "billing_lookup_modal"

    response = bot.view_submission(
        {"lookup.query": {"query": {"type": "plain_text_input", "value": " jane@example.com "}}}
    )

    assert response.json()["response_action"] == "update"
    [post] = bot.standin.wait_for("chat.postMessage")
    assert post.args["channel"] == BILLING_CHANNEL
    [status] = bot.standin.wait_for("views.update")
    assert status.args["view_id"] == "V0MODAL001"
    assert "Posted in <#C0BILLING1>." in str(status.args["view"]["blocks"])


def test_blank_modal_submission_is_answered_with_a_field_error(
    bot: SlackHarness, gateway: FakeGateway
) -> None:
    response = bot.view_submission({"lookup.query": {"query": {"type": "plain_text_input", "value": "   "}}})

    assert response.json() == {
        "response_action": "errors",
        "errors": {"lookup.query": "Enter an email, Stripe ID or name."},
    }
    assert gateway.calls == []
