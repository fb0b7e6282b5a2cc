"""Stripe pages for the customer (issue 13), from the card: the open invoice's payment page and a payment's
receipt go to the operator, nothing changes in Stripe; an invoice Stripe emails (send_invoice) needs a Confirm
and is sent once. Signed Slack requests -> real Bolt app -> real StripeGateway -> demo sandbox."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
import stripe

from billing.clock import FixedClock
from billing.sandbox import SandboxServer
from tests.e2e.buttons import ActionId
from tests.e2e.test_actions_slack import (
    HANDOFF_SECTIONS,
    answers,
    bot_for,
    button_texts,
    classify,
    customer_id,
    handoffs,
    stripe_writes,
)


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(datetime.now(UTC))


@pytest.fixture
def db(tmp_path: Path) -> Path:
    return tmp_path / "bot.db"


def open_invoice(client: stripe.StripeClient, email: str) -> stripe.Invoice:
    [invoice] = client.v1.invoices.list(
        params={"customer": customer_id(client, email), "status": "open"}
    ).data
    return invoice


def test_the_open_invoices_payment_page_goes_to_the_operator_and_nothing_changes(
    demo_sandbox: SandboxServer, demo_stripe_client: stripe.StripeClient, db: Path, clock: FixedClock
) -> None:
    invoice = open_invoice(demo_stripe_client, "sam@example.com")
    with bot_for(demo_sandbox, db, clock) as bot:
        options = classify(bot, "sam@example.com", "failed_payment")
        assert button_texts(options)[0] == "Invoice payment page"  # safest first: needs no portal
        demo_sandbox.clear_log()
        assert bot.click(options, ActionId.SEND_INVOICE_LINK).status_code == 200
        bot.wait_idle()
        told = answers(bot)[-1]
        [handoff] = handoffs(bot)
        events = [(row["event"], row["outcome"]) for row in bot.services.store.audit_rows()]
    assert stripe_writes(demo_sandbox) == []
    assert invoice.hosted_invoice_url and invoice.hosted_invoice_url in told
    assert "Text to send" in told and "You can pay it securely here" in told
    text = handoff.args["text"]
    assert all(f"{title}\n" in text for title in HANDOFF_SECTIONS)
    assert f"Hosted payment page of invoice {invoice.id} ($20.00 due) went to the operator" in text
    assert invoice.hosted_invoice_url not in text  # the link itself stays with the operator
    assert ("link_sent", "success") in events
    assert demo_stripe_client.v1.invoices.retrieve(str(invoice.id)).status == "open"


def test_a_payments_receipt_goes_to_the_operator(
    demo_sandbox: SandboxServer, demo_stripe_client: stripe.StripeClient, db: Path, clock: FixedClock
) -> None:
    [charge] = demo_stripe_client.v1.charges.list(
        params={"customer": customer_id(demo_stripe_client, "nora@example.com")}
    ).data
    with bot_for(demo_sandbox, db, clock) as bot:
        options = classify(bot, "nora@example.com", "missing_self_serve")
        assert button_texts(options)[0] == "Send receipt"
        demo_sandbox.clear_log()
        assert bot.click(options, ActionId.SEND_RECEIPT).status_code == 200
        bot.wait_idle()
        told = answers(bot)[-1]
        [handoff] = handoffs(bot)
    assert stripe_writes(demo_sandbox) == []
    assert charge.receipt_url and charge.receipt_url in told
    assert "here is the receipt for your payment of $20.00" in told
    assert f"Receipt of payment {charge.id} ($20.00) went to the operator" in handoff.args["text"]


def test_a_paid_invoice_has_no_payment_page_to_send(
    demo_sandbox: SandboxServer, demo_stripe_client: stripe.StripeClient, db: Path, clock: FixedClock
) -> None:
    invoice = open_invoice(demo_stripe_client, "sam@example.com")
    with bot_for(demo_sandbox, db, clock) as bot:
        options = classify(bot, "sam@example.com", "failed_payment")
        demo_stripe_client.v1.invoices.pay(str(invoice.id), params={"paid_out_of_band": True})
        assert bot.click(options, ActionId.SEND_INVOICE_LINK).status_code == 200
        bot.wait_idle()
        assert f"{invoice.id} is paid: there is nothing left to pay on its page." in answers(bot)[-1]
        assert handoffs(bot) == []
        events = [(row["event"], row["outcome"]) for row in bot.services.store.audit_rows()]
    assert ("link_failed", "error") in events
