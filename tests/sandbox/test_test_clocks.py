"""Advancing a test clock renews, retries, ends trials, expires incomplete checkouts and runs scheduled cancels."""

from __future__ import annotations

import pytest
import stripe

from tests.sandbox.support import event_types, make_customer, make_price, subscribe

START = 1_767_225_600  # 2026-01-01T00:00:00Z
DAY = 24 * 3600


@pytest.fixture
def clock(stripe_client: stripe.StripeClient) -> stripe.test_helpers.TestClock:
    return stripe_client.v1.test_helpers.test_clocks.create(params={"frozen_time": START, "name": "t"})


def _advance(client: stripe.StripeClient, clock: stripe.test_helpers.TestClock, to: int) -> None:
    advanced = client.v1.test_helpers.test_clocks.advance(clock.id, params={"frozen_time": to})
    assert (advanced.status, advanced.frozen_time) == ("ready", to)


def _invoices(client: stripe.StripeClient, subscription: stripe.Subscription) -> list[stripe.Invoice]:
    return client.v1.invoices.list(params={"subscription": subscription.id}).data


def test_each_period_renews_with_a_new_paid_invoice(
    stripe_client: stripe.StripeClient, clock: stripe.test_helpers.TestClock
) -> None:
    customer = make_customer(stripe_client, test_clock=clock.id)
    subscription = subscribe(stripe_client, customer, make_price(stripe_client))
    assert subscription.created == START

    _advance(stripe_client, clock, START + 62 * DAY)  # Feb 1 and Mar 1 renewals

    invoices = _invoices(stripe_client, subscription)
    assert [(i.billing_reason, i.status, i.amount_paid) for i in invoices] == [
        ("subscription_cycle", "paid", 2000),
        ("subscription_cycle", "paid", 2000),
        ("subscription_create", "paid", 2000),
    ]
    assert len(stripe_client.v1.charges.list(params={"customer": customer.id}).data) == 3
    item = stripe_client.v1.subscriptions.retrieve(subscription.id)["items"].data[0]
    assert (item.current_period_start, item.current_period_end) == (START + 59 * DAY, START + 90 * DAY)


def test_failed_renewal_turns_past_due_and_retries(
    stripe_client: stripe.StripeClient, clock: stripe.test_helpers.TestClock
) -> None:
    customer = make_customer(stripe_client, test_clock=clock.id)
    subscription = subscribe(stripe_client, customer, make_price(stripe_client))
    failing = stripe_client.v1.payment_methods.attach(
        "pm_card_chargeCustomerFail", params={"customer": customer.id}
    )
    stripe_client.v1.customers.update(
        customer.id, params={"invoice_settings": {"default_payment_method": failing.id}}
    )

    _advance(stripe_client, clock, START + 32 * DAY)
    assert stripe_client.v1.subscriptions.retrieve(subscription.id).status == "past_due"
    renewal = _invoices(stripe_client, subscription)[0]
    assert (renewal.status, renewal.attempt_count) == ("open", 1)
    assert renewal.next_payment_attempt == START + 31 * DAY + 3 * DAY

    _advance(stripe_client, clock, START + 35 * DAY)
    assert stripe_client.v1.invoices.retrieve(renewal.id).attempt_count == 2
    failed = [
        c
        for c in stripe_client.v1.charges.list(params={"customer": customer.id}).data
        if c.status == "failed"
    ]
    assert len(failed) == 2
    status_changes = stripe_client.v1.events.list(params={"type": "customer.subscription.updated"}).data
    assert status_changes[0].data.previous_attributes["status"] == "active"  # type: ignore[index]


def test_trial_end_charges_the_first_period(
    stripe_client: stripe.StripeClient, clock: stripe.test_helpers.TestClock
) -> None:
    customer = make_customer(stripe_client, test_clock=clock.id)
    subscription = subscribe(stripe_client, customer, make_price(stripe_client), trial_period_days=7)
    assert subscription.status == "trialing" and subscription.trial_end == START + 7 * DAY
    assert stripe_client.v1.charges.list(params={"customer": customer.id}).data == []
    assert _invoices(stripe_client, subscription)[0].amount_due == 0

    _advance(stripe_client, clock, START + 8 * DAY)

    assert stripe_client.v1.subscriptions.retrieve(subscription.id).status == "active"
    charges = stripe_client.v1.charges.list(params={"customer": customer.id}).data
    assert [(c.amount, c.status) for c in charges] == [(2000, "succeeded")]


def test_trial_end_with_a_failing_card_is_past_due(
    stripe_client: stripe.StripeClient, clock: stripe.test_helpers.TestClock
) -> None:
    customer = make_customer(stripe_client, card="pm_card_chargeCustomerFail", test_clock=clock.id)
    subscription = subscribe(stripe_client, customer, make_price(stripe_client), trial_period_days=3)
    _advance(stripe_client, clock, START + 4 * DAY)
    assert stripe_client.v1.subscriptions.retrieve(subscription.id).status == "past_due"


def test_incomplete_expires_after_23_hours(
    stripe_client: stripe.StripeClient, clock: stripe.test_helpers.TestClock
) -> None:
    customer = make_customer(stripe_client, card="pm_card_chargeCustomerFail", test_clock=clock.id)
    subscription = subscribe(stripe_client, customer, make_price(stripe_client))

    _advance(stripe_client, clock, START + 22 * 3600)
    assert stripe_client.v1.subscriptions.retrieve(subscription.id).status == "incomplete"
    _advance(stripe_client, clock, START + 24 * 3600)
    expired = stripe_client.v1.subscriptions.retrieve(subscription.id)
    assert expired.status == "incomplete_expired"
    assert stripe_client.v1.invoices.retrieve(str(expired.latest_invoice)).status == "void"


def test_cancel_at_period_end_cancels_at_the_period_end(
    stripe_client: stripe.StripeClient, clock: stripe.test_helpers.TestClock
) -> None:
    customer = make_customer(stripe_client, test_clock=clock.id)
    subscription = subscribe(stripe_client, customer, make_price(stripe_client))
    stripe_client.v1.subscriptions.update(subscription.id, params={"cancel_at_period_end": True})

    _advance(stripe_client, clock, START + 40 * DAY)

    ended = stripe_client.v1.subscriptions.retrieve(subscription.id)
    assert (ended.status, ended.ended_at) == ("canceled", START + 31 * DAY)
    assert len(_invoices(stripe_client, subscription)) == 1
    assert "customer.subscription.deleted" in event_types(stripe_client)


def test_clock_cannot_go_back_and_can_be_deleted(
    stripe_client: stripe.StripeClient, clock: stripe.test_helpers.TestClock
) -> None:
    with pytest.raises(stripe.InvalidRequestError) as raised:
        stripe_client.v1.test_helpers.test_clocks.advance(clock.id, params={"frozen_time": START - 1})
    assert raised.value.param == "frozen_time"
    customer = make_customer(stripe_client, test_clock=clock.id)
    assert [c.id for c in stripe_client.v1.test_helpers.test_clocks.list().data] == [clock.id]
    assert stripe_client.v1.test_helpers.test_clocks.delete(clock.id).deleted is True
    with pytest.raises(stripe.InvalidRequestError):
        stripe_client.v1.customers.retrieve(customer.id)
