"""Products and prices."""

from __future__ import annotations

import re

from billing.sandbox.encoding import Params, as_bool, as_int, as_list, as_metadata, as_str, merge_metadata
from billing.sandbox.errors import invalid_request, missing_param
from billing.sandbox.events import changed, emit
from billing.sandbox.listing import page_where, range_matches
from billing.sandbox.rendering import present
from billing.sandbox.routing import EXPAND, PAGINATION, Call, route
from billing.sandbox.state import Json, State, new_id
from billing.sandbox.templates import new_object

_CURRENCY = re.compile(r"^[a-z]{3}$")
_INTERVALS = ("day", "week", "month", "year")


def create_product_object(state: State, params: Params) -> Json:
    name = as_str(params, "name")
    if name is None:
        raise missing_param("name")
    now = state.now()
    product = new_object(
        "product",
        {
            "id": as_str(params, "id") or new_id("prod", 14),
            "active": as_bool(params, "active", True),
            "created": now,
            "updated": now,
            "default_price": None,
            "description": as_str(params, "description"),
            "images": [],
            "marketing_features": [],
            "metadata": as_metadata(params) or {},
            "name": name,
            "package_dimensions": None,
            "shippable": None,
            "statement_descriptor": None,
            "tax_code": None,
            "unit_label": as_str(params, "unit_label"),
            "url": None,
            "type": "service",
        },
    )
    state.add(product)
    emit(state, "product.created", product)
    return product


def create_product(call: Call) -> Json:
    return present(call.state, create_product_object(call.state, call.params), call.expand)


def retrieve_product(call: Call) -> Json:
    return present(call.state, call.state.get("product", call.arg("id")), call.expand)


def update_product(call: Call) -> Json:
    product = call.state.get("product", call.arg("id"))
    before = dict(product)
    for key in ("name", "description"):
        if as_str(call.params, key) is not None:
            product[key] = as_str(call.params, key)
    if "active" in call.params:
        product["active"] = as_bool(call.params, "active")
    product["metadata"] = merge_metadata(product["metadata"], as_metadata(call.params))
    product["updated"] = call.state.now()
    emit(call.state, "product.updated", product, changed(before, product))
    return present(call.state, product, call.expand)


def list_products(call: Call) -> Json:
    params = call.params
    ids = set(as_list(params, "ids"))

    def keep(product: Json) -> bool:
        if "active" in params and product["active"] != as_bool(params, "active"):
            return False
        return (not ids or product["id"] in ids) and range_matches(
            product["created"], params.get("created"), "created"
        )

    return page_where(call.state, "product", keep, params, "/v1/products")


def create_price_object(state: State, params: Params) -> Json:
    currency = _currency(params)
    product = _product_for_price(state, params)
    recurring = _recurring(params)
    unit_amount = as_int(params, "unit_amount")
    if unit_amount is None:
        raise missing_param("unit_amount")
    price = new_object(
        "price",
        {
            "id": new_id("price"),
            "active": as_bool(params, "active", True),
            "billing_scheme": "per_unit",
            "created": state.now(),
            "currency": currency,
            "custom_unit_amount": None,
            "lookup_key": as_str(params, "lookup_key"),
            "metadata": as_metadata(params) or {},
            "nickname": as_str(params, "nickname"),
            "product": product["id"],
            "recurring": recurring,
            "tax_behavior": as_str(params, "tax_behavior") or "unspecified",
            "tiers_mode": None,
            "transform_quantity": None,
            "type": "recurring" if recurring else "one_time",
            "unit_amount": unit_amount,
            "unit_amount_decimal": str(unit_amount),
        },
    )
    state.add(price)
    if product["default_price"] is None:
        product["default_price"] = price["id"]
    emit(state, "price.created", price)
    return price


def _currency(params: Params) -> str:
    currency = (as_str(params, "currency") or "").lower()
    if not currency:
        raise missing_param("currency")
    if not _CURRENCY.match(currency):
        raise invalid_request(f"Invalid currency: {currency}.", param="currency")
    return currency


def _product_for_price(state: State, params: Params) -> Json:
    product_id = as_str(params, "product")
    if product_id:
        return state.get("product", product_id, param="product")
    product_data = params.get("product_data")
    if isinstance(product_data, dict):
        return create_product_object(state, product_data)
    raise missing_param("product")


def _recurring(params: Params) -> Json | None:
    recurring = params.get("recurring")
    if not isinstance(recurring, dict):
        return None
    interval = as_str(recurring, "interval")
    if interval not in _INTERVALS:
        raise invalid_request(
            f"Invalid recurring[interval]: must be one of {', '.join(_INTERVALS)}",
            param="recurring[interval]",
        )
    return {
        "interval": interval,
        "interval_count": as_int(recurring, "interval_count", 1),
        "meter": None,
        "usage_type": "licensed",
        "trial_period_days": as_int(recurring, "trial_period_days"),
    }


def create_price(call: Call) -> Json:
    return present(call.state, create_price_object(call.state, call.params), call.expand)


def retrieve_price(call: Call) -> Json:
    return present(call.state, call.state.get("price", call.arg("id")), call.expand)


def update_price(call: Call) -> Json:
    price = call.state.get("price", call.arg("id"))
    before = dict(price)
    for key in ("nickname", "lookup_key"):
        if key in call.params:
            price[key] = as_str(call.params, key)
    if "active" in call.params:
        price["active"] = as_bool(call.params, "active")
    price["metadata"] = merge_metadata(price["metadata"], as_metadata(call.params))
    emit(call.state, "price.updated", price, changed(before, price))
    return present(call.state, price, call.expand)


def list_prices(call: Call) -> Json:
    params = call.params
    lookup_keys = set(as_list(params, "lookup_keys"))

    def keep(price: Json) -> bool:
        for key in ("product", "currency", "type"):
            if as_str(params, key) and price[key] != as_str(params, key):
                return False
        if "active" in params and price["active"] != as_bool(params, "active"):
            return False
        if lookup_keys and price["lookup_key"] not in lookup_keys:
            return False
        return range_matches(price["created"], params.get("created"), "created")

    return page_where(call.state, "price", keep, params, "/v1/prices")


_PRODUCT_FIELDS = ("id", "name", "active", "description", "metadata", "unit_label")

ROUTES = [
    route(
        "POST", "/v1/products", "ProductCreateParams", create_product, implements=(*EXPAND, *_PRODUCT_FIELDS)
    ),
    route(
        "GET",
        "/v1/products",
        "ProductListParams",
        list_products,
        implements=(*PAGINATION, "active", "ids", "created"),
    ),
    route("GET", "/v1/products/{id}", "ProductRetrieveParams", retrieve_product, implements=EXPAND),
    route(
        "POST",
        "/v1/products/{id}",
        "ProductUpdateParams",
        update_product,
        implements=(*EXPAND, "name", "description", "active", "metadata"),
    ),
    route(
        "POST",
        "/v1/prices",
        "PriceCreateParams",
        create_price,
        implements=(
            *EXPAND,
            "currency",
            "product",
            *(f"product_data.{name}" for name in _PRODUCT_FIELDS if name != "description"),
            "recurring.interval",
            "recurring.interval_count",
            "recurring.trial_period_days",
            "unit_amount",
            "active",
            "lookup_key",
            "metadata",
            "nickname",
            "tax_behavior",
        ),
    ),
    route(
        "GET",
        "/v1/prices",
        "PriceListParams",
        list_prices,
        implements=(*PAGINATION, "product", "currency", "type", "active", "lookup_keys", "created"),
    ),
    route("GET", "/v1/prices/{id}", "PriceRetrieveParams", retrieve_price, implements=EXPAND),
    route(
        "POST",
        "/v1/prices/{id}",
        "PriceUpdateParams",
        update_price,
        implements=(*EXPAND, "nickname", "lookup_key", "active", "metadata"),
    ),
]
