"""Subscriptions, invoices, payments, disputes and the portal behave as Stripe does in the pinned API version."""

from __future__ import annotations

import pytest
import stripe

from tests.sandbox.support import event_types, make_customer, make_price, raw, subscribe


@pytest.fixture
def price(stripe_client: stripe.StripeClient) -> stripe.Price:
    return make_price(stripe_client)


def test_paid_subscription_creates_invoice_payment_intent_and_charge(
    stripe_client: stripe.StripeClient, price: stripe.Price
) -> None:
    customer = make_customer(stripe_client, card="pm_card_mastercard")
    subscription = subscribe(stripe_client, customer, price, quantity=3, metadata={"plan": "team"})

    assert subscription.status == "active" and subscription.metadata.to_dict() == {"plan": "team"}
    invoice = stripe_client.v1.invoices.retrieve(
        str(subscription.latest_invoice), params={"expand": ["payments"]}
    )
    assert (invoice.status, invoice.amount_paid, invoice.billing_reason) == (
        "paid",
        6000,
        "subscription_create",
    )
    assert invoice.parent.subscription_details.subscription == subscription.id  # type: ignore[union-attr]
    payment = invoice.payments.data[0]  # type: ignore[union-attr]
    assert (payment.status, payment.amount_paid) == ("paid", 6000)
    intent = stripe_client.v1.payment_intents.retrieve(str(payment.payment.payment_intent))
    assert (intent.status, intent.amount_received) == ("succeeded", 6000)
    charge = stripe_client.v1.charges.retrieve(str(intent.latest_charge))
    card = charge.payment_method_details.card  # type: ignore[union-attr]
    assert (charge.status, charge.paid, charge.customer, charge.amount) == (
        "succeeded",
        True,
        customer.id,
        6000,
    )
    assert (card.brand, card.last4) == ("mastercard", "4444")  # type: ignore[union-attr]
    assert {"customer.subscription.created", "invoice.paid", "charge.succeeded"} <= set(
        event_types(stripe_client)
    )


def test_attaching_a_test_token_mints_a_new_payment_method(stripe_client: stripe.StripeClient) -> None:
    customer = make_customer(stripe_client, card=None)
    attached = stripe_client.v1.payment_methods.attach("pm_card_amex", params={"customer": customer.id})
    assert attached.id.startswith("pm_") and attached.id != "pm_card_amex"
    assert (attached.card.brand, attached.card.last4, attached.customer) == ("amex", "8431", customer.id)  # type: ignore[union-attr]
    listed = stripe_client.v1.payment_methods.list(params={"customer": customer.id, "type": "card"})
    assert [pm.id for pm in listed.data] == [attached.id]
    with pytest.raises(stripe.InvalidRequestError):
        subscribe(stripe_client, customer, make_price(stripe_client), default_payment_method="pm_card_visa")


def test_failing_card_leaves_subscription_incomplete(
    stripe_client: stripe.StripeClient, price: stripe.Price
) -> None:
    customer = make_customer(stripe_client, card="pm_card_chargeCustomerFail")
    subscription = subscribe(stripe_client, customer, price, payment_behavior="allow_incomplete")

    assert subscription.status == "incomplete"
    invoice = stripe_client.v1.invoices.retrieve(str(subscription.latest_invoice))
    assert (invoice.status, invoice.attempt_count, invoice.amount_remaining) == ("open", 1, 2000)
    charge = stripe_client.v1.charges.list(params={"customer": customer.id}).data[0]
    assert (charge.status, charge.failure_code, charge.paid) == ("failed", "card_declined", False)
    intent = stripe_client.v1.payment_intents.retrieve(str(charge.payment_intent))
    assert intent.status == "requires_payment_method"
    assert intent.last_payment_error.code == "card_declined"  # type: ignore[union-attr]
    assert {"charge.failed", "invoice.payment_failed"} <= set(event_types(stripe_client))
    assert stripe_client.v1.customers.retrieve(customer.id).delinquent is True


def test_error_if_incomplete_raises_card_error(
    stripe_client: stripe.StripeClient, price: stripe.Price
) -> None:
    customer = make_customer(stripe_client, card="pm_card_chargeCustomerFail")
    with pytest.raises(stripe.CardError) as raised:
        subscribe(stripe_client, customer, price, payment_behavior="error_if_incomplete")
    assert raised.value.code == "card_declined"
    assert stripe_client.v1.subscriptions.list(params={"customer": customer.id}).data == []


def test_paying_the_open_invoice_with_a_good_card_activates_the_subscription(
    stripe_client: stripe.StripeClient, price: stripe.Price
) -> None:
    customer = make_customer(stripe_client, card="pm_card_chargeCustomerFail")
    subscription = subscribe(stripe_client, customer, price)
    invoice_id = str(subscription.latest_invoice)
    with pytest.raises(stripe.CardError):
        stripe_client.v1.invoices.pay(invoice_id)
    assert stripe_client.v1.invoices.retrieve(invoice_id).attempt_count == 2

    good = stripe_client.v1.payment_methods.attach("pm_card_visa", params={"customer": customer.id})
    paid = stripe_client.v1.invoices.pay(invoice_id, params={"payment_method": good.id})
    assert (paid.status, paid.amount_paid) == ("paid", 2000)
    assert stripe_client.v1.subscriptions.retrieve(subscription.id).status == "active"
    with pytest.raises(stripe.InvalidRequestError):
        stripe_client.v1.invoices.pay(invoice_id)


def test_cancel_now_records_details_and_emits_deleted(
    stripe_client: stripe.StripeClient, price: stripe.Price
) -> None:
    subscription = subscribe(stripe_client, make_customer(stripe_client), price)
    canceled = stripe_client.v1.subscriptions.cancel(
        subscription.id,
        params={
            "prorate": False,
            "invoice_now": False,
            "cancellation_details": {"comment": "asked in support"},
        },
    )
    assert canceled.status == "canceled" and canceled.ended_at is not None
    assert canceled.cancellation_details.comment == "asked in support"  # type: ignore[union-attr]
    assert canceled.cancellation_details.reason == "cancellation_requested"  # type: ignore[union-attr]
    assert "customer.subscription.deleted" in event_types(stripe_client)
    assert stripe_client.v1.subscriptions.list().data == []
    assert [s.id for s in stripe_client.v1.subscriptions.list(params={"status": "all"}).data] == [
        subscription.id
    ]
    with pytest.raises(stripe.InvalidRequestError):
        stripe_client.v1.subscriptions.cancel(subscription.id)


def test_cancel_at_period_end_and_quantity_update(
    stripe_client: stripe.StripeClient, price: stripe.Price
) -> None:
    subscription = subscribe(stripe_client, make_customer(stripe_client), price)
    item = subscription["items"].data[0]
    updated = stripe_client.v1.subscriptions.update(
        subscription.id, params={"cancel_at_period_end": True, "items": [{"id": item.id, "quantity": 4}]}
    )
    assert updated.status == "active" and updated.cancel_at_period_end is True
    assert updated.cancel_at == item.current_period_end
    assert updated["items"].data[0].quantity == 4
    event = stripe_client.v1.events.list(params={"type": "customer.subscription.updated"}).data[0]
    assert event.data.previous_attributes["cancel_at_period_end"] is False  # type: ignore[index]


def test_cancel_at_period_end_on_create_schedules_the_cancellation(
    stripe_client: stripe.StripeClient, price: stripe.Price
) -> None:
    subscription = subscribe(stripe_client, make_customer(stripe_client), price, cancel_at_period_end=True)
    period_end = subscription["items"].data[0].current_period_end
    assert subscription.status == "active" and subscription.cancel_at_period_end is True
    assert subscription.cancel_at == period_end
    assert subscription.canceled_at == subscription.created
    created = stripe_client.v1.events.list(params={"type": "customer.subscription.created"}).data[0]
    assert created.data.object["cancel_at"] == period_end
    assert stripe_client.v1.subscriptions.retrieve(subscription.id).cancel_at == period_end


def test_trial_with_cancel_at_period_end_ends_with_the_trial(
    stripe_client: stripe.StripeClient, price: stripe.Price
) -> None:
    subscription = subscribe(
        stripe_client, make_customer(stripe_client), price, trial_period_days=7, cancel_at_period_end=True
    )
    assert subscription.status == "trialing" and subscription.cancel_at == subscription.trial_end


def test_subscription_list_filters(stripe_client: stripe.StripeClient, price: stripe.Price) -> None:
    other_price = make_price(stripe_client, amount=20000, interval="year", name="Pro Annual")
    first = subscribe(stripe_client, make_customer(stripe_client), price)
    second = subscribe(
        stripe_client, make_customer(stripe_client, card="pm_card_chargeCustomerFail"), other_price
    )

    def ids(**params: object) -> list[str]:
        return [s.id for s in stripe_client.v1.subscriptions.list(params=params).data]  # type: ignore[arg-type]

    assert ids(price=price.id) == [first.id]
    assert ids(status="incomplete") == [second.id]
    assert ids(customer=str(first.customer)) == [first.id]
    assert ids(created={"gte": first.created}, limit=1) == [second.id]
    found = stripe_client.v1.subscriptions.search(params={"query": "status:'active'"}).data
    assert [s.id for s in found] == [first.id]


def test_dispute_card_opens_a_dispute_that_blocks_refunds(
    stripe_client: stripe.StripeClient, price: stripe.Price
) -> None:
    customer = make_customer(stripe_client, card="pm_card_createDispute")
    subscription = subscribe(stripe_client, customer, price)
    assert subscription.status == "active"
    charge = stripe_client.v1.charges.list(params={"customer": customer.id}).data[0]
    assert charge.disputed is True and charge.status == "succeeded"
    disputes = stripe_client.v1.disputes.list(params={"charge": charge.id}).data
    assert [(d.status, d.amount, d.payment_intent) for d in disputes] == [
        ("needs_response", 2000, charge.payment_intent)
    ]
    assert "charge.dispute.created" in event_types(stripe_client)
    with pytest.raises(stripe.InvalidRequestError) as raised:
        stripe_client.v1.refunds.create(params={"charge": charge.id})
    assert raised.value.code == "charge_disputed"


def test_zero_decimal_currency_amounts(stripe_client: stripe.StripeClient) -> None:
    yen = make_price(stripe_client, amount=3000, currency="jpy", name="Pro JP")
    subscribe(stripe_client, make_customer(stripe_client, card="pm_card_jcb"), yen)
    charge = stripe_client.v1.charges.list().data[0]
    assert (charge.amount, charge.currency) == (3000, "jpy")
    with pytest.raises(stripe.InvalidRequestError) as raised:
        stripe_client.v1.refunds.create(params={"charge": charge.id, "amount": 3001})
    assert (
        raised.value.user_message
        == "Refund amount (¥3,001) is greater than unrefunded amount on charge (¥3,000)"
    )


def test_portal_needs_a_configuration_then_returns_a_url(stripe_client: stripe.StripeClient) -> None:
    customer = make_customer(stripe_client)
    with pytest.raises(stripe.InvalidRequestError):
        stripe_client.v1.billing_portal.sessions.create(params={"customer": customer.id})
    stripe_client.v1.billing_portal.configurations.create(
        params={"features": {"subscription_cancel": {"enabled": False}, "invoice_history": {"enabled": True}}}
    )
    configurations = stripe_client.v1.billing_portal.configurations.list().data
    assert [
        (c.is_default, c.features.subscription_cancel.enabled, c.features.invoice_history.enabled)
        for c in configurations
    ] == [(True, False, True)]
    session = stripe_client.v1.billing_portal.sessions.create(
        params={"customer": customer.id, "return_url": "https://example.com/back"}
    )
    assert session.url.startswith("http") and session.customer == customer.id
    assert raw(session)["configuration"] == configurations[0].id
