"""Changing a live subscription (`POST /v1/subscriptions/{id}`) and previewing a change
(`POST /v1/invoices/create_preview`): scheduled cancellation and its undo, paused collection, the trial end,
and item quantity/price changes with their prorations (billing/sandbox/prorations.py)."""

from __future__ import annotations

from billing.sandbox.coupons import requested_discounts, set_discounts
from billing.sandbox.encoding import Params, as_int, as_metadata, as_str, merge_metadata
from billing.sandbox.errors import (
    NOT_IMPLEMENTED,
    StripeApiError,
    invalid_request,
    missing_param,
    not_implemented_value,
)
from billing.sandbox.events import changed, emit
from billing.sandbox.invoicing import LineSpec, balance_applied, build_invoice, create_subscription_invoice
from billing.sandbox.payment_methods import owned_payment_method
from billing.sandbox.periods import add_interval
from billing.sandbox.prorations import (
    ItemChange,
    mark_invoiced,
    pending_lines,
    proration_behavior,
    proration_lines,
    requested_changes,
    store_pending,
)
from billing.sandbox.rendering import present
from billing.sandbox.renewals import attempt_payment
from billing.sandbox.routing import EXPAND, Call, route
from billing.sandbox.state import Json, State, new_id
from billing.sandbox.subscriptions import (
    DETAILS,
    apply_details,
    invoice_current_period,
    items_of,
    period_end,
    requested_collection,
    scheduled_cancellation,
)

PAUSE_BEHAVIORS = ("keep_as_draft", "mark_uncollectible", "void")
_FUTURE = "Invalid timestamp: must be an integer Unix timestamp in the future."


def update_subscription(call: Call) -> Json:
    state, params = call.state, call.params
    subscription = state.get("subscription", call.arg("id"))
    if subscription["status"] in ("canceled", "incomplete_expired"):
        _refuse_update_of_ended(params)
    now = state.now(subscription["test_clock"])
    behavior = proration_behavior(params)
    at = _proration_date(params, now)
    changes = requested_changes(state, subscription, params)
    pause = (
        _requested_pause(params, now) if "pause_collection" in params else subscription["pause_collection"]
    )
    coupons = requested_discounts(state, subscription["currency"], params)
    collection = requested_collection(
        params, subscription["collection_method"], subscription["days_until_due"]
    )
    cancellation = scheduled_cancellation(state, subscription, params, prorates=behavior != "none")
    trial_end = _requested_trial_end(subscription, params, now) if "trial_end" in params else None
    payment_method = _requested_default_payment_method(state, subscription, params)
    metadata = merge_metadata(subscription["metadata"], as_metadata(params))
    before = present(state, subscription)
    subscription.update(cancellation)
    subscription["pause_collection"] = pause
    subscription.update(collection_method=collection[0], days_until_due=collection[1])
    if coupons is not None:
        set_discounts(state, subscription, coupons, now)
    if trial_end == "now":
        _end_trial_now(state, subscription, now)
    elif trial_end is not None:
        _move_trial_end(state, subscription, int(trial_end))
    _apply_item_changes(state, subscription, changes, behavior, at)
    apply_details(subscription, params)
    subscription.update(default_payment_method=payment_method, metadata=metadata)
    previous = changed(before, present(state, subscription))
    if previous:
        emit(state, "customer.subscription.updated", subscription, previous)
    return present(state, subscription, call.expand)


def _requested_default_payment_method(state: State, subscription: Json, params: Params) -> str | None:
    if "default_payment_method" not in params:
        current: str | None = subscription["default_payment_method"]
        return current
    payment_method = as_str(params, "default_payment_method")
    if payment_method:
        owned_payment_method(state, payment_method, subscription["customer"], "default_payment_method")
    return payment_method


def _refuse_update_of_ended(params: Params) -> None:
    if set(params) - {"cancellation_details", "metadata", "expand"}:
        raise invalid_request(
            "A canceled subscription can only update its cancellation_details and metadata."
        )


def _proration_date(params: Params, now: int) -> int:
    return as_int(params, "proration_date", now) or now


# --- pause_collection --------------------------------------------------------------------------------------


def _requested_pause(params: Params, now: int) -> Json | None:
    """`pause_collection=""` resumes; otherwise a behavior and an optional future `resumes_at`."""
    raw = params["pause_collection"]
    if raw == "":
        return None
    if not isinstance(raw, dict):
        raise invalid_request(
            "Invalid pause_collection: must be a hash or an empty string", param="pause_collection"
        )
    behavior = as_str(raw, "behavior")
    if behavior is None:
        raise missing_param("pause_collection[behavior]")
    if behavior not in PAUSE_BEHAVIORS:
        raise invalid_request(
            f"Invalid pause_collection[behavior]: must be one of {', '.join(PAUSE_BEHAVIORS)}",
            param="pause_collection[behavior]",
        )
    resumes_at = as_int(raw, "resumes_at")
    if resumes_at is not None and resumes_at <= now:
        raise invalid_request(_FUTURE, param="pause_collection[resumes_at]")
    return {"behavior": behavior, "resumes_at": resumes_at}


# --- trial_end ---------------------------------------------------------------------------------------------


def _requested_trial_end(subscription: Json, params: Params, now: int) -> int | str:
    """On a trialing subscription: a future timestamp moves the trial end (and the period end with it);
    `now` ends the trial, starts the first paid period and invoices it."""
    raw = params["trial_end"]
    if subscription["status"] != "trialing":
        # Stripe would start a new trial on an active subscription, crediting the unused time.
        raise not_implemented_value("trial_end", raw)
    if raw == "now":
        return "now"
    trial_end = as_int(params, "trial_end")
    if trial_end is None or trial_end <= now:
        raise invalid_request(_FUTURE, param="trial_end")
    return trial_end


def _move_trial_end(state: State, subscription: Json, trial_end: int) -> None:
    subscription.update(trial_end=trial_end, billing_cycle_anchor=trial_end)
    for item in items_of(state, subscription):
        item["current_period_end"] = trial_end


def _end_trial_now(state: State, subscription: Json, now: int) -> None:
    subscription.update(trial_end=now, billing_cycle_anchor=now, status="active")
    _restart_periods(state, subscription, now)
    invoice = invoice_current_period(state, subscription, "subscription_update", (now, now))
    attempt_payment(state, subscription, invoice, now)


def _restart_periods(state: State, subscription: Json, at: int) -> None:
    for item in items_of(state, subscription):
        recurring = state.get("price", item["price"])["recurring"]
        item["current_period_start"] = at
        item["current_period_end"] = add_interval(at, recurring["interval"], recurring["interval_count"], at)


# --- items: quantity and price, with prorations ------------------------------------------------------------


def _apply_item_changes(
    state: State, subscription: Json, changes: list[ItemChange], behavior: str, at: int
) -> None:
    real = [change for change in changes if change.changes_anything]
    if not real:
        return
    restarts = any(change.changes_interval for change in real)
    prorate = behavior != "none" and subscription["status"] != "trialing"
    lines = _lines_for(state, real, at, restarts=restarts) if prorate else []
    for change in real:
        change.item["price"] = change.new_price["id"]
        change.item["quantity"] = change.new_quantity
    store_pending(state, subscription, lines)
    if restarts:
        subscription["billing_cycle_anchor"] = at
        _restart_periods(state, subscription, at)
    if restarts or (behavior == "always_invoice" and lines):
        invoice = _invoice_now(state, subscription, at, restarts)
        attempt_payment(state, subscription, invoice, at)


def _lines_for(state: State, changes: list[ItemChange], at: int, *, restarts: bool) -> list[LineSpec]:
    return [line for change in changes for line in proration_lines(state, change, at, credit_only=restarts)]


def _invoice_now(state: State, subscription: Json, at: int, restarts: bool) -> Json:
    if restarts:
        return invoice_current_period(state, subscription, "subscription_update", (at, at))
    pending = pending_lines(state, subscription)
    invoice = create_subscription_invoice(state, subscription, pending, "subscription_update", (at, at))
    mark_invoiced(state, pending, invoice)
    subscription["latest_invoice"] = invoice["id"]
    return invoice


# --- invoices.create_preview -------------------------------------------------------------------------------


def create_preview(call: Call) -> Json:
    """The invoice a change would produce, nothing stored: with `always_invoice` (or a new billing interval)
    the invoice made at once; otherwise the next renewal's, with the change's prorations on it."""
    state, params = call.state, call.params
    subscription = _previewed_subscription(state, params)
    raw = params.get("subscription_details")
    details: Params = raw if isinstance(raw, dict) else {}
    now = state.now(subscription["test_clock"])
    behavior = proration_behavior(details, "subscription_details[proration_behavior]")
    at = _proration_date(details, now)
    changes = requested_changes(state, subscription, details, "subscription_details[items]")
    real = [change for change in changes if change.changes_anything]
    restarts = any(change.changes_interval for change in real)
    prorate = behavior != "none" and subscription["status"] != "trialing"
    pending = pending_lines(state, subscription)
    pending += _lines_for(state, real, at, restarts=restarts) if prorate else []
    if restarts:
        lines, reason, start = (
            pending + _period_lines(state, subscription, changes, at),
            "subscription_update",
            at,
        )
    elif behavior == "always_invoice":
        lines, reason, start = pending, "subscription_update", at
    else:
        start = period_end(state, subscription)
        if subscription["cancel_at"] is not None and subscription["cancel_at"] <= start:
            raise _no_upcoming_invoice(subscription)
        lines, reason = pending + _period_lines(state, subscription, changes, start), "subscription_cycle"
    invoice = build_invoice(state, subscription, lines, reason, (start, start), "upcoming_" + new_id("in"))
    invoice.pop("_discounts")
    invoice.update(hosted_invoice_url=None, invoice_pdf=None, auto_advance=False)
    invoice.update(
        balance_applied(int(state.get("customer", subscription["customer"])["balance"]), invoice["total"])
    )
    return present(state, invoice, call.expand)


def _previewed_subscription(state: State, params: Params) -> Json:
    subscription_id = as_str(params, "subscription")
    if subscription_id is None:
        # Stripe also previews a customer's pending items or a new subscription; the sandbox only this.
        raise invalid_request(
            f"Previewing without a subscription {NOT_IMPLEMENTED}; pass subscription.", param="subscription"
        )
    subscription = state.get("subscription", subscription_id, param="subscription")
    customer_id = as_str(params, "customer")
    if customer_id and customer_id != subscription["customer"]:
        raise invalid_request(
            f"The subscription {subscription_id} does not belong to the customer {customer_id}.",
            param="customer",
        )
    if subscription["status"] in ("canceled", "incomplete_expired"):
        raise _no_upcoming_invoice(subscription)
    return subscription


def _no_upcoming_invoice(subscription: Json) -> StripeApiError:
    return StripeApiError(
        400, f"No upcoming invoices for customer: {subscription['customer']}", code="invoice_upcoming_none"
    )


def _period_lines(state: State, subscription: Json, changes: list[ItemChange], start: int) -> list[LineSpec]:
    """One line per item for the period starting at `start`, with the changes applied."""
    changed_items = {change.item["id"]: change for change in changes}
    lines = []
    for item in items_of(state, subscription):
        change = changed_items.get(item["id"])
        price = change.new_price if change else state.get("price", item["price"])
        quantity = change.new_quantity if change else int(item["quantity"])
        recurring = price["recurring"]
        anchor = start if change and change.changes_interval else subscription["billing_cycle_anchor"]
        end = add_interval(start, recurring["interval"], recurring["interval_count"], anchor)
        lines.append(LineSpec(item, price, quantity, start, end))
    return lines


_PREVIEW_ITEMS = ("items.id", "items.quantity", "items.price")

ROUTES = [
    route(
        "POST",
        "/v1/subscriptions/{id}",
        "SubscriptionUpdateParams",
        update_subscription,
        implements=(
            *EXPAND,
            *DETAILS,
            *_PREVIEW_ITEMS,
            "cancel_at_period_end",
            "cancel_at",
            "pause_collection.behavior",
            "pause_collection.resumes_at",
            "trial_end",
            "discounts.coupon",
            "collection_method",
            "days_until_due",
            "proration_behavior",
            "proration_date",
            "default_payment_method",
            "description",
            "metadata",
        ),
    ),
    route(
        "POST",
        "/v1/invoices/create_preview",
        "InvoiceCreatePreviewParams",
        create_preview,
        implements=(
            *EXPAND,
            "customer",
            "subscription",
            *(f"subscription_details.{path}" for path in _PREVIEW_ITEMS),
            "subscription_details.proration_behavior",
            "subscription_details.proration_date",
        ),
    ),
]
