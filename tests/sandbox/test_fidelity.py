"""Every object the sandbox returns has (a) every top-level field of Stripe's fixture for its type and (b) only
fields stripe-python's resource class declares."""

from __future__ import annotations

import importlib
import json
from collections.abc import Iterator
from typing import Any

import pytest
import stripe
from stripe._object_classes import OBJECT_CLASSES

from billing.sandbox import running_sandbox
from billing.sandbox.templates import fixtures_path
from tests.sandbox.support import make_customer, make_price, raw, subscribe

# Stripe's fixture still shows `invoice.subscription`, which the pinned API version (and stripe-python) dropped
# in favour of `invoice.parent.subscription_details.subscription`.
FIXTURE_FIELDS_GONE_FROM_API = {"invoice": {"subscription"}}
ID_PREFIXES = {
    "customer": "cus_",
    "subscription": "sub_",
    "subscription_item": "si_",
    "invoice": "in_",
    "invoice_payment": "inpay_",
    "payment_intent": "pi_",
    "charge": "ch_",
    "refund": "re_",
    "payment_method": "pm_",
    "price": "price_",
    "product": "prod_",
    "dispute": "dp_",
    "event": "evt_",
    "billing_portal.session": "bps_",
    "billing_portal.configuration": "bpc_",
    "test_helpers.test_clock": "clock_",
    "line_item": "il_",
}


def declared_by_stripe_python(kind: str) -> set[str]:
    module_name, class_name = OBJECT_CLASSES[kind]
    cls = getattr(importlib.import_module(module_name), class_name)
    names: set[str] = set()
    for base in cls.__mro__:
        names.update(vars(base).get("__annotations__", {}))
    return {name for name in names if not name.startswith("_") and not name.isupper()}


@pytest.fixture(scope="module")
def fixture_objects() -> dict[str, dict[str, Any]]:
    resources: dict[str, dict[str, Any]] = json.loads(fixtures_path().read_text())["resources"]
    return resources


@pytest.fixture(scope="module")
def returned(fixture_objects: dict[str, Any]) -> Iterator[dict[str, dict[str, Any]]]:
    """One raw body per object type, each fetched over HTTP with stripe-python."""
    with running_sandbox() as sandbox:
        client = stripe.StripeClient(
            sandbox.api_key, base_addresses={"api": sandbox.base_url}, max_network_retries=0
        )
        yield _one_of_each(client)


def _one_of_each(client: stripe.StripeClient) -> dict[str, dict[str, Any]]:
    v1 = client.v1
    price = make_price(client)
    clock = v1.test_helpers.test_clocks.create(params={"frozen_time": 1_700_000_000})
    customer = make_customer(client, email="f@example.com", name="Fidelity", test_clock=clock.id)
    subscription = subscribe(client, customer, price)
    invoice = v1.invoices.retrieve(str(subscription.latest_invoice))
    payment = v1.invoice_payments.list(params={"invoice": invoice.id}).data[0]
    charge = v1.charges.list(params={"customer": customer.id}).data[0]
    refund = v1.refunds.create(params={"charge": charge.id, "amount": 500})
    disputed = subscribe(client, make_customer(client, card="pm_card_createDispute"), price)
    dispute = v1.disputes.list(params={"payment_intent": _intent_of(client, disputed)}).data[0]
    configuration = v1.billing_portal.configurations.create(
        params={"features": {"invoice_history": {"enabled": True}}}
    )
    session = v1.billing_portal.sessions.create(
        params={"customer": customer.id, "return_url": "https://x.test"}
    )
    return {
        "customer": raw(v1.customers.retrieve(customer.id)),
        "subscription": raw(v1.subscriptions.retrieve(subscription.id)),
        "subscription_item": raw(v1.subscription_items.retrieve(subscription["items"].data[0].id)),
        "invoice": raw(v1.invoices.retrieve(invoice.id)),
        "invoice_payment": raw(v1.invoice_payments.retrieve(payment.id)),
        "payment_intent": raw(v1.payment_intents.retrieve(str(charge.payment_intent))),
        "charge": raw(v1.charges.retrieve(charge.id)),
        "refund": raw(v1.refunds.retrieve(refund.id)),
        "payment_method": raw(v1.payment_methods.retrieve(str(charge.payment_method))),
        "price": raw(v1.prices.retrieve(price.id)),
        "product": raw(v1.products.retrieve(str(price.product))),
        "dispute": raw(v1.disputes.retrieve(dispute.id)),
        "event": raw(v1.events.retrieve(v1.events.list(params={"limit": 1}).data[0].id)),
        "billing_portal.session": raw(session),
        "billing_portal.configuration": raw(v1.billing_portal.configurations.retrieve(configuration.id)),
        "test_helpers.test_clock": raw(v1.test_helpers.test_clocks.retrieve(clock.id)),
    }


def _intent_of(client: stripe.StripeClient, subscription: stripe.Subscription) -> str:
    invoice = client.v1.invoices.retrieve(str(subscription.latest_invoice), params={"expand": ["payments"]})
    return str(invoice.payments.data[0].payment.payment_intent)  # type: ignore[union-attr]


KINDS = sorted(ID_PREFIXES.keys() - {"line_item"})


@pytest.mark.parametrize("kind", KINDS)
def test_every_fixture_field_is_present(
    kind: str, returned: dict[str, Any], fixture_objects: dict[str, Any]
) -> None:
    expected = set(fixture_objects[kind]) - FIXTURE_FIELDS_GONE_FROM_API.get(kind, set())
    assert expected - set(returned[kind]) == set()


@pytest.mark.parametrize("kind", KINDS)
def test_every_returned_field_is_declared_by_stripe_python(kind: str, returned: dict[str, Any]) -> None:
    assert set(returned[kind]) - declared_by_stripe_python(kind) == set()


@pytest.mark.parametrize("kind", KINDS)
def test_object_identity(kind: str, returned: dict[str, Any]) -> None:
    body = returned[kind]
    assert body["object"] == kind
    assert body.get("livemode", False) is False  # refunds have no livemode field
    assert body["id"].startswith(ID_PREFIXES[kind]) and len(body["id"]) > len(ID_PREFIXES[kind]) + 8


def test_the_only_fixture_fields_left_out_are_those_stripe_python_dropped(
    fixture_objects: dict[str, Any],
) -> None:
    dropped = {
        kind: set(fixture_objects[kind]) - declared_by_stripe_python(kind)
        for kind in KINDS
        if set(fixture_objects[kind]) - declared_by_stripe_python(kind)
    }
    assert dropped == FIXTURE_FIELDS_GONE_FROM_API


def test_invoice_has_no_pre_basil_payment_fields(returned: dict[str, Any]) -> None:
    invoice = returned["invoice"]
    assert not {"charge", "payment_intent", "subscription"} & set(invoice)
    assert invoice["parent"]["subscription_details"]["subscription"] == returned["subscription"]["id"]


def test_period_lives_on_subscription_items(returned: dict[str, Any]) -> None:
    item = returned["subscription"]["items"]["data"][0]
    assert "current_period_end" not in returned["subscription"]
    assert item["current_period_end"] > item["current_period_start"]


@pytest.mark.parametrize(
    ("container", "path", "kind"),
    [
        ("subscription", ("items", "data", 0), "subscription_item"),
        ("subscription_item", ("price",), "price"),
        ("invoice", ("lines", "data", 0), "line_item"),
        ("event", ("data", "object"), None),
    ],
)
def test_nested_objects_have_their_own_type_shape(
    container: str,
    path: tuple[Any, ...],
    kind: str | None,
    returned: dict[str, Any],
    fixture_objects: dict[str, Any],
) -> None:
    nested: Any = returned[container]
    for step in path:
        nested = nested[step]
    kind = kind or nested["object"]
    assert set(fixture_objects[kind]) - set(nested) == set()
    assert set(nested) - declared_by_stripe_python(kind) == set()
    assert nested["id"].startswith(ID_PREFIXES[kind])
