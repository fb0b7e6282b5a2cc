"""Customer links and the re-sent invoice (issue 13): the operator's private message (exact output), what each
definition refuses, and the send-invoice step against the in-memory gateway."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from billing.action_kinds import definition
from billing.action_kinds.customer_links import link_definition
from billing.action_models import ActionKind, ActionOutcome, PendingAction, PendingStatus
from billing.change_models import CustomerLink
from billing.errors import PreconditionFailed, StripeRefused
from billing.models import Bucket
from billing.money import Money
from billing.snapshot import build_snapshot
from messages.links import customer_link_text
from tests.unit.fake_gateway import FakeGateway, charge, customer, invoice, records

NOW = datetime(2026, 11, 16, 12, 0, tzinfo=UTC)


def test_the_link_message_escapes_the_customer_text_and_keeps_only_the_bots_link() -> None:
    link = CustomerLink(
        id="in_Open0001",
        kind="hosted_invoice",
        url="https://invoice.stripe.com/i/acct_1/test_abc",
        amount=Money(amount=2000, currency="usd"),
        number="ABC-0001",
        created=NOW,
    )
    text = customer_link_text(link, "Hi <@U123> & co, pay here: <link>")
    assert text == (
        ":link: *Invoice payment page* of `in_Open0001` (only you can see this; nothing changed in Stripe):\n"
        "https://invoice.stripe.com/i/acct_1/test_abc\n\n*Text to send:*\n"
        ">Hi &lt;@U123&gt; &amp; co, pay here: https://invoice.stripe.com/i/acct_1/test_abc"
    )


def emailed(**fields: Any) -> FakeGateway:
    values: dict[str, Any] = {
        "status": "open",
        "amount_paid": 0,
        "amount_remaining": 2000,
        "collection_method": "send_invoice",
        "number": "ABC-0002",
        "hosted_invoice_url": "https://invoice.stripe.com/i/x",
        **fields,
    }
    return FakeGateway([records(customer(), invoices=[invoice("in_Mail0001", **values)])])


def pending(target: str) -> PendingAction:
    return PendingAction(
        nonce="n1",
        case_id="c1",
        kind=ActionKind.SEND_INVOICE,
        requested_by="U1",
        customer_id="cus_Jane0001",
        target_ids=[target],
        summary="",
        steps=[],
        status=PendingStatus.RUNNING,
        expires_at=NOW + timedelta(minutes=10),
    )


def test_send_invoice_plans_rechecks_and_sends_once_per_key() -> None:
    gateway = emailed()
    snapshot = build_snapshot(gateway.records["cus_Jane0001"], now=NOW, matched_on="email", livemode=False)
    send = definition(ActionKind.SEND_INVOICE)
    assert send.target(Bucket.FAILED_PAYMENT, snapshot) == "in_Mail0001"
    plan = send.plan("in_Mail0001", snapshot)
    assert plan.summary == (
        "Have Stripe email invoice in_Mail0001 (ABC-0002) ($20.00 due) to jane@example.com again? Nothing is charged."
    )
    assert plan.impact is None
    [step] = plan.steps
    send.recheck(step, gateway, pending("in_Mail0001"))
    params = send.request(step, pending("in_Mail0001"), first_confirmed_by="U1")
    first = send.send(step, gateway, params, "key-1")
    assert send.send(step, gateway, params, "key-1") == first
    outcome = ActionOutcome(kind=ActionKind.SEND_INVOICE, case_id="c1", actor="U1", results={"send": first})
    assert send.handoff_outcome(outcome) == [
        "Stripe emailed invoice in_Mail0001 (ABC-0002) ($20.00 due) to the customer again; nothing was charged"
    ]


def test_send_invoice_is_not_offered_or_sent_for_an_invoice_charged_automatically() -> None:
    gateway = emailed(collection_method="charge_automatically")
    snapshot = build_snapshot(gateway.records["cus_Jane0001"], now=NOW, matched_on="email", livemode=False)
    send = definition(ActionKind.SEND_INVOICE)
    assert send.target(Bucket.FAILED_PAYMENT, snapshot) is None
    with pytest.raises(PreconditionFailed, match="charged automatically"):
        send.plan("in_Mail0001", snapshot)
    with pytest.raises(StripeRefused):
        gateway.send_invoice("in_Mail0001", idempotency_key="k")


def test_links_are_read_fresh_and_refused_when_they_no_longer_fit() -> None:
    hosted = link_definition(ActionKind.SEND_INVOICE_LINK)
    receipt = link_definition(ActionKind.SEND_RECEIPT)
    gateway = emailed(status="paid", amount_remaining=0)
    gateway.add(
        records(
            customer("cus_Other001", email="other@example.com"),
            charges=[
                charge("ch_Other001", customer_id="cus_Other001", receipt_url="https://pay.stripe.com/r/1")
            ],
        )
    )
    with pytest.raises(PreconditionFailed, match="nothing left to pay"):
        hosted.read_link("in_Mail0001", gateway, customer_id="cus_Jane0001")
    with pytest.raises(PreconditionFailed, match="not a payment of this customer"):
        receipt.read_link("ch_Other001", gateway, customer_id="cus_Jane0001")
    link = receipt.read_link("ch_Other001", gateway, customer_id="cus_Other001")
    assert (link.kind, link.url, link.amount) == (
        "receipt",
        "https://pay.stripe.com/r/1",
        Money(amount=2000, currency="usd"),
    )
