"""A credit note after a plain refund of the invoice's charge: Stripe counts the refund against what the
invoice may still credit, so the two together never exceed what was paid."""

from __future__ import annotations

import pytest
import stripe

from tests.sandbox.support import make_customer, make_price, subscribe


def test_a_refund_api_refund_lowers_what_credit_notes_may_still_credit(
    stripe_client: stripe.StripeClient,
) -> None:
    subscription = subscribe(
        stripe_client, make_customer(stripe_client), make_price(stripe_client, amount=3000)
    )
    invoice_id = str(subscription.latest_invoice)
    charge = stripe_client.v1.charges.list(params={"customer": str(subscription.customer)}).data[0]
    stripe_client.v1.refunds.create(params={"charge": charge.id, "amount": 1000})

    with pytest.raises(stripe.InvalidRequestError, match=r"can still be credited on the invoice \(2000\)"):
        stripe_client.v1.credit_notes.preview(
            params={"invoice": invoice_id, "amount": 2001, "credit_amount": 2001}
        )
    note = stripe_client.v1.credit_notes.create(
        params={"invoice": invoice_id, "amount": 1500, "refund_amount": 1500}
    )
    # The note's own refund is not counted twice: 3000 paid - 1000 refunded - 1500 credited = 500 left.
    assert note.amount == 1500
    with pytest.raises(stripe.InvalidRequestError, match=r"can still be credited on the invoice \(500\)"):
        stripe_client.v1.credit_notes.preview(
            params={"invoice": invoice_id, "amount": 501, "credit_amount": 501}
        )
    last = stripe_client.v1.credit_notes.create(
        params={"invoice": invoice_id, "amount": 500, "credit_amount": 500}
    )
    assert last.amount == 500
