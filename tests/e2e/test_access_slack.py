"""Who may see reports and post cards with the shortcut, through signed Slack requests, the real Bolt app over
HTTP and the real gateway on the demo-seeded sandbox: refusals are private, post nothing, and are audited."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest

from billing.gateway import StripeGateway
from billing.sandbox import SandboxServer
from bot.slack_standin import BOT_USER_ID
from tests.e2e.slack_harness import BILLING_CHANNEL, OPERATOR, OUTSIDE_CHANNEL, SlackHarness, running_bot

STRANGER = "U0STRANGER"
VIEWER = "U0VIEWER1"
REPORTS = ("digest", "plans", "portal-check")


@pytest.fixture
def bot(demo_sandbox: SandboxServer) -> Iterator[SlackHarness]:
    gateway = StripeGateway(demo_sandbox.api_key, api_base=demo_sandbox.base_url, max_retries=0)
    with running_bot(gateway, billing_viewers=[VIEWER]) as harness:
        yield harness
    gateway.close()


def refusal(bot: SlackHarness, text: str, *, user_id: str, channel_id: str) -> str:
    bot.standin.reset()
    assert bot.slash_command(text, user_id=user_id, channel_id=channel_id).status_code == 200
    [reply] = bot.standin.wait_for("response_url")
    bot.wait_idle()
    assert reply.args["response_type"] == "ephemeral"
    assert bot.standin.calls_to("chat.postMessage") == []
    return str(reply.args["text"])


def audited(bot: SlackHarness, user_id: str) -> list[tuple[str, str]]:
    rows = bot.services.store.audit_rows()
    return [
        (json.loads(row["detail"])["what"], row["outcome"])
        for row in rows
        if row["actor"] == user_id and row["event"] == "report_requested"
    ]


def test_a_non_operators_reports_in_a_billing_channel_are_refused_and_audited(bot: SlackHarness) -> None:
    for report in REPORTS:
        text = refusal(bot, report, user_id=STRANGER, channel_id=BILLING_CHANNEL)
        assert "Only billing operators" in text and "Nothing was posted" in text
        assert "Jane" not in text and "$" not in text
    assert audited(bot, STRANGER) == [(f"`/billing {report}`", "denied") for report in REPORTS]


def test_anyones_reports_outside_a_billing_channel_are_refused_and_audited(bot: SlackHarness) -> None:
    for report in REPORTS:
        text = refusal(bot, report, user_id=OPERATOR, channel_id=OUTSIDE_CHANNEL)
        assert f"<#{BILLING_CHANNEL}>" in text and "nothing was posted" in text
    assert audited(bot, OPERATOR) == [(f"`/billing {report}`", "denied") for report in REPORTS]


def test_a_viewer_gets_reports_in_a_billing_channel_and_the_request_is_audited(bot: SlackHarness) -> None:
    bot.slash_command("plans", user_id=VIEWER)
    [reply] = bot.standin.wait_for("response_url")
    bot.wait_idle()
    assert "active subscriptions" in json.dumps(reply.args["blocks"])
    assert audited(bot, VIEWER) == [("`/billing plans`", "granted")]


def test_a_non_operators_message_shortcut_posts_nothing(bot: SlackHarness) -> None:
    bot.message_shortcut("charged twice, jane@example.com", user_id=STRANGER)
    [reply] = bot.standin.wait_for("response_url")
    bot.wait_idle()
    assert "Only billing operators" in reply.args["text"]
    assert bot.standin.calls_to("chat.postMessage") == []
    assert bot.services.store.db.execute("select count(*) from cases").fetchone()[0] == 0


def test_not_in_channel_tells_the_operator_to_invite_the_bot(bot: SlackHarness) -> None:
    bot.standin.fail_next("chat.postMessage", "not_in_channel")
    bot.slash_command("jane@example.com")
    [reply] = bot.standin.wait_for("response_url")
    bot.wait_idle()
    text = reply.args["text"]
    assert f"invite <@{BOT_USER_ID}>" in text and f"<#{BILLING_CHANNEL}>" in text
    assert "ref-" not in text


def test_a_shortcut_in_another_channel_tells_its_user_where_the_card_went(bot: SlackHarness) -> None:
    bot.message_shortcut("charged twice, jane@example.com", channel_id=OUTSIDE_CHANNEL)
    [card] = bot.standin.wait_for("chat.postMessage")
    [reply] = bot.standin.wait_for("response_url")
    bot.wait_idle()
    assert card.args["channel"] == BILLING_CHANNEL
    assert reply.args["response_type"] == "ephemeral"
    assert f"<#{BILLING_CHANNEL}>" in reply.args["text"] and "|View it>" in reply.args["text"]
