"""The digest against the Stripe sandbox: customers reach each risk state through the API and test clocks only."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any, cast

import pytest
import stripe

from billing.digest import collect_digest
from billing.digest_models import RiskSection
from billing.gateway import StripeGateway
from billing.money import Money
from billing.plans import collect_plan_mix
from billing.sandbox import SandboxServer, running_sandbox

DAY = 86400
YEAR = 365 * DAY


@pytest.fixture
def sandbox_client() -> Iterator[tuple[SandboxServer, stripe.StripeClient]]:
    with running_sandbox() as sandbox:
        yield sandbox, stripe.StripeClient(sandbox.api_key, base_addresses={"api": sandbox.base_url})


class Account:
    """Thin helpers over stripe-python: everything below goes through the sandbox's HTTP API."""

    def __init__(self, client: stripe.StripeClient, now: int) -> None:
        self.client = client
        self.now = now
        self.usd = self.price("usd", 2000, "month", "Pro")
        self.usd_yearly = self.price("usd", 20000, "year", "Pro Annual")
        self.jpy = self.price("jpy", 3000, "month", "Pro JP")

    def price(self, currency: str, amount: int, interval: str, name: str) -> Any:
        return self.client.v1.prices.create(
            params={
                "currency": currency,
                "unit_amount": amount,
                "recurring": {"interval": cast(Any, interval)},
                "product_data": {"name": name},
            }
        )

    def clock_at(self, offset_seconds: int) -> str:
        return self.client.v1.test_helpers.test_clocks.create(
            params={"frozen_time": self.now + offset_seconds}
        ).id

    def customer(self, name: str, clock: str | None = None, *, card: str | None = "pm_card_visa") -> str:
        params: dict[str, Any] = {"name": name, "email": f"{name.lower()}@example.com"}
        if clock:
            params["test_clock"] = clock
        if card:
            params |= {"payment_method": card, "invoice_settings": {"default_payment_method": card}}
        return self.client.v1.customers.create(params=params).id  # type: ignore[arg-type]

    def subscribe(self, customer_id: str, price: Any, **params: Any) -> str:
        items = [{"price": price.id, "quantity": params.pop("quantity", 1)}]
        return self.client.v1.subscriptions.create(
            params=cast(Any, {"customer": customer_id, "items": items, **params})
        ).id

    def card_starts_failing(self, customer_id: str) -> None:
        pm = self.client.v1.payment_methods.attach(
            "pm_card_chargeCustomerFail", params={"customer": customer_id}
        )
        self.client.v1.customers.update(
            customer_id, params={"invoice_settings": {"default_payment_method": pm.id}}
        )

    def advance(self, clock: str, to: int) -> None:
        self.client.v1.test_helpers.test_clocks.advance(clock, params={"frozen_time": to})


def test_every_risk_state_reached_through_the_api_lands_in_its_section_ranked_with_per_currency_totals(
    sandbox_client: tuple[SandboxServer, stripe.StripeClient],
) -> None:
    sandbox, client = sandbox_client
    now = int(time.time())
    account = Account(client, now)
    usd, jpy = account.usd, account.jpy

    # Renewals a month later fail: past_due (two USD at different MRR, one JPY).
    renewals = account.clock_at(-32 * DAY)
    failing = {}
    for name, price, quantity in (("Ada", usd, 5), ("Bo", usd, 1), ("Kenji", jpy, 1)):
        cid = account.customer(name, renewals)
        failing[name] = account.subscribe(cid, price, quantity=quantity)
        account.card_starts_failing(cid)
    # Cancels at period end, 20 days into a monthly period: ends in ~10 days.
    cancellations = account.clock_at(-20 * DAY)
    leaving = account.subscribe(account.customer("Leo", cancellations), usd)
    client.v1.subscriptions.update(
        leaving, params={"cancel_at_period_end": True, "cancellation_details": {"feedback": "too_expensive"}}
    )
    # 5-day trials, 3 days in: Tess has no card anywhere; Tina's card is only on her customer record.
    trials = account.clock_at(-3 * DAY)
    trial = account.subscribe(account.customer("Tess", trials, card=None), usd, trial_period_days=5)
    account.subscribe(account.customer("Tina", trials), usd, trial_period_days=5)
    # A checkout whose first payment failed an hour ago: incomplete.
    checkouts = account.clock_at(-3600)
    incomplete = account.subscribe(
        account.customer("Ines", checkouts, card="pm_card_chargeCustomerFail"), usd
    )
    # A checkout that failed 25 hours ago: Stripe expired it 2 hours ago, after the last digest.
    stale_checkouts = account.clock_at(-25 * 3600)
    expired = account.subscribe(
        account.customer("Ivy", stale_checkouts, card="pm_card_chargeCustomerFail"), usd
    )
    # The same price twice for one customer, two minutes apart.
    twice = account.clock_at(-120)
    dup = account.customer("Dora", twice)
    first = account.subscribe(dup, usd)
    account.advance(twice, now - 60)
    second = account.subscribe(dup, usd)
    # pm_card_createDispute: the first charge is disputed at once.
    account.subscribe(account.customer("Dana", card="pm_card_createDispute"), usd)
    # Test cards expire 08/(this year + 3). Only a renewal later than that can outlive one: a yearly plan
    # bought on a clock three years ahead renews in four, so the customer's default card expires first.
    far = account.clock_at(3 * YEAR)
    outlived = account.subscribe(account.customer("Otto", far), account.usd_yearly)
    # Churned today, with and without a reason.
    churn_clock = account.clock_at(-10)
    carl_id = account.customer("Carl", churn_clock)
    carl = account.subscribe(carl_id, usd)
    kumi = account.subscribe(account.customer("Kumi", churn_clock), jpy)
    client.v1.subscriptions.cancel(
        carl,
        params={"cancellation_details": {"feedback": "switched_service", "comment": "found a cheaper tool"}},
    )
    client.v1.subscriptions.cancel(kumi)

    for clock in (renewals, cancellations, trials, checkouts, stale_checkouts, twice, churn_clock):
        account.advance(clock, now)

    gateway = StripeGateway(sandbox.api_key, api_base=sandbox.base_url)
    digest = collect_digest(gateway, now=datetime.fromtimestamp(now, UTC), since=None)

    def section(name: RiskSection) -> list[tuple[str | None, str]]:
        return [(row.customer_name, row.object_id) for row in digest.section(name)]

    assert section(RiskSection.FAILED_RENEWAL) == [
        ("Ada", failing["Ada"]),  # $100/mo before $20/mo; yen never compared with dollars
        ("Bo", failing["Bo"]),
        ("Kenji", failing["Kenji"]),
    ]
    # Equal MRR: ties are ordered by subscription ID, which is random here.
    checkouts_by_name = {row.customer_name: row for row in digest.section(RiskSection.INCOMPLETE_CHECKOUT)}
    assert {name: row.object_id for name, row in checkouts_by_name.items()} == {
        "Ines": incomplete,
        "Ivy": expired,
    }
    assert checkouts_by_name["Ivy"].detail == "expired"
    assert checkouts_by_name["Ines"].detail.startswith("incomplete · expires")
    assert section(RiskSection.SCHEDULED_CANCELLATION) == [("Leo", leaving)]
    assert "too_expensive" in digest.section(RiskSection.SCHEDULED_CANCELLATION)[0].detail
    assert section(RiskSection.TRIAL_ENDING) == [("Tess", trial)]  # Tina's customer card counts
    assert section(RiskSection.CARD_EXPIRING) == [("Otto", outlived)]
    assert digest.section(RiskSection.CARD_EXPIRING)[0].detail.startswith("Visa •••• 4242")
    assert digest.section(RiskSection.CHURNED)[0].customer_id == carl_id
    [dispute] = digest.section(RiskSection.OPEN_DISPUTE)
    assert (dispute.customer_name, dispute.at_stake) == ("Dana", Money(amount=2000, currency="usd"))
    assert section(RiskSection.DUPLICATE) == [("Dora", second)]
    assert digest.section(RiskSection.DUPLICATE)[0].detail == f"duplicates {first}"
    # Churned customers are named: the listing of ended subscriptions expands their customer.
    assert section(RiskSection.CHURNED) == [("Carl", carl), ("Kumi", kumi)]
    assert [row.detail for row in digest.section(RiskSection.CHURNED)] == [
        "switched_service · cancellation_requested · “found a cheaper tool”",
        "cancellation_requested",
    ]

    assert digest.totals.at_risk == {
        "usd": Money(amount=100_00 + 20_00 + 20_00 + 20_00 + 20_00 + 20_00 + 20_00 + 16_67, currency="usd"),
        "jpy": Money(amount=3000, currency="jpy"),
    }
    assert digest.totals.churned == {
        "usd": Money(amount=20_00, currency="usd"),
        "jpy": Money(amount=3000, currency="jpy"),
    }
    assert digest.totals.disputed == {"usd": Money(amount=20_00, currency="usd")}
    # Listing only: a handful of pages, never a request per customer or per dispute.
    assert gateway.request_count <= 12


def test_a_monthly_cancelled_then_yearly_three_days_later_is_a_switch_and_an_upgrade_not_churn(
    sandbox_client: tuple[SandboxServer, stripe.StripeClient],
) -> None:
    sandbox, client = sandbox_client
    now = int(time.time())
    account = Account(client, now)
    monthly = account.price("usd", 1200, "month", "Team")
    yearly = client.v1.prices.create(
        params={"currency": "usd", "unit_amount": 12000, "recurring": {"interval": "year"},
                "product": monthly.product}
    )  # fmt: skip
    # Sam subscribes monthly 20 days ago, cancels 3 days ago and starts yearly today.
    clock = account.clock_at(-20 * DAY)
    sam = account.customer("Sam", clock)
    sam_monthly = account.subscribe(sam, monthly)
    account.advance(clock, now - 3 * DAY)
    client.v1.subscriptions.cancel(sam_monthly)
    account.advance(clock, now)
    sam_yearly = account.subscribe(sam, yearly)
    # Carl cancels today and subscribes to nothing: churn.
    churn_clock = account.clock_at(-10)
    carl = account.subscribe(account.customer("Carl", churn_clock), monthly)
    client.v1.subscriptions.cancel(carl)
    account.advance(churn_clock, now)

    gateway = StripeGateway(sandbox.api_key, api_base=sandbox.base_url)
    at = datetime.fromtimestamp(now, UTC)
    digest = collect_digest(gateway, now=at, since=None)

    churned = {row.object_id: row for row in digest.section(RiskSection.CHURNED)}
    assert set(churned) == {sam_monthly, carl}
    switch = churned[sam_monthly]
    assert (switch.switch, switch.customer_name, switch.detail) == (
        True,
        "Sam",
        "switched from $12.00/mo monthly to $120.00/yr yearly",
    )
    assert (churned[carl].switch, churned[carl].customer_name, churned[carl].detail) == (
        False,
        "Carl",
        "cancellation_requested",
    )
    # Only Carl's $12.00/mo is lost.
    assert digest.totals.churned == {"usd": Money(amount=1200, currency="usd")}

    mix = collect_plan_mix(gateway, now=at)
    assert [
        (u.customer_id, u.subscription_id, u.from_price, u.to_price, u.replaced_subscription_id)
        for u in mix.upgrades
    ] == [(sam, sam_yearly, monthly.id, yearly.id, sam_monthly)]
