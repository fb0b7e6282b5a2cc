"""The demo seed puts one customer (or pair) in every workflow bucket."""

from __future__ import annotations

import pytest
import stripe

from billing.sandbox.seed import DEMO_CUSTOMERS


def _customer(client: stripe.StripeClient, key: str) -> stripe.Customer:
    wanted = DEMO_CUSTOMERS[key]
    matches = [
        c
        for c in client.v1.customers.list(params={"email": wanted["email"]}).data
        if c.name == wanted["name"]
    ]
    assert len(matches) == 1
    return matches[0]


def _subscriptions(client: stripe.StripeClient, customer: stripe.Customer) -> list[stripe.Subscription]:
    params: stripe.params.SubscriptionListParams = {
        "customer": customer.id,
        "status": "all",
        "expand": ["data.items.data.price.product"],
    }
    return client.v1.subscriptions.list(params=params).data


def _plan(subscription: stripe.Subscription) -> tuple[str, str, int, str, str, int]:
    item = subscription["items"].data[0]
    price = item.price
    return (
        subscription.status,
        price.product.name,
        price.unit_amount or 0,
        price.currency,
        price.recurring.interval,
        item.quantity or 0,
    )


@pytest.mark.parametrize(
    ("key", "plan"),
    [
        ("team", ("active", "Pro", 2000, "usd", "month", 5)),
        ("no_cancel_button", ("active", "Pro", 2000, "usd", "month", 1)),
        ("product_failure", ("active", "Pro", 2000, "usd", "month", 1)),
        ("annual", ("active", "Pro Annual", 20000, "usd", "year", 1)),
        ("jpy", ("active", "Pro JP", 3000, "jpy", "month", 1)),
        ("shared_email", ("active", "Pro", 2000, "usd", "month", 1)),
        ("dispute", ("active", "Pro", 2000, "usd", "month", 1)),
        ("github", ("active", "Pro", 2000, "usd", "month", 1)),
        ("incomplete", ("incomplete", "Pro", 2000, "usd", "month", 1)),
        ("failed_renewal", ("past_due", "Pro", 2000, "usd", "month", 1)),
    ],
)
def test_single_subscription_customers(
    demo_stripe_client: stripe.StripeClient, key: str, plan: tuple[object, ...]
) -> None:
    subscriptions = _subscriptions(demo_stripe_client, _customer(demo_stripe_client, key))
    assert [_plan(s) for s in subscriptions] == [plan]


def test_jane_has_two_paid_duplicates_minutes_apart(demo_stripe_client: stripe.StripeClient) -> None:
    jane = _customer(demo_stripe_client, "duplicate")
    subscriptions = _subscriptions(demo_stripe_client, jane)
    assert [_plan(s) for s in subscriptions] == [("active", "Pro", 2000, "usd", "month", 1)] * 2
    assert 60 <= subscriptions[0].created - subscriptions[1].created <= 300
    charges = demo_stripe_client.v1.charges.list(params={"customer": jane.id}).data
    assert [(c.status, c.amount) for c in charges] == [("succeeded", 2000)] * 2


def test_sam_failed_renewal_has_open_invoice_and_failed_charge(
    demo_stripe_client: stripe.StripeClient,
) -> None:
    sam = _customer(demo_stripe_client, "failed_renewal")
    assert sam.test_clock and sam.delinquent
    latest = demo_stripe_client.v1.invoices.list(params={"customer": sam.id}).data[0]
    assert (latest.status, latest.billing_reason) == ("open", "subscription_cycle")
    assert latest.attempt_count >= 1
    statuses = [c.status for c in demo_stripe_client.v1.charges.list(params={"customer": sam.id}).data]
    assert statuses[0] == "failed" and statuses[-1] == "succeeded"


def test_ines_incomplete_has_open_invoice(demo_stripe_client: stripe.StripeClient) -> None:
    ines = _customer(demo_stripe_client, "incomplete")
    invoices = demo_stripe_client.v1.invoices.list(params={"customer": ines.id}).data
    assert [(i.status, i.billing_reason) for i in invoices] == [("open", "subscription_create")]


def test_portal_default_configuration_hides_cancel(demo_stripe_client: stripe.StripeClient) -> None:
    configurations = demo_stripe_client.v1.billing_portal.configurations.list(
        params={"is_default": True}
    ).data
    assert len(configurations) == 1
    features = configurations[0].features
    assert features.subscription_cancel.enabled is False
    assert features.payment_method_update.enabled is True
    assert features.invoice_history.enabled is True
    assert features.subscription_update.enabled is False
    nora = _customer(demo_stripe_client, "no_cancel_button")
    assert nora.metadata is not None
    assert nora.metadata["support_note"] == "can't find cancel button"


def test_metadata_and_shared_email(demo_stripe_client: stripe.StripeClient) -> None:
    metadata = _customer(demo_stripe_client, "product_failure").metadata
    assert metadata is not None and metadata["support_note"] == "export broken for a week"
    found = demo_stripe_client.v1.customers.search(params={"query": "metadata['github']:'octocat'"}).data
    assert [c.email for c in found] == ["octo@example.com"]
    shared = demo_stripe_client.v1.customers.list(params={"email": "shared@example.com"}).data
    assert sorted(c.name or "" for c in shared) == ["Chris S.", "Chris Shared"]
    assert _subscriptions(demo_stripe_client, _customer(demo_stripe_client, "shared_email_other")) == []


def test_dana_has_an_open_dispute(demo_stripe_client: stripe.StripeClient) -> None:
    dana = _customer(demo_stripe_client, "dispute")
    charge = demo_stripe_client.v1.charges.list(params={"customer": dana.id}).data[0]
    disputes = demo_stripe_client.v1.disputes.list(params={"charge": charge.id}).data
    assert [d.status for d in disputes] in (["needs_response"], ["warning_needs_response"])


def test_kenji_is_charged_in_yen(demo_stripe_client: stripe.StripeClient) -> None:
    kenji = _customer(demo_stripe_client, "jpy")
    charges = demo_stripe_client.v1.charges.list(params={"customer": kenji.id}).data
    assert [(c.amount, c.currency, c.status) for c in charges] == [(3000, "jpy", "succeeded")]
