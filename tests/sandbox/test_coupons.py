"""Coupons and the discounts they put on subscriptions' invoices."""

from __future__ import annotations

import pytest
import stripe

from tests.sandbox.support import make_customer, make_price, raw, subscribe

START = 1_767_225_600  # 2026-01-01T00:00:00Z
DAY = 24 * 3600
FEB_1 = START + 31 * DAY
MAR_1 = FEB_1 + 28 * DAY


@pytest.fixture
def clock(stripe_client: stripe.StripeClient) -> stripe.test_helpers.TestClock:
    return stripe_client.v1.test_helpers.test_clocks.create(params={"frozen_time": START})


@pytest.fixture
def subscription(
    stripe_client: stripe.StripeClient, clock: stripe.test_helpers.TestClock
) -> stripe.Subscription:
    customer = make_customer(stripe_client, test_clock=clock.id)
    return subscribe(stripe_client, customer, make_price(stripe_client, amount=2000))


def _advance(client: stripe.StripeClient, clock: stripe.test_helpers.TestClock, to: int) -> None:
    client.v1.test_helpers.test_clocks.advance(clock.id, params={"frozen_time": to})


def _totals(client: stripe.StripeClient, subscription: stripe.Subscription) -> list[tuple[int, int]]:
    invoices = client.v1.invoices.list(params={"subscription": subscription.id}).data
    return [(invoice.subtotal, invoice.total) for invoice in invoices]


def test_a_forever_percent_coupon_discounts_every_renewal(
    stripe_client: stripe.StripeClient,
    clock: stripe.test_helpers.TestClock,
    subscription: stripe.Subscription,
) -> None:
    params: stripe.params.CouponCreateParams = {"id": "LOYAL25", "percent_off": 25, "duration": "forever"}
    coupon = stripe_client.v1.coupons.create(params=params, options={"idempotency_key": "c1"})
    again = stripe_client.v1.coupons.create(params=params, options={"idempotency_key": "c1"})
    assert raw(again) == raw(coupon)
    assert [c.id for c in stripe_client.v1.coupons.list().data] == ["LOYAL25"]

    applied = stripe_client.v1.subscriptions.update(
        subscription.id,
        params={"discounts": [{"coupon": "LOYAL25"}], "expand": ["discounts"]},
        options={"idempotency_key": "apply"},
    )
    replayed = stripe_client.v1.subscriptions.update(
        subscription.id,
        params={"discounts": [{"coupon": "LOYAL25"}], "expand": ["discounts"]},
        options={"idempotency_key": "apply"},
    )
    assert raw(replayed) == raw(applied)
    discount = applied.discounts[0]
    assert isinstance(discount, stripe.Discount) and discount.source.coupon == "LOYAL25"
    assert stripe_client.v1.coupons.retrieve("LOYAL25").times_redeemed == 1

    _advance(stripe_client, clock, MAR_1 + 1)
    assert _totals(stripe_client, subscription) == [(2000, 1500), (2000, 1500), (2000, 2000)]
    renewal = stripe_client.v1.invoices.list(params={"subscription": subscription.id}).data[0]
    assert renewal.amount_paid == 1500
    assert [(d.amount, d.discount) for d in renewal.total_discount_amounts or []] == [(500, discount.id)]


def test_a_once_coupon_discounts_only_the_next_invoice_and_clearing_discounts_removes_it(
    stripe_client: stripe.StripeClient,
    clock: stripe.test_helpers.TestClock,
    subscription: stripe.Subscription,
) -> None:
    stripe_client.v1.coupons.create(params={"id": "FIVE", "amount_off": 500, "currency": "usd"})
    stripe_client.v1.subscriptions.update(subscription.id, params={"discounts": [{"coupon": "FIVE"}]})

    _advance(stripe_client, clock, MAR_1 + 1)
    assert _totals(stripe_client, subscription) == [(2000, 2000), (2000, 1500), (2000, 2000)]
    assert stripe_client.v1.subscriptions.retrieve(subscription.id).discounts == []

    stripe_client.v1.subscriptions.update(subscription.id, params={"discounts": [{"coupon": "FIVE"}]})
    cleared = stripe_client.v1.subscriptions.update(subscription.id, params={"discounts": ""})
    assert cleared.discounts == []


def test_a_coupon_that_does_not_exist_is_stripes_resource_missing(
    stripe_client: stripe.StripeClient, subscription: stripe.Subscription
) -> None:
    with pytest.raises(stripe.InvalidRequestError) as raised:
        stripe_client.v1.subscriptions.update(subscription.id, params={"discounts": [{"coupon": "NOPE"}]})
    error = raised.value
    assert (error.http_status, error.code, error.param) == (400, "resource_missing", "discounts[0][coupon]")
    assert error.user_message == "No such coupon: 'NOPE'"
    assert stripe_client.v1.subscriptions.retrieve(subscription.id).discounts == []
    with pytest.raises(stripe.InvalidRequestError) as missing:
        stripe_client.v1.coupons.retrieve("NOPE")
    assert (missing.value.http_status, missing.value.code) == (404, "resource_missing")


def test_a_coupon_on_create_discounts_the_first_invoice_and_a_used_up_coupon_is_refused(
    stripe_client: stripe.StripeClient,
) -> None:
    stripe_client.v1.coupons.create(params={"id": "ONE", "percent_off": 10, "max_redemptions": 1})
    price = make_price(stripe_client, amount=2000)
    first = subscribe(stripe_client, make_customer(stripe_client), price, discounts=[{"coupon": "ONE"}])
    invoice = stripe_client.v1.invoices.retrieve(str(first.latest_invoice))
    assert (invoice.subtotal, invoice.total, invoice.amount_paid) == (2000, 1800, 1800)

    with pytest.raises(stripe.InvalidRequestError) as raised:
        subscribe(stripe_client, make_customer(stripe_client), price, discounts=[{"coupon": "ONE"}])
    assert (raised.value.code, raised.value.param) == ("coupon_expired", "discounts[0][coupon]")


def test_coupon_create_checks_its_shape(stripe_client: stripe.StripeClient) -> None:
    with pytest.raises(stripe.InvalidRequestError):
        stripe_client.v1.coupons.create(params={"percent_off": 10, "amount_off": 100, "currency": "usd"})
    with pytest.raises(stripe.InvalidRequestError) as raised:
        stripe_client.v1.coupons.create(params={"amount_off": 100})
    assert raised.value.param == "currency"
    with pytest.raises(stripe.InvalidRequestError) as raised:
        stripe_client.v1.coupons.create(params={"percent_off": 10, "duration": "repeating"})
    assert raised.value.param == "duration_in_months"


def test_a_create_refused_for_its_coupon_leaves_nothing_behind(stripe_client: stripe.StripeClient) -> None:
    customer = make_customer(stripe_client)
    with pytest.raises(stripe.InvalidRequestError) as raised:
        subscribe(stripe_client, customer, make_price(stripe_client), discounts=[{"coupon": "NOPE"}])
    assert raised.value.code == "resource_missing"
    assert stripe_client.v1.subscriptions.list(params={"status": "all"}).data == []
    assert stripe_client.v1.invoices.list().data == []
