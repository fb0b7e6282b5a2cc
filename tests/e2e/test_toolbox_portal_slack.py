"""Portal links (issue 13) from the card: the return URL setting on every session, the card update and
cancellation flows, and the truth when no portal is set up. Signed Slack requests -> real Bolt app -> real
StripeGateway -> demo sandbox; what Stripe received is read from the sandbox's request log."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import stripe

from billing.clock import FixedClock
from billing.sandbox import SandboxServer
from tests.e2e.buttons import ActionId
from tests.e2e.slack_harness import SlackHarness
from tests.e2e.test_actions_slack import answers, bot_for, button_texts, classify, customer_id, handoffs

RETURN_URL = "https://app.example.com/settings/billing"


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(datetime.now(UTC))


@pytest.fixture
def db(tmp_path: Path) -> Path:
    return tmp_path / "bot.db"


def click_link(
    bot: SlackHarness, sandbox: SandboxServer, email: str, bucket: str, button: str
) -> dict[str, Any]:
    """Classify, click the link's button; the session request Stripe received (params), or {} if none."""
    options = classify(bot, email, bucket)
    assert bot.click(options, button).status_code == 200
    bot.wait_idle()
    sessions = [
        r for r in sandbox.request_log if r.method == "POST" and r.path == "/v1/billing_portal/sessions"
    ]
    return dict(sessions[-1].params) if sessions else {}


def audit_events(bot: SlackHarness) -> list[tuple[str, str | None]]:
    return [(row["event"], row["outcome"]) for row in bot.services.store.audit_rows()]


def test_card_update_link_opens_the_payment_method_flow_and_returns_to_the_configured_url(
    demo_sandbox: SandboxServer, demo_stripe_client: stripe.StripeClient, db: Path, clock: FixedClock
) -> None:
    with bot_for(demo_sandbox, db, clock, billing_portal_return_url=RETURN_URL) as bot:
        assert button_texts(classify(bot, "sam@example.com", "failed_payment"))[:3] == [
            "Invoice payment page",
            "Card update link",
            "Portal link",
        ]
        sent = click_link(
            bot, demo_sandbox, "sam@example.com", "failed_payment", ActionId.PORTAL_PAYMENT_METHOD
        )
        told = "\n".join(answers(bot))
        [handoff] = handoffs(bot)
    assert sent["customer"] == customer_id(demo_stripe_client, "sam@example.com")
    assert sent["return_url"] == RETURN_URL
    assert sent["flow_data"] == {"type": "payment_method_update"}
    assert f"{demo_sandbox.base_url}/p/session/" in told and "update your card" in told
    assert "payment-method update flow" in handoff.args["text"]
    assert ("portal_session_created", "success") in audit_events(bot)


def test_the_plain_portal_link_sends_the_return_url_too(
    demo_sandbox: SandboxServer, db: Path, clock: FixedClock
) -> None:
    with bot_for(demo_sandbox, db, clock, billing_portal_return_url=RETURN_URL) as bot:
        sent = click_link(bot, demo_sandbox, "sam@example.com", "failed_payment", ActionId.PORTAL_LINK)
    assert sent["return_url"] == RETURN_URL and "flow_data" not in sent


def test_cancellation_link_opens_the_cancel_flow_for_the_subscription(
    demo_sandbox: SandboxServer, demo_stripe_client: stripe.StripeClient, db: Path, clock: FixedClock
) -> None:
    [config] = demo_stripe_client.v1.billing_portal.configurations.list().data
    demo_stripe_client.v1.billing_portal.configurations.update(
        config.id, params={"features": {"subscription_cancel": {"enabled": True}}}
    )
    [sub] = demo_stripe_client.v1.subscriptions.list(
        params={"customer": customer_id(demo_stripe_client, "nora@example.com")}
    ).data
    with bot_for(demo_sandbox, db, clock) as bot:
        sent = click_link(bot, demo_sandbox, "nora@example.com", "missing_self_serve", ActionId.PORTAL_CANCEL)
        [handoff] = handoffs(bot)
    assert sent["flow_data"] == {
        "type": "subscription_cancel",
        "subscription_cancel": {"subscription": sub.id},
    }
    assert "nothing is cancelled until the customer confirms" in handoff.args["text"]
    assert demo_stripe_client.v1.subscriptions.retrieve(sub.id).status == "active"


def test_a_disabled_cancel_flow_is_recorded_as_the_gap_it_is(
    demo_sandbox: SandboxServer, db: Path, clock: FixedClock
) -> None:
    with bot_for(demo_sandbox, db, clock) as bot:
        sent = click_link(bot, demo_sandbox, "nora@example.com", "missing_self_serve", ActionId.PORTAL_CANCEL)
        assert sent == {}
        assert "Customer portal does not let customers cancel their subscription" in answers(bot)[-1]
        assert bot.services.store.gap_counts() == [
            ("Customer portal does not let customers cancel their subscription", 1)
        ]
        assert ("portal_gap", "blocked") in audit_events(bot)


def test_no_portal_set_up_is_said_as_such_with_no_gap_and_an_audit_row(
    demo_sandbox: SandboxServer, demo_stripe_client: stripe.StripeClient, db: Path, clock: FixedClock
) -> None:
    [config] = demo_stripe_client.v1.billing_portal.configurations.list().data
    demo_stripe_client.v1.billing_portal.configurations.update(config.id, params={"active": False})
    with bot_for(demo_sandbox, db, clock) as bot:
        sent = click_link(
            bot, demo_sandbox, "sam@example.com", "failed_payment", ActionId.PORTAL_PAYMENT_METHOD
        )
        assert sent == {}
        assert (
            "The customer portal is not set up in this Stripe account "
            "(Dashboard → Settings → Billing → Customer portal)" in answers(bot)[-1]
        )
        assert bot.services.store.gap_counts() == []
        assert ("portal_not_set_up", "blocked") in audit_events(bot)
        assert handoffs(bot) == []


def test_a_portal_session_stripe_refuses_is_told_and_audited(
    demo_sandbox: SandboxServer, demo_stripe_client: stripe.StripeClient, db: Path, clock: FixedClock
) -> None:
    # No return URL anywhere: Stripe refuses the session.
    [config] = demo_stripe_client.v1.billing_portal.configurations.list().data
    demo_stripe_client.v1.billing_portal.configurations.update(config.id, params={"default_return_url": ""})
    with bot_for(demo_sandbox, db, clock) as bot:
        click_link(bot, demo_sandbox, "sam@example.com", "failed_payment", ActionId.PORTAL_PAYMENT_METHOD)
        assert "return_url" in answers(bot)[-1]
        assert ("portal_failed", "error") in audit_events(bot)
        assert handoffs(bot) == []
