"""Stripe pages for the customer (issue 13), from the card: the open invoice's payment page and a payment's
receipt go to the operator, nothing changes in Stripe; an invoice Stripe emails (send_invoice) needs a Confirm
and is sent once. Signed Slack requests -> real Bolt app -> real StripeGateway -> demo sandbox."""

from __future__ import annotations

import threading
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
    click_and_wait,
    confirm_and_wait,
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
        assert "Send receipt" in button_texts(options)
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


# --- invoices Stripe emails (collection_method send_invoice) -------------------------------------------

INVOICED = "ap@invoiced.example"


def invoiced_customer(client: stripe.StripeClient) -> stripe.Invoice:
    """A customer who pays by invoice: Stripe emails each invoice, nothing is charged automatically."""
    [pro] = [price for price in client.v1.prices.list().data if price.nickname == "Pro"]
    customer = client.v1.customers.create(params={"email": INVOICED, "name": "Ada Payables"})
    client.v1.subscriptions.create(
        params={
            "customer": customer.id,
            "items": [{"price": pro.id}],
            "collection_method": "send_invoice",
            "days_until_due": 14,
        }
    )
    return open_invoice(client, INVOICED)


def sent_events(client: stripe.StripeClient, invoice_id: str) -> list[stripe.Event]:
    events = client.v1.events.list(params={"type": "invoice.sent", "limit": 100}).data
    return [event for event in events if event.data.object.to_dict().get("id") == invoice_id]


def test_an_invoice_stripe_emails_is_sent_again_once_after_confirm_even_twice_and_after_a_restart(
    demo_sandbox: SandboxServer, demo_stripe_client: stripe.StripeClient, db: Path, clock: FixedClock
) -> None:
    invoice = invoiced_customer(demo_stripe_client)
    with bot_for(demo_sandbox, db, clock) as bot:
        options = classify(bot, INVOICED, "failed_payment")
        assert "Email the invoice again" in button_texts(options)
        prompt = click_and_wait(bot, options, ActionId.SEND_INVOICE)
        shown = str(prompt.args["blocks"])
        assert (
            f"Have Stripe email invoice {invoice.id} ({invoice.number}) ($20.00 due) to {INVOICED} again?"
            in shown
        )
        assert sent_events(demo_stripe_client, str(invoice.id)) == []
        demo_sandbox.clear_log()
        clicks = [threading.Thread(target=bot.click, args=(prompt, ActionId.CONFIRM)) for _ in range(2)]
        for thread in clicks:
            thread.start()
        for thread in clicks:
            thread.join()
        bot.wait_idle()
        [handoff] = handoffs(bot)
    with bot_for(demo_sandbox, db, clock) as restarted:
        confirm_and_wait(restarted, prompt)
        assert any("Already done by <@U0OPERATOR>" in text for text in answers(restarted))
        assert handoffs(restarted) == []
    assert stripe_writes(demo_sandbox) == [f"POST /v1/invoices/{invoice.id}/send"]
    assert len(sent_events(demo_stripe_client, str(invoice.id))) == 1
    assert demo_stripe_client.v1.invoices.retrieve(str(invoice.id)).status == "open"  # nothing charged
    text = handoff.args["text"]
    assert all(f"{title}\n" in text for title in HANDOFF_SECTIONS)
    assert (
        f"Stripe emailed invoice {invoice.id} ({invoice.number}) ($20.00 due) to the customer again" in text
    )
    assert f"I have just re-sent invoice {invoice.number} ($20.00) to {INVOICED}" in text
