"""`/billing digest|plans|portal-check` and the digest's Investigate button, through signed Slack requests,
the real Bolt app over HTTP and the real gateway on the demo-seeded sandbox."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest

from billing.gateway import StripeGateway
from billing.sandbox import SandboxServer
from bot.slack_standin import Call
from messages.ids import ActionId
from tests.e2e.slack_harness import BILLING_CHANNEL, SlackHarness, find_button, running_bot

DIGEST_CHANNEL = "C0DIGEST1"


@pytest.fixture
def gateway(demo_sandbox: SandboxServer) -> Iterator[StripeGateway]:
    gateway = StripeGateway(demo_sandbox.api_key, api_base=demo_sandbox.base_url, max_retries=0)
    yield gateway
    gateway.close()


def ask(bot: SlackHarness, text: str) -> Call:
    assert bot.slash_command(text).status_code == 200
    [reply] = bot.standin.wait_for("response_url")
    bot.wait_idle()
    return reply


def shown(reply: Call) -> str:
    return json.dumps(reply.args.get("blocks") or [], ensure_ascii=False)


def test_digest_preview_is_ephemeral_posts_nothing_and_hides_emails(gateway: StripeGateway) -> None:
    with running_bot(gateway, digest_channel=DIGEST_CHANNEL) as bot:
        reply = ask(bot, "digest")
        assert reply.args["response_type"] == "ephemeral"
        assert bot.standin.calls_to("chat.postMessage") == []
        blocks = shown(reply)
        for section in ("Failed renewals", "Incomplete checkouts", "Open disputes", "Duplicate active"):
            assert section in blocks
        assert "Sam Failed" in blocks and "Dana Dispute" in blocks and "Jane Doe" in blocks
        assert "@" not in blocks and "sam@example.com" not in bot.recorded_text()


def test_digest_shows_emails_when_redaction_is_off(gateway: StripeGateway) -> None:
    with running_bot(gateway, digest_channel=DIGEST_CHANNEL, billing_redact_digest=False) as bot:
        blocks = shown(ask(bot, "digest"))
        assert "sam@example.com" in blocks and "jane@example.com" in blocks


def test_plans_answers_ephemerally_with_the_demo_seed_mix(gateway: StripeGateway) -> None:
    with running_bot(gateway) as bot:
        reply = ask(bot, "plans")
        assert reply.args["response_type"] == "ephemeral"
        assert bot.standin.calls_to("chat.postMessage") == []
        blocks = shown(reply)
        assert "10 active subscriptions" in blocks
        assert "$256.67/mo" in blocks and "¥3,000/mo" in blocks
        assert "Team-seat confusion (1)" in blocks and "Jane Doe" in blocks


def test_portal_check_answers_ephemerally_with_cancellation_missing(gateway: StripeGateway) -> None:
    with running_bot(gateway) as bot:
        reply = ask(bot, "portal-check")
        assert reply.args["response_type"] == "ephemeral"
        assert bot.standin.calls_to("chat.postMessage") == []
        blocks = shown(reply)
        assert "Cancel subscription" in blocks and "no cancellation flow" in blocks


def test_investigate_posts_the_lookup_card_in_the_first_billing_channel(gateway: StripeGateway) -> None:
    [sam] = gateway.find_customers_by_email("sam@example.com")
    with running_bot(gateway, digest_channel=DIGEST_CHANNEL) as bot:
        blocks: list[dict[str, Any]] = ask(bot, "digest").args["blocks"]
        button, block_id = find_button(blocks, ActionId.INVESTIGATE.value, target=sam.id)
        message = {"type": "message", "ts": "1774600000.000100", "text": "digest", "blocks": blocks}
        clicked = bot.block_action(
            ActionId.INVESTIGATE.value,
            button["value"],
            channel_id=DIGEST_CHANNEL,
            message=message,
            block_id=block_id,
        )
        assert clicked.status_code == 200
        [card] = bot.standin.wait_for("chat.postMessage")
        bot.wait_idle()
        assert card.args["channel"] == BILLING_CHANNEL
        assert sam.id in json.dumps(card.args["blocks"]) and "Sam Failed" in json.dumps(card.args["blocks"])
