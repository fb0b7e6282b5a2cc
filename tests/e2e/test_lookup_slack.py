"""/billing and the message shortcut end to end: signed requests -> Bolt over HTTP -> LookupService -> gateway.

The gateway is the StripeGateway against the demo-seeded sandbox when tests/conftest.py provides `demo_sandbox`,
otherwise the in-memory fake (same customers); the round-count test needs the sandbox's request log.
"""

from __future__ import annotations

import logging
import re
import threading
from collections.abc import Iterator
from typing import Any

import pytest

from billing.gateway import StripeGateway
from billing.ports import BillingGateway
from billing.sandbox import SandboxServer
from messages.ids import ActionId
from tests.e2e.slack_harness import (
    BILLING_CHANNEL,
    BOT_TOKEN,
    OUTSIDE_CHANNEL,
    SIGNING_SECRET,
    STRIPE_KEY,
    SlackHarness,
    running_bot,
)

# 13-19 digits, optionally grouped by spaces or dashes; not glued to a word (Slack permalinks end in /p<16 digits>).
SANDBOX_KEY = "sk_test_sandbox"  # billing.sandbox's key, used by the gateway when the sandbox serves Stripe
CARD_NUMBER_LIKE = re.compile(r"(?<![\w/])(?:\d[ -]?){12,18}\d(?!\d)")


class GatedGateway:
    """Delegates to the real gateway; its first call waits until the test opens the gate."""

    def __init__(self, inner: BillingGateway) -> None:
        self.inner = inner
        self.gate = threading.Event()
        self.calls: list[str] = []

    def __getattr__(self, name: str) -> Any:
        attribute = getattr(self.inner, name)
        if not callable(attribute):
            return attribute

        def gated(*args: Any, **kwargs: Any) -> Any:
            assert self.gate.wait(timeout=5), "the test never opened the gate"
            self.calls.append(name)
            return attribute(*args, **kwargs)

        return gated


@pytest.fixture
def gateway(demo_sandbox: SandboxServer) -> BillingGateway:
    """A fresh demo sandbox per test: these tests change Stripe state."""
    return StripeGateway(
        demo_sandbox.api_key, api_base=demo_sandbox.base_url, max_retries=0, timeout_seconds=5
    )


@pytest.fixture
def bot(gateway: BillingGateway) -> Iterator[SlackHarness]:
    with running_bot(gateway) as harness:
        yield harness


def blocks_text(call: Any) -> str:
    return str(call.args.get("blocks"))


def subscription_ids(gateway: BillingGateway, email: str) -> list[str]:
    [customer] = gateway.find_customers_by_email(email)
    return [subscription.id for subscription in gateway.load_billing_records(customer).subscriptions]


def test_jane_gets_one_card_naming_both_duplicates_and_suggesting_duplicate(
    bot: SlackHarness, gateway: BillingGateway
) -> None:
    bot.slash_command("jane@example.com")

    [post] = bot.standin.wait_for("chat.postMessage")
    bot.wait_idle()
    assert len(bot.standin.calls_to("chat.postMessage")) == 1
    first, second = subscription_ids(gateway, "jane@example.com")[:2]
    card = blocks_text(post)
    assert f"`{first}`" in card and f"`{second}`" in card
    # Stripe lists newest first: the older subscription is the original, the newer the duplicate.
    assert card.count(":warning: *duplicate*") == 1 and card.count("*original*") == 1
    assert f"original {second} paid by Visa •••• 4242; duplicate {first} paid by Visa •••• 4242" in card
    assert "*SUGGESTED:* Duplicate personal subscription" in card
    assert post.args["channel"] == BILLING_CHANNEL


def test_team_account_is_not_flagged_as_duplicate(bot: SlackHarness) -> None:
    bot.slash_command("team@acme.example")

    [post] = bot.standin.wait_for("chat.postMessage")
    assert ":warning: *duplicate*" not in blocks_text(post)
    assert "SUGGESTED:* Duplicate" not in blocks_text(post)


def test_shared_email_lists_both_customers(bot: SlackHarness, gateway: BillingGateway) -> None:
    bot.slash_command("shared@example.com")

    [post] = bot.standin.wait_for("chat.postMessage")
    customers = gateway.find_customers_by_email("shared@example.com")
    assert len(customers) == 2
    assert all(f"`{customer.id}`" in blocks_text(post) for customer in customers)
    assert blocks_text(post).count(ActionId.OPEN_CANDIDATE.value) == 2


def test_not_allowed_channel_unknown_and_empty_are_answered_ephemerally(bot: SlackHarness) -> None:
    bot.slash_command("jane@example.com", channel_id=OUTSIDE_CHANNEL)
    bot.slash_command("nobody-at-all@example.com")
    bot.slash_command("")

    replies = bot.standin.wait_for("response_url", count=3)
    bot.wait_idle()
    texts = {reply.args["text"].split(" ")[0]: reply.args for reply in replies}
    assert "<#C0BILLING1>" in texts["Billing"]["text"]
    assert texts["No"]["text"].startswith("No customer matches `nobody-at-all@example.com`")
    assert texts["*Usage:*"]["text"].startswith("*Usage:* `/billing QUERY [what the customer said]`")
    assert all(reply.args["response_type"] == "ephemeral" for reply in replies)
    assert bot.standin.calls_to("chat.postMessage") == []


def test_message_shortcut_finds_the_customer_in_the_message(
    bot: SlackHarness, gateway: BillingGateway
) -> None:
    text = "Hi, I was charged twice — jane@example.com"
    bot.message_shortcut(text, message_ts="1690000000.000300")
    bot.message_shortcut(text, channel_id=OUTSIDE_CHANNEL, message_ts="1690000000.000400")

    in_thread, elsewhere = bot.standin.wait_for("chat.postMessage", count=2)
    first = subscription_ids(gateway, "jane@example.com")[0]
    if in_thread.args.get("thread_ts") is None:
        in_thread, elsewhere = elsewhere, in_thread
    assert (in_thread.args["channel"], in_thread.args["thread_ts"]) == (BILLING_CHANNEL, "1690000000.000300")
    assert (elsewhere.args["channel"], elsewhere.args.get("thread_ts")) == (BILLING_CHANNEL, None)
    assert "archives/C0GENERAL/p1690000000000400" in blocks_text(elsewhere)
    assert all(f"`{first}`" in blocks_text(post) for post in (in_thread, elsewhere))
    assert "Matched on: email jane@example.com" in blocks_text(in_thread)


def stripe_rounds(log: list[Any]) -> int:
    """Requests whose [started, ended] intervals overlap form one round; count the rounds."""
    rounds, round_end = 0, float("-inf")
    for record in sorted(log, key=lambda record: record.started):
        if record.started > round_end:
            rounds += 1
            round_end = record.ended
        else:
            round_end = max(round_end, record.ended)
    return rounds


def test_stripe_rounds_counts_overlapping_requests_as_one() -> None:
    class Record:
        def __init__(self, started: float, ended: float) -> None:
            self.started, self.ended = started, ended

    assert stripe_rounds([Record(0, 1), Record(2, 4), Record(2.1, 3), Record(3.5, 5), Record(6, 7)]) == 3


def test_a_lookup_makes_at_most_two_sequential_rounds_of_stripe_requests(
    request: pytest.FixtureRequest, gateway: BillingGateway
) -> None:
    try:
        sandbox = request.getfixturevalue("demo_sandbox")
    except pytest.FixtureLookupError:
        pytest.skip("needs the demo_sandbox fixture (tests/conftest.py) for the sandbox's request_log")
    # Latency makes parallel requests overlap reliably; without it two parallel calls could look sequential.
    sandbox.set_latency_ms(150)
    try:
        with running_bot(gateway) as bot:
            sandbox.clear_log()
            bot.slash_command("jane@example.com")
            bot.standin.wait_for("chat.postMessage")
            bot.wait_idle()
            log = list(sandbox.request_log)
    finally:
        sandbox.set_latency_ms(0)
    assert len(log) >= 2
    assert stripe_rounds(log) <= 2


def test_ack_answers_before_any_stripe_request(gateway: BillingGateway) -> None:
    gated = GatedGateway(gateway)
    with running_bot(gated) as bot:
        try:
            response = bot.slash_command("jane@example.com")
            assert response.status_code == 200
            assert gated.calls == []
        finally:
            gated.gate.set()
        [post] = bot.standin.wait_for("chat.postMessage")
    assert "jane@example.com" in blocks_text(post)


def test_nothing_recorded_or_logged_holds_a_secret_or_card_number(
    bot: SlackHarness, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.DEBUG):
        bot.slash_command("jane@example.com")
        bot.slash_command("shared@example.com")
        bot.slash_command("nobody-at-all@example.com")
        bot.message_shortcut("charged twice — jane@example.com", channel_id=OUTSIDE_CHANNEL)
        bot.standin.wait_for("chat.postMessage", count=3)
        bot.standin.wait_for("response_url")
        bot.wait_idle()

    recorded = bot.recorded_text() + "\n" + "\n".join(record.getMessage() for record in caplog.records)
    secrets = [STRIPE_KEY, BOT_TOKEN, SIGNING_SECRET, SANDBOX_KEY]
    for secret in secrets:
        assert secret not in recorded
    assert CARD_NUMBER_LIKE.findall(recorded) == []


def test_the_card_number_scan_would_catch_one() -> None:
    assert CARD_NUMBER_LIKE.findall(
        "card 4242 4242 4242 4242 and 4000-0000-0000-0002, ts 1700000000.000100"
    ) == [
        "4242 4242 4242 4242",
        "4000-0000-0000-0002",
    ]
