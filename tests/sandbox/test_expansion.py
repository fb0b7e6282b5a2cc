"""`expand` renders copies: however deep a read expands, the stored objects stay as they were."""

from __future__ import annotations

import json

import pytest
import stripe

from billing.sandbox import SandboxServer
from billing.sandbox.api import invoke
from billing.sandbox.state import Json, State
from billing.sandbox.templates import expandable_fields

RETRIEVE_PATHS = {
    "customer": "/v1/customers",
    "subscription": "/v1/subscriptions",
    "subscription_item": "/v1/subscription_items",
    "invoice": "/v1/invoices",
    "invoice_payment": "/v1/invoice_payments",
    "payment_intent": "/v1/payment_intents",
    "charge": "/v1/charges",
    "refund": "/v1/refunds",
    "dispute": "/v1/disputes",
    "payment_method": "/v1/payment_methods",
    "price": "/v1/prices",
}
# Computed lists a presenter includes on request (top level only), and the nested ID the gateway expands.
INCLUDES = {"customer": ["subscriptions"], "invoice": ["payments"], "charge": ["refunds"]}
NESTED_IDS = {"customer": ["invoice_settings.default_payment_method"]}
LIST_EXPANSIONS = {
    "/v1/subscriptions": [
        "data.customer",
        "data.customer.invoice_settings.default_payment_method",
        "data.default_payment_method",
        "data.latest_invoice",
    ],
    "/v1/customers": ["data.subscriptions", "data.invoice_settings.default_payment_method"],
    "/v1/invoices": [
        "data.payments",
        "data.customer",
        "data.customer.invoice_settings.default_payment_method",
    ],
    "/v1/charges": ["data.refunds", "data.customer", "data.payment_intent"],
    "/v1/disputes": ["data.charge", "data.charge.customer"],
}


def _ids_to_expand(state: State, obj: Json) -> list[str]:
    return [
        name
        for name in sorted(expandable_fields(obj["object"]))
        if isinstance(obj.get(name), str) and state.find(obj[name]) is not None
    ]


def expansion_paths(state: State, obj: Json) -> list[str]:
    """Every ID field this object can expand, one level further into each expanded object, and extras."""
    paths = []
    for name in _ids_to_expand(state, obj):
        paths.append(name)
        target = state.objects[obj[name]]
        paths += [f"{name}.{inner}" for inner in _ids_to_expand(state, target)]
        paths += [f"{name}.{nested}" for nested in NESTED_IDS.get(target["object"], [])]
    return paths + NESTED_IDS.get(obj["object"], []) + INCLUDES.get(obj["object"], [])


def stored(state: State) -> str:
    return json.dumps(state.objects, sort_keys=True)


def test_expanding_every_path_leaves_stored_objects_unchanged(demo_sandbox: SandboxServer) -> None:
    state = demo_sandbox.state
    before = stored(state)
    expanded = 0
    for obj in list(state.objects.values()):
        path = RETRIEVE_PATHS.get(obj["object"])
        paths = expansion_paths(state, obj)
        if path is None or not paths:
            continue
        body = invoke(state, "GET", f"{path}/{obj['id']}", {"expand": paths})
        expanded += sum(1 for name in paths if "." not in name and isinstance(body.get(name), dict))
    for path, paths in LIST_EXPANSIONS.items():
        listed = invoke(state, "GET", path, {"limit": "100", "expand": paths})
        assert listed["data"]
    assert expanded > 50  # the walk really expanded things
    assert stored(state) == before


def test_nested_expansion_is_in_the_response_but_not_in_the_stored_customer(
    demo_sandbox: SandboxServer,
) -> None:
    state = demo_sandbox.state
    invoice = next(i for i in state.all("invoice") if i["status"] == "open")
    body = invoke(
        state,
        "GET",
        f"/v1/invoices/{invoice['id']}",
        {"expand": ["customer", "customer.invoice_settings.default_payment_method"]},
    )
    shown = body["customer"]["invoice_settings"]["default_payment_method"]
    assert isinstance(shown, dict) and shown["object"] == "payment_method"
    assert state.objects[invoice["customer"]]["invoice_settings"]["default_payment_method"] == shown["id"]


def test_paying_after_an_expanded_read_is_declined_not_missing(
    demo_sandbox: SandboxServer, demo_stripe_client: stripe.StripeClient
) -> None:
    [invoice] = demo_stripe_client.v1.invoices.list(params={"status": "open", "limit": 1}).data
    demo_stripe_client.v1.invoices.retrieve(
        invoice.id, params={"expand": ["customer", "customer.invoice_settings.default_payment_method"]}
    )
    with pytest.raises(stripe.CardError) as raised:
        demo_stripe_client.v1.invoices.pay(invoice.id)
    assert raised.value.code == "card_declined"
