"""Customer-controlled text reaches Slack escaped and sized: a customer named `<!channel> hi` with a
3,000-character description (and mentions in their metadata, plan and message) gets a card and a handoff
that Slack accepts, and no string the bot sends contains a live `<!channel>`, `<!here>` or `<@…>` other than
the bot's own mentions of operators.

Signed Slack requests -> real Bolt app over HTTP -> real StripeGateway -> demo sandbox; the stand-in checks
Slack's size limits (section 3,000, header 150, button 75) and records every string sent.
"""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from pathlib import Path

import pytest
import stripe

from billing.clock import FixedClock
from billing.sandbox import SandboxServer
from messages.ids import ActionId
from tests.e2e.slack_harness import OPERATOR
from tests.e2e.test_actions_slack import bot_for, classify, handoffs, submit_refund
from tests.sandbox.support import make_customer, make_price, subscribe

HOSTILE_NAME = "<!channel> hi"
LONG_DESCRIPTION = ("<!here> please <@U0BOSS> read this " * 100)[:3000]
EMAIL = "mallory@example.com"
LIVE_MENTION = re.compile(r"<(?:!|@|#)[^>]*>")


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(datetime.now(UTC))


@pytest.fixture
def db(tmp_path: Path) -> Path:
    return tmp_path / "bot.db"


def hostile_customer(client: stripe.StripeClient) -> None:
    customer = make_customer(
        client,
        name=HOSTILE_NAME,
        email=EMAIL,
        description=LONG_DESCRIPTION,
        metadata={"github": "<!here>", "note": "<@U0BOSS> " * 40},
    )
    price = make_price(client, amount=2500, name="<!subteam^S0TEAM> Pro " + "x" * 300)
    subscribe(client, customer, price, description=LONG_DESCRIPTION, metadata={"why": "<!everyone>"})


def test_a_hostile_customer_name_and_long_texts_post_escaped_and_within_slacks_limits(
    demo_sandbox: SandboxServer, demo_stripe_client: stripe.StripeClient, db: Path, clock: FixedClock
) -> None:
    hostile_customer(demo_stripe_client)
    with bot_for(demo_sandbox, db, clock) as bot:
        options = classify(bot, EMAIL, "product_failure")
        prompt = submit_refund(bot, options, "5.00")
        assert bot.click(prompt, ActionId.CONFIRM).status_code == 200
        bot.wait_idle()
        [handoff] = handoffs(bot)
        # The customer's own message, through the message shortcut, with mentions and 3,000 characters.
        assert (
            bot.message_shortcut(f"<!here> <@U0BOSS> {EMAIL} refund me {LONG_DESCRIPTION}").status_code == 200
        )
        bot.wait_idle()
        calls = bot.standin.calls

    assert all(call.ok for call in calls), [(call.method, call.error) for call in calls if not call.ok]
    posts = [call for call in calls if call.method == "chat.postMessage"]
    cards = [post for post in posts if post is not handoff]
    assert len(posts) == 3 and len(cards) == 2  # the card, its handoff, the shortcut's card
    assert "&lt;!channel&gt; hi" in cards[1].args["text"]
    assert "&lt;!channel&gt; hi" in cards[0].args["text"]
    assert cards[0].args["blocks"][0]["text"]["text"].startswith("&lt;!channel&gt; hi")
    assert "&lt;!channel&gt; hi" in handoff.args["text"]
    for call in calls:
        sent = json.dumps(call.args, ensure_ascii=False)
        live = set(LIVE_MENTION.findall(sent))
        assert live <= {f"<@{OPERATOR}>"} | {m for m in live if m.startswith("<#C0BILLING")}, (
            call.method,
            live,
        )
        assert "<!channel>" not in sent and "<!here>" not in sent and "<!subteam" not in sent
