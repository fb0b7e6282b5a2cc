"""`GET /v1/invoiceitems`: the prorations a quantity change leaves pending, and how `pending` filters them."""

from __future__ import annotations

import stripe

from tests.sandbox.support import make_customer, make_price, subscribe


def test_a_quantity_change_leaves_two_pending_proration_items_listed_by_customer(
    stripe_client: stripe.StripeClient,
) -> None:
    customer = make_customer(stripe_client)
    subscription = subscribe(stripe_client, customer, make_price(stripe_client))
    item = subscription.items.data[0]
    stripe_client.v1.subscriptions.update(subscription.id, params={"items": [{"id": item.id, "quantity": 3}]})
    pending = stripe_client.v1.invoice_items.list(params={"customer": customer.id, "pending": True}).data
    assert len(pending) == 2 and all(entry.proration and entry.invoice is None for entry in pending)
    assert stripe_client.v1.invoice_items.list(params={"customer": customer.id, "pending": False}).data == []
    [one] = [entry for entry in pending if entry.amount > 0]
    assert stripe_client.v1.invoice_items.retrieve(one.id).amount == one.amount
    other = make_customer(stripe_client)
    assert stripe_client.v1.invoice_items.list(params={"customer": other.id}).data == []
