"""Coupons (create, retrieve, update, list, delete) and the discounts they make on subscriptions.

A subscription's `discounts` holds `di_…` IDs. Each invoice made for the subscription applies its discounts
to the sum of its lines: `percent_off` takes that share (rounded half up), `amount_off` takes up to that sum;
an invoice whose lines sum to zero or less is not discounted. `duration=once` ends the discount after the
first invoice it discounts; `repeating` after `duration_in_months`; `forever` never.
"""

from __future__ import annotations

from collections.abc import Iterable
from decimal import ROUND_HALF_UP, Decimal

from billing.sandbox.encoding import Params, as_int, as_list, as_metadata, as_str, merge_metadata
from billing.sandbox.errors import StripeApiError, invalid_request, missing_param, resource_missing
from billing.sandbox.events import changed, emit
from billing.sandbox.listing import page_where, range_matches
from billing.sandbox.periods import add_interval
from billing.sandbox.rendering import present
from billing.sandbox.routing import EXPAND, PAGINATION, Call, route
from billing.sandbox.state import Json, State, new_id
from billing.sandbox.templates import new_object

DURATIONS = ("once", "repeating", "forever")


# --- coupons -----------------------------------------------------------------------------------------------


def create_coupon(call: Call) -> Json:
    state, params = call.state, call.params
    percent_off = params.get("percent_off")
    amount_off = as_int(params, "amount_off")
    if (percent_off in (None, "")) == (amount_off is None):
        raise invalid_request("You must pass exactly one of percent_off or amount_off.")
    percent = _percent(percent_off) if percent_off not in (None, "") else None
    currency = (as_str(params, "currency") or "").lower() or None
    if amount_off is not None:
        if amount_off <= 0:
            raise invalid_request("Invalid positive integer", param="amount_off")
        if currency is None:
            raise missing_param("currency")
    duration = as_str(params, "duration") or "once"
    if duration not in DURATIONS:
        raise invalid_request(f"Invalid duration: must be one of {', '.join(DURATIONS)}", param="duration")
    months = as_int(params, "duration_in_months")
    if duration == "repeating" and not months:
        raise missing_param("duration_in_months")
    coupon_id = as_str(params, "id") or new_id("", 8)[1:]
    if state.find(coupon_id) is not None:
        raise invalid_request("Coupon already exists.", param="id", code="resource_already_exists")
    coupon = new_object(
        "coupon",
        {
            "id": coupon_id,
            "amount_off": amount_off,
            "applies_to": None,
            "created": state.now(),
            "currency": currency if amount_off is not None else None,
            "currency_options": None,
            "duration": duration,
            "duration_in_months": months if duration == "repeating" else None,
            "max_redemptions": as_int(params, "max_redemptions"),
            "metadata": as_metadata(params) or {},
            "name": as_str(params, "name"),
            "percent_off": percent,
            "redeem_by": as_int(params, "redeem_by"),
            "times_redeemed": 0,
            "valid": True,
        },
    )
    state.add(coupon)
    emit(state, "coupon.created", coupon)
    return present(state, coupon, call.expand)


def _percent(raw: object) -> float:
    try:
        percent = float(str(raw))
    except ValueError:
        raise invalid_request(f"Invalid decimal: {raw}", param="percent_off") from None
    if not 0 < percent <= 100:
        raise invalid_request("percent_off must be greater than 0 and at most 100.", param="percent_off")
    return percent


def _live_coupon(state: State, coupon_id: str) -> Json:
    coupon = state.get("coupon", coupon_id)
    if coupon.get("_deleted"):
        raise resource_missing("coupon", coupon_id)
    return coupon


def retrieve_coupon(call: Call) -> Json:
    return present(call.state, _live_coupon(call.state, call.arg("id")), call.expand)


def update_coupon(call: Call) -> Json:
    coupon = _live_coupon(call.state, call.arg("id"))
    before = dict(coupon)
    if "name" in call.params:
        coupon["name"] = as_str(call.params, "name")
    coupon["metadata"] = merge_metadata(coupon["metadata"], as_metadata(call.params))
    emit(call.state, "coupon.updated", coupon, changed(before, coupon))
    return present(call.state, coupon, call.expand)


def delete_coupon(call: Call) -> Json:
    """Existing discounts keep working, as in Stripe; the coupon can no longer be redeemed."""
    coupon = _live_coupon(call.state, call.arg("id"))
    coupon["valid"] = False
    coupon["_deleted"] = True
    emit(call.state, "coupon.deleted", coupon)
    return {"id": coupon["id"], "object": "coupon", "deleted": True}


def list_coupons(call: Call) -> Json:
    params = call.params

    def keep(coupon: Json) -> bool:
        return not coupon.get("_deleted") and range_matches(
            coupon["created"], params.get("created"), "created"
        )

    return page_where(call.state, "coupon", keep, params, "/v1/coupons")


# --- discounts on subscriptions ----------------------------------------------------------------------------


def redeemable_coupon(state: State, coupon_id: str, param: str, currency: str) -> Json:
    coupon = state.find(coupon_id)
    if coupon is None or coupon["object"] != "coupon" or coupon.get("_deleted"):
        # A missing object named in the body is a 400 in Stripe (404 is for the URL's own object).
        raise StripeApiError(400, f"No such coupon: '{coupon_id}'", code="resource_missing", param=param)
    now = state.now()
    expired = coupon["redeem_by"] is not None and coupon["redeem_by"] <= now
    used_up = coupon["max_redemptions"] is not None and coupon["times_redeemed"] >= coupon["max_redemptions"]
    if not coupon["valid"] or expired or used_up:
        raise invalid_request(f"Coupon expired: {coupon_id}", param=param, code="coupon_expired")
    if coupon["amount_off"] is not None and coupon["currency"] != currency:
        raise invalid_request(
            f"The coupon {coupon_id} is in {coupon['currency']} but this subscription is in {currency}.",
            param=param,
        )
    return coupon


def requested_discounts(state: State, currency: str, params: Params) -> list[Json] | None:
    """The coupons `discounts` asks for (checked, not yet redeemed); None when `discounts` is absent."""
    if "discounts" not in params:
        return None
    coupons = []
    for index, entry in enumerate(as_list(params, "discounts")):
        name = f"discounts[{index}]"
        coupon_id = as_str(entry, "coupon") if isinstance(entry, dict) else None
        if coupon_id is None:
            raise missing_param(f"{name}[coupon]")
        coupons.append(redeemable_coupon(state, coupon_id, f"{name}[coupon]", currency))
    return coupons


def set_discounts(state: State, subscription: Json, coupons: Iterable[Json], at: int) -> None:
    """Replace the subscription's discounts; a coupon already applied keeps its discount (and its end)."""
    current = {
        discount["source"]["coupon"]: discount
        for discount in (state.get("discount", d) for d in subscription["discounts"])
    }
    discount_ids = []
    for coupon in coupons:
        discount = current.get(coupon["id"]) or _redeem(state, subscription, coupon, at)
        discount_ids.append(discount["id"])
    subscription["discounts"] = discount_ids


def _redeem(state: State, subscription: Json, coupon: Json, at: int) -> Json:
    months = coupon["duration_in_months"]
    end = add_interval(at, "month", months, at) if coupon["duration"] == "repeating" and months else None
    discount = new_object(
        "discount",
        {
            "id": new_id("di"),
            "checkout_session": None,
            "customer": subscription["customer"],
            "customer_account": None,
            "end": end,
            "invoice": None,
            "invoice_item": None,
            "promotion_code": None,
            "source": {"coupon": coupon["id"], "type": "coupon"},
            "start": at,
            "subscription": subscription["id"],
            "subscription_item": None,
        },
    )
    state.add(discount)
    coupon["times_redeemed"] += 1
    return discount


def invoice_discounts(state: State, subscription: Json, subtotal: int, at: int) -> list[tuple[Json, int]]:
    """(discount, amount) for each of the subscription's discounts active at `at`, applied in order."""
    applied = []
    left = subtotal
    for discount_id in subscription.get("discounts") or []:
        discount = state.get("discount", discount_id)
        if left <= 0 or (discount["end"] is not None and discount["end"] <= at):
            continue
        coupon = state.get("coupon", discount["source"]["coupon"])
        if coupon["percent_off"] is not None:
            exact = Decimal(left) * Decimal(str(coupon["percent_off"])) / Decimal(100)
            amount = int(exact.to_integral_value(rounding=ROUND_HALF_UP))
        else:
            amount = min(int(coupon["amount_off"]), left)
        applied.append((discount, amount))
        left -= amount
    return applied


def consume_once_discounts(
    state: State, subscription: Json, applied: list[tuple[Json, int]], at: int
) -> None:
    """A `once` coupon's discount ends with the first invoice it discounted."""
    ended = set()
    for discount, _ in applied:
        if state.get("coupon", discount["source"]["coupon"])["duration"] == "once":
            discount["end"] = at
            ended.add(discount["id"])
    if ended:
        subscription["discounts"] = [d for d in subscription["discounts"] if d not in ended]


ROUTES = [
    route(
        "POST",
        "/v1/coupons",
        "CouponCreateParams",
        create_coupon,
        implements=(
            *EXPAND,
            "id",
            "percent_off",
            "amount_off",
            "currency",
            "duration",
            "duration_in_months",
            "max_redemptions",
            "redeem_by",
            "name",
            "metadata",
        ),
    ),
    route("GET", "/v1/coupons", "CouponListParams", list_coupons, implements=(*PAGINATION, "created")),
    route("GET", "/v1/coupons/{id}", "CouponRetrieveParams", retrieve_coupon, implements=EXPAND),
    route(
        "POST",
        "/v1/coupons/{id}",
        "CouponUpdateParams",
        update_coupon,
        implements=(*EXPAND, "name", "metadata"),
    ),
    route("DELETE", "/v1/coupons/{id}", "CouponDeleteParams", delete_coupon, implements=()),
]
