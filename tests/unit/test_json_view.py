"""Listed objects reach the converters as JsonViews: each converter must give exactly what it gives on
stripe-python's object for the same JSON (fixtures3.json shapes, with the listings' expansions)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from stripe._util import convert_to_stripe_object

from billing.gateway import convert as gateway
from billing.json_view import JsonView
from tests.unit.test_gateway_fakes import fixture, page

NAMES = {"prod_QXg1hqf4jFNsqG": "Pro"}


def listed_subscription() -> dict[str, Any]:
    customer = fixture(
        "customer", subscriptions=page(fixture("subscription")), metadata={"github": "octocat"}
    )
    customer["invoice_settings"]["default_payment_method"] = fixture("payment_method")
    return fixture(
        "subscription",
        customer=customer,
        default_payment_method=fixture("payment_method"),
        cancellation_details={"comment": "dup", "feedback": "other", "reason": "cancellation_requested"},
        discounts=["di_1"],
    )


def listed_invoice() -> dict[str, Any]:
    payment = {**fixture("invoice_payment"), "payment": {"type": "payment_intent", "payment_intent": "pi_1"}}
    return fixture(
        "invoice",
        parent={"type": "subscription_details", "subscription_details": {"subscription": "sub_1"}},
        payments=page(payment),
    )


CASES: list[tuple[str, Callable[[Any], Any], Callable[[], dict[str, Any]]]] = [
    ("subscription", lambda obj: gateway._to_subscription(obj, NAMES), listed_subscription),
    ("customer", gateway._to_customer, lambda: listed_subscription()["customer"]),
    ("invoice", gateway._to_invoice, listed_invoice),
    ("charge", gateway._to_charge, lambda: fixture("charge", refunds=page(fixture("refund")))),
    ("refund", gateway._to_refund, lambda: fixture("refund", metadata={"case": "c1"})),
    ("dispute, charge expanded", gateway._to_dispute, lambda: fixture("dispute", charge=fixture("charge"))),
    ("dispute, charge ID", gateway._to_dispute, lambda: fixture("dispute", charge="ch_1")),
    ("event", gateway._to_event, lambda: fixture("event")),
]


@pytest.mark.parametrize(("name", "convert", "raw"), CASES, ids=[case[0] for case in CASES])
def test_a_converter_reads_a_view_as_it_reads_stripes_object(
    name: str, convert: Callable[[Any], Any], raw: Callable[[], dict[str, Any]]
) -> None:
    fields = raw()
    # Compared as JSON: stripe-python turns `*_decimal` strings in an event's payload into Decimals, the
    # view keeps them as the strings Stripe sent; every other field must be equal.
    from_view = convert(JsonView(fields)).model_dump(mode="json")
    assert from_view == convert(convert_to_stripe_object(fields)).model_dump(mode="json")


def test_a_missing_field_is_an_attribute_error_like_stripes() -> None:
    view = JsonView({"id": "cus_1", "invoice_settings": {"default_payment_method": None}})
    assert getattr(view, "deleted", False) is False
    assert view.invoice_settings.default_payment_method is None
    assert "invoice_settings" in view and view["id"] == "cus_1"
