"""Customers: create, retrieve, update, list (email filter), search, and the includable `subscriptions`."""

from __future__ import annotations

import secrets

from billing.sandbox.encoding import Params, as_list, as_metadata, as_str, merge_metadata
from billing.sandbox.events import changed, emit
from billing.sandbox.listing import page_where, range_matches
from billing.sandbox.payment_methods import attach, owned_payment_method
from billing.sandbox.rendering import list_object, present, presenter
from billing.sandbox.routing import EXPAND, PAGINATION, SEARCH, Call, route
from billing.sandbox.search import search_result
from billing.sandbox.state import Json, State, new_id
from billing.sandbox.templates import new_object

SEARCH_FIELDS = frozenset({"email", "name", "phone", "created"})
_SIMPLE_FIELDS = ("email", "name", "description", "phone")


@presenter("customer")
def _present_customer(state: State, customer: Json, include: frozenset[str]) -> Json:
    body = dict(customer)
    if "subscriptions" in include:
        subscriptions = [
            s for s in state.related("subscription", "customer", customer["id"]) if s["status"] != "canceled"
        ]
        body["subscriptions"] = list_object(
            state, state.newest_first(subscriptions), f"/v1/customers/{customer['id']}/subscriptions"
        )
    return body


def create_customer(call: Call) -> Json:
    state, params = call.state, call.params
    test_clock = as_str(params, "test_clock")
    if test_clock:
        state.get("test_helpers.test_clock", test_clock, param="test_clock")
    customer = new_object(
        "customer",
        {
            "id": new_id("cus", 14),
            "address": None,
            "balance": 0,
            "created": state.now(test_clock),
            "currency": None,
            "default_source": None,
            "delinquent": False,
            "discount": None,
            "invoice_prefix": secrets.token_hex(4).upper(),
            "invoice_settings": {
                "custom_fields": None,
                "default_payment_method": None,
                "footer": None,
                "rendering_options": None,
            },
            "metadata": as_metadata(params) or {},
            "next_invoice_sequence": 1,
            "preferred_locales": [str(locale) for locale in as_list(params, "preferred_locales")],
            "shipping": None,
            "tax_exempt": "none",
            "test_clock": test_clock,
            **{key: as_str(params, key) for key in _SIMPLE_FIELDS},
        },
    )
    state.add(customer)
    emit(state, "customer.created", customer)
    _attach_initial_payment_method(state, customer, params)
    return present(state, customer, call.expand)


def _attach_initial_payment_method(state: State, customer: Json, params: Params) -> None:
    token = as_str(params, "payment_method")
    attached = attach(state, token, customer["id"]) if token else None
    default = _requested_default(params)
    if default is None:
        return
    if attached is not None and default == token:
        default = attached["id"]
    _set_default_payment_method(state, customer, default)


def _requested_default(params: Params) -> str | None:
    settings = params.get("invoice_settings")
    return as_str(settings, "default_payment_method") if isinstance(settings, dict) else None


def _set_default_payment_method(state: State, customer: Json, payment_method_id: str | None) -> None:
    if payment_method_id is not None:
        owned_payment_method(
            state, payment_method_id, customer["id"], "invoice_settings[default_payment_method]"
        )
    customer["invoice_settings"] = {
        **customer["invoice_settings"],
        "default_payment_method": payment_method_id,
    }


def retrieve_customer(call: Call) -> Json:
    return present(call.state, call.state.get("customer", call.arg("id")), call.expand)


def update_customer(call: Call) -> Json:
    state, params = call.state, call.params
    customer = state.get("customer", call.arg("id"))
    before = dict(customer)
    for key in _SIMPLE_FIELDS:
        if key in params:
            customer[key] = as_str(params, key)
    customer["metadata"] = merge_metadata(customer["metadata"], as_metadata(params))
    settings = params.get("invoice_settings")
    if isinstance(settings, dict) and "default_payment_method" in settings:
        _set_default_payment_method(state, customer, as_str(settings, "default_payment_method"))
    previous = changed(before, customer)
    if previous:
        emit(state, "customer.updated", customer, previous)
    return present(state, customer, call.expand)


def delete_customer(call: Call) -> Json:
    customer = call.state.get("customer", call.arg("id"))
    call.state.remove(customer["id"])
    emit(call.state, "customer.deleted", customer)
    return {"id": customer["id"], "object": "customer", "deleted": True}


def list_customers(call: Call) -> Json:
    params = call.params
    email, test_clock = as_str(params, "email"), as_str(params, "test_clock")

    def keep(customer: Json) -> bool:
        if email is not None and customer["email"] != email:
            return False
        if test_clock is not None and customer["test_clock"] != test_clock:
            return False
        return range_matches(customer["created"], params.get("created"), "created")

    return page_where(call.state, "customer", keep, params, "/v1/customers")


def search_customers(call: Call) -> Json:
    return search_result(
        call.state, call.state.all("customer"), call.params, "/v1/customers/search", SEARCH_FIELDS
    )


_WRITABLE = (*EXPAND, *_SIMPLE_FIELDS, "metadata", "invoice_settings.default_payment_method")

ROUTES = [
    route(
        "POST",
        "/v1/customers",
        "CustomerCreateParams",
        create_customer,
        implements=(*_WRITABLE, "test_clock", "preferred_locales", "payment_method"),
    ),
    route(
        "GET",
        "/v1/customers",
        "CustomerListParams",
        list_customers,
        implements=(*PAGINATION, "email", "test_clock", "created"),
    ),
    route("GET", "/v1/customers/search", "CustomerSearchParams", search_customers, implements=SEARCH),
    route("GET", "/v1/customers/{id}", "CustomerRetrieveParams", retrieve_customer, implements=EXPAND),
    route("POST", "/v1/customers/{id}", "CustomerUpdateParams", update_customer, implements=_WRITABLE),
    route("DELETE", "/v1/customers/{id}", "CustomerDeleteParams", delete_customer, implements=()),
]
