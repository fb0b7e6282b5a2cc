"""The digest against the Stripe sandbox: customers reach each risk state by advancing test clocks."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
import stripe

from billing.digest import RiskSection, collect_digest
from billing.gateway import StripeGateway
from billing.money import Money
from billing.sandbox import running_sandbox

DAY = 86400


@pytest.fixture
def sandbox_client() -> Iterator[tuple[Any, stripe.StripeClient]]:
    with running_sandbox() as sandbox:
        yield sandbox, stripe.StripeClient(sandbox.api_key, base_addresses={"api": sandbox.base_url})


def test_clock_driven_risk_states_land_in_sections_ranked_with_per_currency_totals(
    sandbox_client: tuple[Any, stripe.StripeClient],
) -> None:
    sandbox, client = sandbox_client
    now = int(time.time())
    usd = client.v1.prices.create(
        params={
            "currency": "usd",
            "unit_amount": 2000,
            "recurring": {"interval": "month"},
            "product_data": {"name": "Pro"},
        }
    )
    jpy = client.v1.prices.create(
        params={
            "currency": "jpy",
            "unit_amount": 3000,
            "recurring": {"interval": "month"},
            "product_data": {"name": "Pro JP"},
        }
    )

    def clock_at(seconds_ago: int) -> str:
        return client.v1.test_helpers.test_clocks.create(params={"frozen_time": now - seconds_ago}).id

    def customer(name: str, clock: str, *, card: str | None = "pm_card_visa") -> str:
        params: dict[str, Any] = {"name": name, "email": f"{name.lower()}@example.com", "test_clock": clock}
        if card:
            params |= {"payment_method": card, "invoice_settings": {"default_payment_method": card}}
        return client.v1.customers.create(params=params).id

    def subscribe(customer_id: str, price: Any, **params: Any) -> str:
        items = [{"price": price.id, "quantity": params.pop("quantity", 1)}]
        return client.v1.subscriptions.create(params={"customer": customer_id, "items": items, **params}).id

    def card_starts_failing(customer_id: str) -> None:
        pm = client.v1.payment_methods.attach("pm_card_chargeCustomerFail", params={"customer": customer_id})
        client.v1.customers.update(
            customer_id, params={"invoice_settings": {"default_payment_method": pm.id}}
        )

    # Renewals a month later fail: past_due (two USD at different MRR, one JPY).
    renewals = clock_at(32 * DAY)
    failing = {}
    for name, price, quantity in (("Ada", usd, 5), ("Bo", usd, 1), ("Kenji", jpy, 1)):
        cid = customer(name, renewals)
        failing[name] = subscribe(cid, price, quantity=quantity)
        card_starts_failing(cid)
    # Cancels at period end, 20 days into a monthly period: ends in ~10 days.
    cancellations = clock_at(20 * DAY)
    leaving = subscribe(customer("Leo", cancellations), usd)
    client.v1.subscriptions.update(
        leaving, params={"cancel_at_period_end": True, "cancellation_details": {"feedback": "too_expensive"}}
    )
    # A 5-day trial without a card, 3 days in: ends in 2 days.
    trials = clock_at(3 * DAY)
    trial = subscribe(customer("Tess", trials, card=None), usd, trial_period_days=5)
    # A checkout whose first payment failed an hour ago: incomplete.
    checkouts = clock_at(3600)
    incomplete = subscribe(customer("Ines", checkouts, card="pm_card_chargeCustomerFail"), usd)

    for clock in (renewals, cancellations, trials, checkouts):
        client.v1.test_helpers.test_clocks.advance(clock, params={"frozen_time": now})

    gateway = StripeGateway(sandbox.api_key, api_base=sandbox.base_url)
    digest = collect_digest(gateway, now=datetime.fromtimestamp(now, UTC), since=None)

    def section(name: RiskSection) -> list[tuple[str | None, str]]:
        return [(row.customer_name, row.object_id) for row in digest.section(name)]

    assert section(RiskSection.FAILED_RENEWAL) == [
        ("Ada", failing["Ada"]),  # $100/mo before $20/mo; yen never compared with dollars
        ("Bo", failing["Bo"]),
        ("Kenji", failing["Kenji"]),
    ]
    assert section(RiskSection.SCHEDULED_CANCELLATION) == [("Leo", leaving)]
    assert "too_expensive" in digest.section(RiskSection.SCHEDULED_CANCELLATION)[0].detail
    assert section(RiskSection.TRIAL_ENDING) == [("Tess", trial)]
    assert section(RiskSection.INCOMPLETE_CHECKOUT) == [("Ines", incomplete)]
    assert digest.totals.at_risk == {
        "jpy": Money(amount=3000, currency="jpy"),
        "usd": Money(amount=100_00 + 20_00 + 3 * 20_00, currency="usd"),
    }
    # Listing only: a handful of pages, never a request per customer.
    assert gateway.request_count <= 15
