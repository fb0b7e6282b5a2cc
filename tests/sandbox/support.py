"""Small builders over stripe-python for the sandbox tests."""

from __future__ import annotations

import json
from typing import Any

import stripe


def raw(obj: stripe.StripeObject) -> dict[str, Any]:
    """The JSON body exactly as the sandbox sent it (not stripe-python's view of it)."""
    response = obj.last_response
    assert response is not None
    body: dict[str, Any] = json.loads(response.body)
    return body


def make_price(
    client: stripe.StripeClient,
    amount: int = 2000,
    currency: str = "usd",
    interval: str = "month",
    name: str = "Pro",
) -> stripe.Price:
    return client.v1.prices.create(
        params={
            "unit_amount": amount,
            "currency": currency,
            "recurring": {"interval": interval},
            "product_data": {"name": name},
        }
    )


def make_customer(
    client: stripe.StripeClient, card: str | None = "pm_card_visa", **fields: Any
) -> stripe.Customer:
    params: dict[str, Any] = dict(fields)
    if card:
        params["payment_method"] = card
        params["invoice_settings"] = {"default_payment_method": card}
    return client.v1.customers.create(params=params)  # type: ignore[arg-type]


def subscribe(
    client: stripe.StripeClient,
    customer: stripe.Customer,
    price: stripe.Price,
    quantity: int = 1,
    **fields: Any,
) -> stripe.Subscription:
    params: dict[str, Any] = {
        "customer": customer.id,
        "items": [{"price": price.id, "quantity": quantity}],
        **fields,
    }
    return client.v1.subscriptions.create(params=params)  # type: ignore[arg-type]


def event_types(client: stripe.StripeClient, **params: Any) -> list[str]:
    page = client.v1.events.list(params={"limit": 100, **params})  # type: ignore[arg-type]
    return [event.type for event in page.data]
