"""Card payment methods from Stripe's test tokens (`pm_card_visa` …); attaching one mints a new `pm_…`."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import UTC, datetime

from billing.sandbox.encoding import as_str
from billing.sandbox.errors import StripeApiError, card_declined, invalid_request, missing_param
from billing.sandbox.events import emit
from billing.sandbox.listing import page
from billing.sandbox.rendering import present
from billing.sandbox.routing import EXPAND, PAGINATION, Call, route
from billing.sandbox.state import Json, State, new_id
from billing.sandbox.templates import new_object

# How a card behaves when charged: the part of Stripe's test cards the workflows depend on.
SUCCEEDS, DECLINES_CHARGES, DECLINES_ATTACH, DISPUTES = (
    "succeeds",
    "declines_charges",
    "declines_attach",
    "disputes",
)


@dataclass(frozen=True)
class TestCard:
    brand: str
    last4: str
    behavior: str = SUCCEEDS
    funding: str = "credit"
    country: str = "US"


TEST_CARDS: dict[str, TestCard] = {
    "pm_card_visa": TestCard("visa", "4242"),
    "pm_card_visa_debit": TestCard("visa", "5556", funding="debit"),
    "pm_card_mastercard": TestCard("mastercard", "4444"),
    "pm_card_amex": TestCard("amex", "8431"),
    "pm_card_discover": TestCard("discover", "1117"),
    "pm_card_jcb": TestCard("jcb", "0000", country="JP"),
    "pm_card_chargeCustomerFail": TestCard("visa", "0341", DECLINES_CHARGES),
    "pm_card_createDispute": TestCard("visa", "0259", DISPUTES),
    "pm_card_chargeDeclined": TestCard("visa", "0002", DECLINES_ATTACH),
    "pm_card_chargeDeclinedInsufficientFunds": TestCard("visa", "9995", DECLINES_ATTACH),
}


def card_behavior(payment_method: Json) -> str:
    return str(payment_method.get("_behavior", SUCCEEDS))


def mint_from_token(state: State, token: str) -> Json:
    card = TEST_CARDS.get(token)
    if card is None:
        raise invalid_request(
            f"No such PaymentMethod: '{token}'", param="payment_method", code="resource_missing"
        )
    now = state.now()
    payment_method = new_object(
        "payment_method",
        {
            "id": new_id("pm"),
            "allow_redisplay": "unspecified",
            "billing_details": _empty_billing_details(),
            "card": _card_details(card, now),
            "created": now,
            "customer": None,
            "metadata": {},
            "type": "card",
            "_behavior": card.behavior,
        },
    )
    return state.add(payment_method)


def _empty_billing_details() -> Json:
    address = dict.fromkeys(("city", "country", "line1", "line2", "postal_code", "state"))
    return {"address": address, "email": None, "name": None, "phone": None, "tax_id": None}


def _card_details(card: TestCard, now: int) -> Json:
    fingerprint = hashlib.sha256(f"{card.brand}{card.last4}".encode()).hexdigest()[:16]
    return {
        "brand": card.brand,
        "checks": {"address_line1_check": None, "address_postal_code_check": None, "cvc_check": "pass"},
        "country": card.country,
        "display_brand": card.brand,
        "exp_month": 8,
        "exp_year": datetime.fromtimestamp(now, UTC).year + 3,
        "fingerprint": fingerprint,
        "funding": card.funding,
        "generated_from": None,
        "last4": card.last4,
        "networks": {"available": [card.brand], "preferred": None},
        "three_d_secure_usage": {"supported": True},
        "wallet": None,
        "regulated_status": "unregulated",
    }


def attach(state: State, payment_method_id: str, customer_id: str) -> Json:
    """Test tokens become a fresh payment method, as in Stripe; real pm_ IDs attach in place."""
    customer = state.get("customer", customer_id, param="customer")
    if payment_method_id in TEST_CARDS:
        payment_method = mint_from_token(state, payment_method_id)
    else:
        payment_method = state.get("payment_method", payment_method_id)
    if card_behavior(payment_method) == DECLINES_ATTACH:
        raise card_declined("Your card was declined.", charge_id=None)
    if payment_method["customer"] not in (None, customer["id"]):
        raise invalid_request(
            "The payment method you provided has already been attached to a customer.", param="payment_method"
        )
    payment_method["customer"] = customer["id"]
    emit(state, "payment_method.attached", payment_method)
    return payment_method


def owned_payment_method(state: State, payment_method_id: str, customer_id: str, param: str) -> Json:
    payment_method = state.get("payment_method", payment_method_id, param=param)
    if payment_method["customer"] != customer_id:
        raise StripeApiError(
            400,
            f"The customer does not have a payment method with the ID {payment_method_id}. The payment method "
            "must be attached to the customer.",
            param=param,
            code="resource_missing",
        )
    return payment_method


def attach_payment_method(call: Call) -> Json:
    customer_id = as_str(call.params, "customer")
    if customer_id is None:
        raise missing_param("customer")
    return present(call.state, attach(call.state, call.arg("id"), customer_id), call.expand)


def detach_payment_method(call: Call) -> Json:
    payment_method = call.state.get("payment_method", call.arg("id"))
    if payment_method["customer"] is None:
        raise invalid_request(
            "The payment method you provided is not attached to a customer so detachment is impossible."
        )
    customer = call.state.get("customer", payment_method["customer"])
    payment_method["customer"] = None
    if customer["invoice_settings"]["default_payment_method"] == payment_method["id"]:
        customer["invoice_settings"] = {**customer["invoice_settings"], "default_payment_method": None}
    emit(call.state, "payment_method.detached", payment_method, {"customer": customer["id"]})
    return present(call.state, payment_method, call.expand)


def retrieve_payment_method(call: Call) -> Json:
    return present(call.state, call.state.get("payment_method", call.arg("id")), call.expand)


def list_payment_methods(call: Call) -> Json:
    return _list_for(call, as_str(call.params, "customer"), "/v1/payment_methods")


def list_customer_payment_methods(call: Call) -> Json:
    customer = call.state.get("customer", call.arg("customer"))
    return _list_for(call, customer["id"], f"/v1/customers/{customer['id']}/payment_methods")


def _list_for(call: Call, customer_id: str | None, url: str) -> Json:
    wanted_type = as_str(call.params, "type")
    found = [
        pm
        for pm in call.state.all("payment_method")
        if pm["customer"] is not None
        and (customer_id is None or pm["customer"] == customer_id)
        and (wanted_type is None or pm["type"] == wanted_type)
    ]
    return page(call.state, found, call.params, url)


ROUTES = [
    route(
        "GET",
        "/v1/payment_methods",
        "PaymentMethodListParams",
        list_payment_methods,
        implements=(*PAGINATION, "customer", "type"),
    ),
    route(
        "GET",
        "/v1/payment_methods/{id}",
        "PaymentMethodRetrieveParams",
        retrieve_payment_method,
        implements=EXPAND,
    ),
    route(
        "POST",
        "/v1/payment_methods/{id}/attach",
        "PaymentMethodAttachParams",
        attach_payment_method,
        implements=(*EXPAND, "customer"),
    ),
    route(
        "POST",
        "/v1/payment_methods/{id}/detach",
        "PaymentMethodDetachParams",
        detach_payment_method,
        implements=EXPAND,
    ),
    route(
        "GET",
        "/v1/customers/{customer}/payment_methods",
        "CustomerPaymentMethodListParams",
        list_customer_payment_methods,
        implements=(*PAGINATION, "type"),
    ),
]
