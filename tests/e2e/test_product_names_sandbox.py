"""Cards name products on accounts with more products than one catalogue page (Stripe lists 100 at most)."""

from __future__ import annotations

import stripe

from billing.clock import SystemClock
from billing.gateway import StripeGateway
from billing.lookup import LookupService
from billing.sandbox import SandboxServer
from messages.text import snapshot_text
from tests.sandbox.support import make_customer, subscribe


def test_an_account_with_150_products_shows_every_product_name_on_a_card(
    sandbox: SandboxServer, stripe_client: stripe.StripeClient
) -> None:
    products = [stripe_client.v1.products.create(params={"name": f"Plan number {n:03d}"}) for n in range(150)]
    # Lists are newest first: the oldest products are on the second catalogue page.
    chosen = [products[0], products[1], products[75], products[149]]
    customer = make_customer(stripe_client, email="many@example.com")
    for product in chosen:
        price = stripe_client.v1.prices.create(
            params={
                "product": product.id,
                "unit_amount": 1000,
                "currency": "usd",
                "recurring": {"interval": "month"},
            }
        )
        subscribe(stripe_client, customer, price)

    gateway = StripeGateway(sandbox.api_key, api_base=sandbox.base_url, max_retries=0)
    try:
        result = LookupService(gateway, SystemClock()).lookup("many@example.com")
    finally:
        gateway.close()

    assert result.snapshot is not None
    card = snapshot_text(result.snapshot)
    for product in chosen:
        assert product.name in card
    assert "prod_" not in card
