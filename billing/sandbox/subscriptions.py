"""Subscriptions and their items: create (first invoice + payment), update, cancel, list, search."""

from __future__ import annotations

from billing.sandbox.coupons import requested_discounts, set_discounts
from billing.sandbox.encoding import Params, as_bool, as_int, as_list, as_metadata, as_str
from billing.sandbox.errors import (
    StripeApiError,
    card_declined,
    invalid_request,
    missing_param,
    not_implemented_value,
)
from billing.sandbox.events import changed, emit
from billing.sandbox.invoicing import (
    INVOICE_PAID_HOOKS,
    LineSpec,
    create_subscription_invoice,
    default_payment_method_for,
    subscription_of,
    void_invoice,
)
from billing.sandbox.listing import page, page_where, range_matches
from billing.sandbox.payment_methods import owned_payment_method
from billing.sandbox.payments import DECLINE_MESSAGE, collect
from billing.sandbox.periods import add_interval, days
from billing.sandbox.prorations import mark_invoiced, pending_lines, proration_behavior
from billing.sandbox.rendering import present, presenter
from billing.sandbox.routing import EXPAND, PAGINATION, SEARCH, Call, route
from billing.sandbox.search import search_result
from billing.sandbox.state import Json, State, new_id
from billing.sandbox.templates import new_object

SEARCH_FIELDS = frozenset({"status", "created", "canceled_at", "customer"})
PAYMENT_BEHAVIORS = ("allow_incomplete", "default_incomplete", "error_if_incomplete", "pending_if_incomplete")


# --- presentation ------------------------------------------------------------------------------------------


@presenter("subscription")
def _present_subscription(state: State, subscription: Json, include: frozenset[str]) -> Json:
    items = items_of(state, subscription)
    return {
        **subscription,
        "items": {
            "object": "list",
            "data": [present(state, item) for item in items],
            "has_more": False,
            "total_count": len(items),
            "url": f"/v1/subscription_items?subscription={subscription['id']}",
        },
    }


@presenter("subscription_item")
def _present_item(state: State, item: Json, include: frozenset[str]) -> Json:
    price = state.get("price", item["price"])
    return {**item, "price": present(state, price), "plan": _plan_from(price)}


def _plan_from(price: Json) -> Json:
    recurring = price["recurring"] or {}
    return {
        "id": price["id"],
        "object": "plan",
        "active": price["active"],
        "amount": price["unit_amount"],
        "amount_decimal": price["unit_amount_decimal"],
        "billing_scheme": "per_unit",
        "created": price["created"],
        "currency": price["currency"],
        "interval": recurring.get("interval"),
        "interval_count": recurring.get("interval_count"),
        "livemode": False,
        "metadata": price["metadata"],
        "meter": None,
        "nickname": price["nickname"],
        "product": price["product"],
        "tiers_mode": None,
        "transform_usage": None,
        "trial_period_days": None,
        "usage_type": "licensed",
    }


def items_of(state: State, subscription: Json) -> list[Json]:
    return state.related("subscription_item", "subscription", subscription["id"])


# --- create ------------------------------------------------------------------------------------------------


def create_subscription(call: Call) -> Json:
    state, params = call.state, call.params
    customer_id = as_str(params, "customer")
    if customer_id is None:
        raise missing_param("customer")
    customer = state.get("customer", customer_id, param="customer")
    prices = _requested_prices(state, params)
    behavior = as_str(params, "payment_behavior") or "allow_incomplete"
    if behavior not in PAYMENT_BEHAVIORS:
        raise invalid_request(
            f"Invalid payment_behavior: must be one of {', '.join(PAYMENT_BEHAVIORS)}",
            param="payment_behavior",
        )
    default_pm = as_str(params, "default_payment_method")
    if default_pm:
        owned_payment_method(state, default_pm, customer["id"], "default_payment_method")
    now = state.now(customer["test_clock"])
    trial_end = _trial_end(params, now)
    collection = requested_collection(params, "charge_automatically", None)
    coupons = requested_discounts(state, prices[0][0]["currency"], params)
    subscription = state.add(new_object("subscription", _subscription_fields(customer, prices, params, now)))
    subscription.update(collection_method=collection[0], days_until_due=collection[1])
    subscription.update(
        default_payment_method=default_pm,
        trial_start=now if trial_end else None,
        trial_end=trial_end,
        status="trialing" if trial_end else "incomplete",
        billing_cycle_anchor=trial_end or now,
    )
    for price, quantity in prices:
        _add_item(state, subscription, price, quantity, now, trial_end)
    try:
        prorates = proration_behavior(params) != "none"
        subscription.update(scheduled_cancellation(state, subscription, params, prorates=prorates))
    except StripeApiError:
        _discard(state, subscription)
        raise
    set_discounts(state, subscription, coupons or [], now)
    if customer["currency"] is None:
        customer["currency"] = subscription["currency"]
    emit(state, "customer.subscription.created", subscription)
    _bill_first_period(state, subscription, behavior, now)
    return present(state, subscription, call.expand)


def _requested_prices(state: State, params: Params) -> list[tuple[Json, int]]:
    items = as_list(params, "items")
    if not items:
        raise missing_param("items")
    prices = []
    for index, item in enumerate(items):
        price_id = as_str(item, "price") if isinstance(item, dict) else None
        if price_id is None:
            raise missing_param(f"items[{index}][price]")
        price = state.get("price", price_id, param=f"items[{index}][price]")
        if price["type"] != "recurring":
            raise invalid_request(
                "The price specified is set to `type=one_time` but this field only accepts prices with "
                "`type=recurring`.",
                param=f"items[{index}][price]",
            )
        prices.append((price, as_int(item, "quantity", 1) or 1))
    if len({price["currency"] for price, _ in prices}) > 1:
        raise invalid_request("All prices on a subscription must have the same currency.", param="items")
    return prices


def _trial_end(params: Params, now: int) -> int | None:
    trial_days = as_int(params, "trial_period_days")
    if trial_days:
        return now + days(trial_days)
    explicit = as_str(params, "trial_end")
    if explicit and explicit != "now":
        return as_int(params, "trial_end")
    return None


def _subscription_fields(customer: Json, prices: list[tuple[Json, int]], params: Params, now: int) -> Json:
    return {
        "id": new_id("sub"),
        "application": None,
        "application_fee_percent": None,
        "automatic_tax": {"enabled": False, "liability": None, "disabled_reason": None},
        "billing_cycle_anchor": now,
        "billing_cycle_anchor_config": None,
        "billing_mode": {"type": "classic", "flexible": None},
        "billing_schedules": [],
        "billing_thresholds": None,
        "cancel_at": None,
        "cancel_at_period_end": False,
        "canceled_at": None,
        "cancellation_details": {"comment": None, "feedback": None, "reason": None},
        "collection_method": "charge_automatically",
        "created": now,
        "currency": prices[0][0]["currency"],
        "customer": customer["id"],
        "days_until_due": None,
        "default_source": None,
        "default_tax_rates": [],
        "description": as_str(params, "description"),
        "discounts": [],
        "ended_at": None,
        "invoice_settings": {"account_tax_ids": None, "issuer": {"type": "self"}},
        "latest_invoice": None,
        "managed_payments": None,
        "metadata": as_metadata(params) or {},
        "next_pending_invoice_item_invoice": None,
        "on_behalf_of": None,
        "pause_collection": None,
        "payment_settings": {
            "payment_method_options": None,
            "payment_method_types": None,
            "save_default_payment_method": "off",
        },
        "pending_invoice_item_interval": None,
        "pending_setup_intent": None,
        "pending_update": None,
        "schedule": None,
        "start_date": now,
        "test_clock": customer["test_clock"],
        "transfer_data": None,
        "trial_settings": {"end_behavior": {"missing_payment_method": "create_invoice"}},
    }


def _add_item(
    state: State, subscription: Json, price: Json, quantity: int, now: int, trial_end: int | None
) -> None:
    recurring = price["recurring"]
    period_end = trial_end or add_interval(now, recurring["interval"], recurring["interval_count"], now)
    item = new_object(
        "subscription_item",
        {
            "id": new_id("si", 14),
            "created": now,
            "discounts": [],
            "metadata": {},
            "price": price["id"],
            "quantity": quantity,
            "subscription": subscription["id"],
            "tax_rates": [],
            "current_period_start": now,
            "current_period_end": period_end,
            "billing_thresholds": None,
        },
    )
    state.add(item)


def _bill_first_period(state: State, subscription: Json, behavior: str, now: int) -> None:
    invoice = invoice_current_period(state, subscription, "subscription_create", (now, now))
    if subscription["status"] == "trialing" or behavior == "default_incomplete":
        return
    if subscription["collection_method"] == "send_invoice":
        # The customer pays the emailed invoice within days_until_due; the subscription is active meanwhile.
        subscription["status"] = "active"
        return
    charge = collect(state, invoice, default_payment_method_for(state, invoice))
    if invoice["status"] == "paid" or behavior != "error_if_incomplete":
        return
    # Stripe does not create the subscription at all; the declined charge stays on record.
    void_invoice(state, invoice)
    _discard(state, subscription)
    raise card_declined(DECLINE_MESSAGE, charge_id=charge["id"] if charge else None)


def _discard(state: State, subscription: Json) -> None:
    for item in items_of(state, subscription):
        state.remove(item["id"])
    state.remove(subscription["id"])


def invoice_current_period(
    state: State, subscription: Json, reason: str, period: tuple[int, int], *, finalize: bool = True
) -> Json:
    """The period's invoice: pending prorations first, then one line per item for the period ahead."""
    pending = pending_lines(state, subscription)
    lines = pending + [
        LineSpec(
            item,
            state.get("price", item["price"]),
            item["quantity"],
            item["current_period_start"],
            item["current_period_end"],
            trial=reason == "subscription_create" and subscription["status"] == "trialing",
        )
        for item in items_of(state, subscription)
    ]
    invoice = create_subscription_invoice(state, subscription, lines, reason, period, finalize=finalize)
    mark_invoiced(state, pending, invoice)
    subscription["latest_invoice"] = invoice["id"]
    return invoice


COLLECTION_METHODS = ("charge_automatically", "send_invoice")


def requested_collection(params: Params, method: str, days_until_due: int | None) -> tuple[str, int | None]:
    """(collection_method, days_until_due) after this request; `send_invoice` needs a number of days."""
    if "collection_method" in params:
        method = as_str(params, "collection_method") or ""
        if method not in COLLECTION_METHODS:
            raise invalid_request(
                "Invalid collection_method: must be one of charge_automatically or send_invoice",
                param="collection_method",
            )
        days_until_due = None
    if "days_until_due" in params:
        days_until_due = as_int(params, "days_until_due")
    if method == "send_invoice" and days_until_due is None:
        raise missing_param("days_until_due")
    if method == "charge_automatically" and days_until_due is not None:
        raise invalid_request(
            "days_until_due can only be set when collection_method is send_invoice.", param="days_until_due"
        )
    return method, days_until_due


def set_status(state: State, subscription: Json, status: str, **fields: object) -> None:
    before = present(state, subscription)
    subscription.update(status=status, **fields)
    emit(state, "customer.subscription.updated", subscription, changed(before, present(state, subscription)))


def _activate_on_payment(state: State, invoice: Json) -> None:
    subscription_id = subscription_of(invoice)
    subscription = state.find(subscription_id) if subscription_id else None
    if subscription and subscription["status"] in ("incomplete", "past_due", "unpaid"):
        set_status(state, subscription, "active")


INVOICE_PAID_HOOKS.append(_activate_on_payment)


# --- read --------------------------------------------------------------------------------------------------


def retrieve_subscription(call: Call) -> Json:
    return present(call.state, call.state.get("subscription", call.arg("id")), call.expand)


def list_subscriptions(call: Call) -> Json:
    state, params = call.state, call.params
    customer, price, status = (as_str(params, key) for key in ("customer", "price", "status"))
    test_clock = as_str(params, "test_clock")

    def keep(subscription: Json) -> bool:
        if customer and subscription["customer"] != customer:
            return False
        if test_clock and subscription["test_clock"] != test_clock:
            return False
        if not _status_matches(subscription["status"], status):
            return False
        if price and price not in {item["price"] for item in items_of(state, subscription)}:
            return False
        if not range_matches(subscription["created"], params.get("created"), "created"):
            return False
        # Stripe: "subscriptions whose minimum item current_period_end falls within the given date interval".
        wanted_end = params.get("current_period_end")
        return wanted_end is None or range_matches(
            period_end(state, subscription), wanted_end, "current_period_end"
        )

    among = state.related("subscription", "customer", customer) if customer else None
    return page_where(state, "subscription", keep, params, "/v1/subscriptions", among)


def _status_matches(actual: str, wanted: str | None) -> bool:
    if wanted == "all":
        return True
    if wanted == "ended":
        return actual in ("canceled", "incomplete_expired")
    if wanted is None:
        return actual != "canceled"
    return actual == wanted


def search_subscriptions(call: Call) -> Json:
    return search_result(
        call.state, call.state.all("subscription"), call.params, "/v1/subscriptions/search", SEARCH_FIELDS
    )


def retrieve_item(call: Call) -> Json:
    return present(call.state, call.state.get("subscription_item", call.arg("id")), call.expand)


def list_items(call: Call) -> Json:
    subscription_id = as_str(call.params, "subscription")
    if subscription_id is None:
        raise missing_param("subscription")
    subscription = call.state.get("subscription", subscription_id, param="subscription")
    return page(call.state, items_of(call.state, subscription), call.params, "/v1/subscription_items")


# --- update and cancel -------------------------------------------------------------------------------------


def scheduled_cancellation(state: State, subscription: Json, params: Params, *, prorates: bool) -> Json:
    """The fields `cancel_at_period_end` / `cancel_at` set (checked, not applied). A `cancel_at` inside the
    current period would make Stripe credit the unused time when prorating; that is not emulated, so it is
    accepted only with `proration_behavior=none`, as are the named moments (`min_period_end` …)."""
    if "cancel_at_period_end" in params:
        at_end = as_bool(params, "cancel_at_period_end")
        return {
            "cancel_at_period_end": at_end,
            "cancel_at": period_end(state, subscription) if at_end else None,
            "canceled_at": state.now(subscription["test_clock"]) if at_end else None,
        }
    if "cancel_at" not in params:
        return {}
    raw = params["cancel_at"]
    if raw == "":
        return {"cancel_at": None, "cancel_at_period_end": False, "canceled_at": None}
    if isinstance(raw, str) and not raw.lstrip("-").isdigit():
        raise not_implemented_value("cancel_at", raw)
    cancel_at = as_int(params, "cancel_at")
    if prorates and cancel_at is not None and cancel_at < period_end(state, subscription):
        raise not_implemented_value("cancel_at", raw)
    return {"cancel_at": cancel_at, "cancel_at_period_end": False}


def apply_details(subscription: Json, params: Params) -> None:
    details = params.get("cancellation_details")
    if isinstance(details, dict):
        current = dict(subscription["cancellation_details"])
        for key in ("comment", "feedback"):
            if key in details:
                current[key] = as_str(details, key)
        subscription["cancellation_details"] = current
    if "description" in params:
        subscription["description"] = as_str(params, "description")


def cancel_subscription(call: Call) -> Json:
    state, params = call.state, call.params
    subscription = state.get("subscription", call.arg("id"))
    if subscription["status"] in ("canceled", "incomplete_expired"):
        raise invalid_request(
            f"This subscription has already been canceled: {subscription['id']}", code="resource_missing"
        )
    apply_details(subscription, params)
    for flag in ("prorate", "invoice_now"):
        # Stripe's defaults (false): no proration credit, no final invoice. The other way is not emulated.
        if as_bool(params, flag):
            raise not_implemented_value(flag, params[flag])
    now = state.now(subscription["test_clock"])
    end_subscription(state, subscription, now, reason="cancellation_requested")
    return present(state, subscription, call.expand)


def end_subscription(state: State, subscription: Json, at: int, reason: str) -> None:
    before = present(state, subscription)
    details = {**subscription["cancellation_details"], "reason": reason}
    subscription.update(
        status="canceled",
        ended_at=at,
        canceled_at=subscription["canceled_at"] or at,
        cancellation_details=details,
    )
    emit(state, "customer.subscription.deleted", subscription, changed(before, present(state, subscription)))


def period_end(state: State, subscription: Json) -> int:
    return min(int(item["current_period_end"]) for item in items_of(state, subscription))


DETAILS = ("cancellation_details.comment", "cancellation_details.feedback")

ROUTES = [
    route(
        "POST",
        "/v1/subscriptions",
        "SubscriptionCreateParams",
        create_subscription,
        implements=(
            *EXPAND,
            "customer",
            "items.price",
            "items.quantity",
            "payment_behavior",
            "default_payment_method",
            "discounts.coupon",
            "collection_method",
            "days_until_due",
            "trial_period_days",
            "trial_end",
            "cancel_at_period_end",
            "cancel_at",
            # Only decides whether a cancel_at inside the first period is accepted (with `none`).
            "proration_behavior",
            "description",
            "metadata",
        ),
    ),
    route(
        "GET",
        "/v1/subscriptions",
        "SubscriptionListParams",
        list_subscriptions,
        implements=(
            *PAGINATION,
            "customer",
            "price",
            "status",
            "test_clock",
            "created",
            "current_period_end",
        ),
    ),
    route(
        "GET",
        "/v1/subscriptions/search",
        "SubscriptionSearchParams",
        search_subscriptions,
        implements=SEARCH,
    ),
    route(
        "GET",
        "/v1/subscriptions/{id}",
        "SubscriptionRetrieveParams",
        retrieve_subscription,
        implements=EXPAND,
    ),
    route(
        "DELETE",
        "/v1/subscriptions/{id}",
        "SubscriptionCancelParams",
        cancel_subscription,
        implements=(*EXPAND, *DETAILS, "prorate", "invoice_now"),
    ),
    route(
        "GET",
        "/v1/subscription_items",
        "SubscriptionItemListParams",
        list_items,
        implements=(*PAGINATION, "subscription"),
    ),
    route(
        "GET",
        "/v1/subscription_items/{id}",
        "SubscriptionItemRetrieveParams",
        retrieve_item,
        implements=EXPAND,
    ),
]
