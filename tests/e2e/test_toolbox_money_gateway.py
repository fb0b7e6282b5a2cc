"""The gateway's credit-note and dispute calls (issue 13's money actions) against a demo-seeded sandbox."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import stripe

from billing.credit_notes import CreditNoteDraft, creditable_amount
from billing.errors import StripeRefused
from billing.gateway import StripeGateway
from billing.models import Customer
from billing.sandbox import SandboxServer


@pytest.fixture
def fresh_gateway(demo_sandbox: SandboxServer) -> Iterator[StripeGateway]:
    gateway = StripeGateway(demo_sandbox.api_key, api_base=demo_sandbox.base_url, max_retries=0)
    yield gateway
    gateway.close()


def only(gateway: StripeGateway, email: str) -> Customer:
    [customer] = gateway.find_customers_by_email(email)
    return customer


def test_a_credit_note_preview_moves_nothing_and_the_create_refunds_once_per_key(
    fresh_gateway: StripeGateway, demo_stripe_client: stripe.StripeClient
) -> None:
    records = fresh_gateway.load_billing_records(only(fresh_gateway, "pat@example.com"))
    [invoice] = records.invoices
    assert (invoice.total_amount, creditable_amount(invoice)) == (2000, 2000)
    draft = CreditNoteDraft(
        invoice_id=invoice.id,
        amount=750,
        refund_amount=750,
        reason="product_unsatisfactory",
        metadata={"billing_ops_nonce": "n1"},
    )
    preview = fresh_gateway.preview_credit_note(draft)
    assert (preview.amount, preview.post_payment_amount, preview.refund_ids) == (750, 750, [])
    assert demo_stripe_client.v1.credit_notes.list(params={"invoice": invoice.id}).data == []

    note = fresh_gateway.create_credit_note(draft, idempotency_key="cn-key")
    again = fresh_gateway.create_credit_note(draft, idempotency_key="cn-key")
    assert again.id == note.id and note.stripe_request_id
    assert (note.amount, note.refunded_amount, note.credited_amount, note.reason) == (
        750,
        750,
        0,
        "product_unsatisfactory",
    )
    [refund_id] = note.refund_ids
    assert demo_stripe_client.v1.refunds.retrieve(refund_id).amount == 750
    assert [n.id for n in fresh_gateway.list_credit_notes(invoice.id)] == [note.id]
    assert fresh_gateway.list_credit_notes(invoice.id)[0].metadata == {"billing_ops_nonce": "n1"}
    reread = fresh_gateway.get_invoice(invoice.id)
    assert (reread.post_payment_credit_notes_amount, creditable_amount(reread)) == (750, 1250)


def test_a_credit_note_to_the_balance_and_one_over_the_creditable_amount(
    fresh_gateway: StripeGateway, demo_stripe_client: stripe.StripeClient
) -> None:
    customer = only(fresh_gateway, "yuki.annual@example.com")
    [invoice] = fresh_gateway.load_billing_records(customer).invoices
    note = fresh_gateway.create_credit_note(
        CreditNoteDraft(invoice_id=invoice.id, amount=5000, credit_amount=5000, reason="order_change"),
        idempotency_key="cn-credit",
    )
    assert (note.credited_amount, note.refund_ids, note.customer_balance_transaction_id is not None) == (
        5000,
        [],
        True,
    )
    assert demo_stripe_client.v1.customers.retrieve(customer.id).balance == -5000
    with pytest.raises(StripeRefused, match="greater than the amount that can still be credited"):
        fresh_gateway.preview_credit_note(
            CreditNoteDraft(invoice_id=invoice.id, amount=15001, credit_amount=15001, reason="duplicate")
        )


def test_closing_a_dispute_marks_it_lost_once(fresh_gateway: StripeGateway) -> None:
    customer = only(fresh_gateway, "dana@example.com")
    [dispute] = fresh_gateway.load_billing_records(customer).disputes
    assert fresh_gateway.get_dispute(dispute.id).customer_id == customer.id
    closed = fresh_gateway.close_dispute(dispute.id, idempotency_key="close-1")
    replayed = fresh_gateway.close_dispute(dispute.id, idempotency_key="close-1")
    assert (closed.status, replayed.status, closed.is_open) == ("lost", "lost", False)
    assert fresh_gateway.get_dispute(dispute.id).status == "lost"
    with pytest.raises(StripeRefused, match="already closed"):
        fresh_gateway.close_dispute(dispute.id, idempotency_key="close-2")
