"""charges.search on a card's last 4 (a nested field Stripe documents), with Stripe's error for the rest."""

from __future__ import annotations

import pytest
import stripe


def _charge_for(client: stripe.StripeClient, card: str) -> stripe.Charge:
    price = client.v1.prices.create(
        params={
            "currency": "usd",
            "unit_amount": 900,
            "recurring": {"interval": "month"},
            "product_data": {"name": "P"},
        }
    )
    customer = client.v1.customers.create(
        params={"payment_method": card, "invoice_settings": {"default_payment_method": card}}
    )
    client.v1.subscriptions.create(params={"customer": customer.id, "items": [{"price": price.id}]})
    [charge] = client.v1.charges.list(params={"customer": customer.id}).data
    return charge


def test_charges_search_matches_a_cards_last4(stripe_client: stripe.StripeClient) -> None:
    mastercard = _charge_for(stripe_client, "pm_card_mastercard")
    _charge_for(stripe_client, "pm_card_visa")

    found = stripe_client.v1.charges.search(params={"query": "payment_method_details.card.last4:'4444'"})
    assert [charge.id for charge in found.data] == [mastercard.id]
    assert (
        stripe_client.v1.charges.search(params={"query": "payment_method_details.card.last4:'0005'"}).data
        == []
    )


def test_an_unsupported_nested_field_is_refused_as_stripe_does(stripe_client: stripe.StripeClient) -> None:
    with pytest.raises(stripe.InvalidRequestError, match="unsupported search field"):
        stripe_client.v1.charges.search(params={"query": "payment_method_details.card.exp_month:8"})
