"""`--seed demo`: customers for every triage bucket, loaded through the same handlers the HTTP API runs."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from billing.sandbox.api import invoke, wire_params
from billing.sandbox.periods import days
from billing.sandbox.state import Json, State

DEMO_CUSTOMERS: dict[str, dict[str, str]] = {
    "duplicate": {"email": "jane@example.com", "name": "Jane Doe"},
    "team": {"email": "team@acme.example", "name": "Acme Inc"},
    "failed_renewal": {"email": "sam@example.com", "name": "Sam Failed"},
    "incomplete": {"email": "ines@example.com", "name": "Ines Incomplete"},
    "no_cancel_button": {"email": "nora@example.com", "name": "Nora NoCancel"},
    "product_failure": {"email": "pat@example.com", "name": "Pat Product"},
    "annual": {"email": "yuki.annual@example.com", "name": "Yuki Annual"},
    "jpy": {"email": "kenji@example.jp", "name": "Kenji Tanaka"},
    "shared_email": {"email": "shared@example.com", "name": "Chris Shared"},
    "shared_email_other": {"email": "shared@example.com", "name": "Chris S."},
    "dispute": {"email": "dana@example.com", "name": "Dana Dispute"},
    "github": {"email": "octo@example.com", "name": "Octo Cat"},
}
DEMO_PRICES: dict[str, dict[str, Any]] = {
    "pro": {"product": "Pro", "currency": "usd", "unit_amount": 2000, "interval": "month"},
    "pro_annual": {"product": "Pro Annual", "currency": "usd", "unit_amount": 20000, "interval": "year"},
    "pro_jp": {"product": "Pro JP", "currency": "jpy", "unit_amount": 3000, "interval": "month"},
}
PORTAL_FEATURES = {
    "subscription_cancel": {"enabled": False},
    "payment_method_update": {"enabled": True},
    "invoice_history": {"enabled": True},
    "subscription_update": {"enabled": False},
}
_DUPLICATE_GAP = 120
_SAM_HISTORY = days(35)


class _Api:
    def __init__(self, state: State) -> None:
        self.state = state

    def post(self, path: str, params: Mapping[str, Any]) -> Json:
        return invoke(self.state, "POST", path, wire_params(params))

    def customer(self, key: str, card: str | None = "pm_card_visa", **extra: Any) -> Json:
        params: dict[str, Any] = {**DEMO_CUSTOMERS[key], **extra}
        if card:
            params |= {"payment_method": card, "invoice_settings": {"default_payment_method": card}}
        return self.post("/v1/customers", params)

    def subscribe(self, customer: Json, price: Json, quantity: int = 1, **extra: Any) -> Json:
        items = [{"price": price["id"], "quantity": quantity}]
        return self.post("/v1/subscriptions", {"customer": customer["id"], "items": items, **extra})


def load_seed(state: State, name: str) -> None:
    if name != "demo":
        raise ValueError(f"unknown seed {name!r}; the only seed is 'demo'")
    api = _Api(state)
    prices = {key: _price(api, spec) for key, spec in DEMO_PRICES.items()}
    _duplicate(api, prices["pro"])
    api.subscribe(api.customer("team"), prices["pro"], quantity=5)
    _failed_renewal(api, prices["pro"])
    api.subscribe(
        api.customer("incomplete", card="pm_card_chargeCustomerFail"),
        prices["pro"],
        payment_behavior="allow_incomplete",
    )
    api.post(
        "/v1/billing_portal/configurations",
        {
            "features": PORTAL_FEATURES,
            "business_profile": {"headline": "Billing Ops demo"},
            # As most live accounts have one: Stripe refuses a session with no return URL anywhere.
            "default_return_url": "https://billing-ops.example/account",
        },
    )
    api.subscribe(
        api.customer("no_cancel_button", metadata={"support_note": "can't find cancel button"}), prices["pro"]
    )
    api.subscribe(
        api.customer("product_failure", metadata={"support_note": "export broken for a week"}), prices["pro"]
    )
    api.subscribe(api.customer("annual"), prices["pro_annual"])
    api.subscribe(api.customer("jpy", card="pm_card_jcb"), prices["pro_jp"])
    api.subscribe(api.customer("shared_email"), prices["pro"])
    api.customer("shared_email_other", card=None)
    api.subscribe(api.customer("dispute", card="pm_card_createDispute"), prices["pro"])
    api.subscribe(api.customer("github", metadata={"github": "octocat"}), prices["pro"])


def _price(api: _Api, spec: Mapping[str, Any]) -> Json:
    return api.post(
        "/v1/prices",
        {
            "currency": spec["currency"],
            "unit_amount": spec["unit_amount"],
            "nickname": spec["product"],
            "recurring": {"interval": spec["interval"]},
            "product_data": {"name": spec["product"]},
        },
    )


def _duplicate(api: _Api, price: Json) -> None:
    with api.state.shifted_time(-_DUPLICATE_GAP):
        jane = api.customer("duplicate")
        api.subscribe(jane, price)
    api.subscribe(jane, price)


def _failed_renewal(api: _Api, price: Json) -> None:
    now = api.state.now()
    clock = api.post(
        "/v1/test_helpers/test_clocks", {"frozen_time": now - _SAM_HISTORY, "name": "Sam's renewal"}
    )
    sam = api.customer("failed_renewal", test_clock=clock["id"])
    api.subscribe(sam, price)
    failing = api.post("/v1/payment_methods/pm_card_chargeCustomerFail/attach", {"customer": sam["id"]})
    api.post(f"/v1/customers/{sam['id']}", {"invoice_settings": {"default_payment_method": failing["id"]}})
    api.post(f"/v1/test_helpers/test_clocks/{clock['id']}/advance", {"frozen_time": now})
