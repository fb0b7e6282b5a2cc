"""A sandbox that never pretends: every parameter stripe-python allows is either implemented by the route
(declared with `implements=` next to its handler) or refused with Stripe's error, never accepted and ignored."""

from __future__ import annotations

import time
from typing import Any

import pytest
import stripe

from billing.sandbox.api import ROUTES
from billing.sandbox.errors import StripeApiError
from billing.sandbox.params import allowed_paths, check_params
from billing.sandbox.routing import Implemented, Route, implemented_paths
from tests.sandbox.support import make_customer, make_price, subscribe


@pytest.fixture
def subscription(stripe_client: stripe.StripeClient) -> stripe.Subscription:
    return subscribe(stripe_client, make_customer(stripe_client), make_price(stripe_client))


def _refused(raised: pytest.ExceptionInfo[stripe.InvalidRequestError], param: str) -> None:
    error = raised.value
    assert error.http_status == 400
    assert error.error is not None and error.error.type == "invalid_request_error"
    assert error.param == param
    assert "this sandbox does not implement it" in str(error.user_message)


@pytest.mark.parametrize(
    ("param", "value"),
    [
        ("billing_cycle_anchor", "now"),
        ("cancel_at", "min_period_end"),
        ("payment_behavior", "pending_if_incomplete"),
        ("add_invoice_items", [{"price": "price_x"}]),
    ],
)
def test_subscription_update_refuses_each_param_it_does_not_implement(
    stripe_client: stripe.StripeClient, subscription: stripe.Subscription, param: str, value: Any
) -> None:
    with pytest.raises(stripe.InvalidRequestError) as raised:
        stripe_client.v1.subscriptions.update(subscription.id, params={param: value})  # type: ignore[arg-type]
    _refused(raised, param)
    after = stripe_client.v1.subscriptions.retrieve(subscription.id)
    assert after.collection_method == "charge_automatically"


def test_a_nested_param_the_route_does_not_implement_is_refused_by_its_full_name(
    stripe_client: stripe.StripeClient, subscription: stripe.Subscription
) -> None:
    item = subscription["items"].data[0]
    with pytest.raises(stripe.InvalidRequestError) as raised:
        stripe_client.v1.subscriptions.update(
            subscription.id, params={"items": [{"id": item.id, "metadata": {"seat": "x"}}]}
        )
    _refused(raised, "items[0][metadata]")


def test_trial_end_on_an_active_subscription_is_refused_not_ignored(
    stripe_client: stripe.StripeClient, subscription: stripe.Subscription
) -> None:
    with pytest.raises(stripe.InvalidRequestError) as raised:
        stripe_client.v1.subscriptions.update(subscription.id, params={"trial_end": 4_000_000_000})
    _refused(raised, "trial_end")
    assert stripe_client.v1.subscriptions.retrieve(subscription.id).trial_end is None


def test_cancel_with_prorate_or_invoice_now_is_refused_not_ignored(
    stripe_client: stripe.StripeClient, subscription: stripe.Subscription
) -> None:
    for flag in ("prorate", "invoice_now"):
        with pytest.raises(stripe.InvalidRequestError) as raised:
            stripe_client.v1.subscriptions.cancel(subscription.id, params={flag: True})  # type: ignore[arg-type]
        _refused(raised, flag)
    assert stripe_client.v1.subscriptions.retrieve(subscription.id).status == "active"


def test_a_refused_write_under_an_idempotency_key_is_replayed_as_refused(
    stripe_client: stripe.StripeClient, subscription: stripe.Subscription
) -> None:
    for _ in range(2):
        with pytest.raises(stripe.InvalidRequestError) as raised:
            stripe_client.v1.subscriptions.update(
                subscription.id,
                params={"billing_cycle_anchor": "now"},  # type: ignore[arg-type]
                options={"idempotency_key": "anchor-1"},
            )
    _refused(raised, "billing_cycle_anchor")


# --- the sweep: every route, every parameter stripe-python allows ------------------------------------------


def _wire_name(path: tuple[str, ...]) -> str:
    return path[0] + "".join(f"[{part}]" for part in path[1:])


def _first_unimplemented(tree: Implemented, path: tuple[str, ...]) -> tuple[str, ...] | None:
    """The shortest prefix of `path` the declaration does not cover; None when it is covered."""
    node = tree
    for depth, part in enumerate(path):
        if part not in node:
            return path[: depth + 1]
        node = node[part]
        if not node:
            return None
    return None


def _nested(path: tuple[str, ...]) -> dict[str, Any]:
    value: Any = "x"
    for part in reversed(path):
        value = {part: value}
    result: dict[str, Any] = value
    return result


def _sweep(candidate: Route) -> tuple[int, int]:
    implemented = refused = 0
    for path in allowed_paths(candidate.params_type):
        missing = _first_unimplemented(candidate.implements, path)
        if missing is None:
            check_params(candidate.params_type, candidate.implements, _nested(path))
            implemented += 1
            continue
        with pytest.raises(StripeApiError) as raised:
            check_params(candidate.params_type, candidate.implements, _nested(path))
        assert (raised.value.status, raised.value.type) == (400, "invalid_request_error")
        assert raised.value.param == _wire_name(missing)
        refused += 1
    return implemented, refused


@pytest.mark.parametrize("candidate", ROUTES, ids=lambda r: f"{r.method} {r.template}")
def test_every_param_stripe_python_allows_is_implemented_or_refused(candidate: Route) -> None:
    implemented, refused = _sweep(candidate)
    # A route that implements nothing (e.g. DELETE /v1/customers/{id}) has nothing to sweep.
    assert implemented + refused == len(list(allowed_paths(candidate.params_type)))


@pytest.mark.parametrize("candidate", ROUTES, ids=lambda r: f"{r.method} {r.template}")
def test_every_declared_param_exists_in_stripe_pythons_params(candidate: Route) -> None:
    allowed = set(allowed_paths(candidate.params_type))
    declared = [tuple(path.split(".")) for path in implemented_paths(candidate.implements)]
    assert [path for path in declared if path not in allowed] == []


def test_cancel_at_inside_the_period_is_refused_unless_prorations_are_off(
    stripe_client: stripe.StripeClient, subscription: stripe.Subscription
) -> None:
    item = subscription["items"].data[0]
    mid_period = (item.current_period_start + item.current_period_end) // 2
    with pytest.raises(stripe.InvalidRequestError) as raised:
        stripe_client.v1.subscriptions.update(subscription.id, params={"cancel_at": mid_period})
    _refused(raised, "cancel_at")
    scheduled = stripe_client.v1.subscriptions.update(
        subscription.id, params={"cancel_at": mid_period, "proration_behavior": "none"}
    )
    assert scheduled.cancel_at == mid_period


@pytest.mark.parametrize(
    ("param", "value"),
    [
        ("billing_cycle_anchor", 4_000_000_000),
        ("add_invoice_items", [{"price": "x"}]),
        ("backdate_start_date", 1),
    ],
)
def test_subscription_create_refuses_each_param_it_does_not_implement(
    stripe_client: stripe.StripeClient, param: str, value: Any
) -> None:
    customer, price = make_customer(stripe_client), make_price(stripe_client)
    with pytest.raises(stripe.InvalidRequestError) as raised:
        subscribe(stripe_client, customer, price, **{param: value})
    _refused(raised, param)
    assert stripe_client.v1.subscriptions.list(params={"status": "all"}).data == []


def test_adding_an_item_or_previewing_without_a_subscription_is_refused_not_ignored(
    stripe_client: stripe.StripeClient, subscription: stripe.Subscription
) -> None:
    price = make_price(stripe_client, amount=500, name="Add-on")
    with pytest.raises(stripe.InvalidRequestError) as raised:
        stripe_client.v1.subscriptions.update(subscription.id, params={"items": [{"price": price.id}]})
    _refused(raised, "items[0][id]")
    with pytest.raises(stripe.InvalidRequestError) as preview:
        stripe_client.v1.invoices.create_preview(params={"customer": str(subscription.customer)})
    _refused(preview, "subscription")
    assert len(stripe_client.v1.subscriptions.retrieve(subscription.id)["items"].data) == 1


def test_create_with_cancel_at_inside_the_first_period_needs_proration_behavior_none(
    stripe_client: stripe.StripeClient,
) -> None:
    customer, price = make_customer(stripe_client), make_price(stripe_client)
    soon = int(time.time()) + 7 * 24 * 3600
    with pytest.raises(stripe.InvalidRequestError) as raised:
        subscribe(stripe_client, customer, price, cancel_at=soon)
    _refused(raised, "cancel_at")
    assert stripe_client.v1.subscriptions.list(params={"status": "all"}).data == []
    created = subscribe(stripe_client, customer, price, cancel_at=soon, proration_behavior="none")
    assert (created.cancel_at, created.status) == (soon, "active")
    assert stripe_client.v1.invoices.retrieve(str(created.latest_invoice)).amount_paid == 2000
