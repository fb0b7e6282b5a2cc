"""Credit notes on paid and open invoices: refund, balance credit or out-of-band, and what the invoice shows."""

from __future__ import annotations

import pytest
import stripe

from tests.sandbox.support import make_customer, make_price, raw, subscribe


@pytest.fixture
def paid_invoice(stripe_client: stripe.StripeClient) -> stripe.Invoice:
    subscription = subscribe(
        stripe_client, make_customer(stripe_client), make_price(stripe_client, amount=3000)
    )
    return stripe_client.v1.invoices.retrieve(str(subscription.latest_invoice))


def _charge_id(client: stripe.StripeClient, invoice: stripe.Invoice) -> str:
    return str(client.v1.charges.list(params={"customer": str(invoice.customer)}).data[0].id)


def test_a_credit_note_with_refund_amount_refunds_the_charge_once_under_replay(
    stripe_client: stripe.StripeClient, paid_invoice: stripe.Invoice
) -> None:
    params: stripe.params.CreditNoteCreateParams = {
        "invoice": paid_invoice.id,
        "amount": 1200,
        "refund_amount": 1200,
        "reason": "order_change",
        "memo": "Two seats removed",
    }
    preview = stripe_client.v1.credit_notes.preview(params=params)
    note = stripe_client.v1.credit_notes.create(params=params, options={"idempotency_key": "cn-1"})
    again = stripe_client.v1.credit_notes.create(params=params, options={"idempotency_key": "cn-1"})

    assert raw(again) == raw(note)
    assert (preview.amount, preview.post_payment_amount, preview.type) == (1200, 1200, "post_payment")
    assert (note.amount, note.total, note.pre_payment_amount, note.post_payment_amount) == (
        1200,
        1200,
        0,
        1200,
    )
    assert (note.status, note.type, note.reason, note.memo) == (
        "issued",
        "post_payment",
        "order_change",
        "Two seats removed",
    )
    assert note.number == f"{paid_invoice.number}-CN-01"
    refund = stripe_client.v1.refunds.retrieve(str(note.refunds[0].refund))
    assert (refund.amount, refund.charge, note.refunds[0].amount_refunded) == (
        1200,
        _charge_id(stripe_client, paid_invoice),
        1200,
    )
    assert len(stripe_client.v1.refunds.list().data) == 1
    invoice = stripe_client.v1.invoices.retrieve(paid_invoice.id)
    assert (invoice.post_payment_credit_notes_amount, invoice.amount_remaining, invoice.status) == (
        1200,
        0,
        "paid",
    )
    assert [n.id for n in stripe_client.v1.credit_notes.list(params={"invoice": paid_invoice.id}).data] == [
        note.id
    ]


def test_a_credit_note_with_credit_amount_moves_the_customer_balance(
    stripe_client: stripe.StripeClient, paid_invoice: stripe.Invoice
) -> None:
    note = stripe_client.v1.credit_notes.create(
        params={"invoice": paid_invoice.id, "amount": 1000, "credit_amount": 600, "out_of_band_amount": 400}
    )
    customer = stripe_client.v1.customers.retrieve(str(paid_invoice.customer))
    assert customer.balance == -600
    transaction = stripe_client.v1.customers.balance_transactions.retrieve(
        customer.id, str(note.customer_balance_transaction)
    )
    assert (transaction.type, transaction.amount, transaction.credit_note) == ("credit_note", -600, note.id)
    assert (note.out_of_band_amount, note.refunds) == (400, [])
    assert stripe_client.v1.refunds.list().data == []


def test_a_credit_note_must_split_exactly_and_cannot_exceed_the_invoice(
    stripe_client: stripe.StripeClient, paid_invoice: stripe.Invoice
) -> None:
    with pytest.raises(stripe.InvalidRequestError):
        stripe_client.v1.credit_notes.create(
            params={"invoice": paid_invoice.id, "amount": 1000, "refund_amount": 900}
        )
    stripe_client.v1.credit_notes.create(
        params={"invoice": paid_invoice.id, "amount": 2500, "refund_amount": 2500}
    )
    with pytest.raises(stripe.InvalidRequestError) as raised:
        stripe_client.v1.credit_notes.create(
            params={"invoice": paid_invoice.id, "amount": 600, "refund_amount": 600}
        )
    assert raised.value.param == "amount"
    assert stripe_client.v1.invoices.retrieve(paid_invoice.id).post_payment_credit_notes_amount == 2500


def test_a_credit_note_by_invoice_line(stripe_client: stripe.StripeClient) -> None:
    subscription = subscribe(
        stripe_client, make_customer(stripe_client), make_price(stripe_client, amount=1000), quantity=4
    )
    invoice = stripe_client.v1.invoices.retrieve(str(subscription.latest_invoice))
    line = invoice.lines.data[0]
    note = stripe_client.v1.credit_notes.create(
        params={
            "invoice": invoice.id,
            "lines": [{"type": "invoice_line_item", "invoice_line_item": str(line.id), "quantity": 1}],
            "refund_amount": 1000,
        }
    )
    assert (note.amount, note.lines.data[0].invoice_line_item, note.lines.data[0].unit_amount) == (
        1000,
        line.id,
        1000,
    )


def test_a_credit_note_on_an_open_invoice_lowers_what_is_due(stripe_client: stripe.StripeClient) -> None:
    customer = make_customer(stripe_client, card="pm_card_chargeCustomerFail")
    subscription = subscribe(stripe_client, customer, make_price(stripe_client, amount=3000))
    invoice_id = str(subscription.latest_invoice)
    note = stripe_client.v1.credit_notes.create(params={"invoice": invoice_id, "amount": 1000})
    invoice = stripe_client.v1.invoices.retrieve(invoice_id)
    assert (note.type, note.pre_payment_amount) == ("pre_payment", 1000)
    assert (invoice.amount_due, invoice.amount_remaining, invoice.pre_payment_credit_notes_amount) == (
        2000,
        2000,
        1000,
    )
    with pytest.raises(stripe.InvalidRequestError) as raised:
        stripe_client.v1.credit_notes.create(
            params={"invoice": invoice_id, "amount": 500, "refund_amount": 500}
        )
    assert "post-payment amount (0)" in str(raised.value.user_message)
    stripe_client.v1.credit_notes.create(params={"invoice": invoice_id, "amount": 2000})
    assert stripe_client.v1.invoices.retrieve(invoice_id).status == "paid"
