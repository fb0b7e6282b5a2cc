"""Paging a whole kind through its cached order: every match once, newest first, in both directions."""

from __future__ import annotations

from typing import Any

from billing.sandbox.api import invoke, wire_params
from billing.sandbox.state import Json, State


def create_customer(state: State, name: str, shift: int = 0) -> Json:
    with state.shifted_time(shift):
        return invoke(state, "POST", "/v1/customers", wire_params({"name": name}))


def list_all(state: State, **params: Any) -> list[str]:
    ids: list[str] = []
    cursor: dict[str, str] = {}
    while True:
        body = invoke(state, "GET", "/v1/customers", wire_params({"limit": 7, **params, **cursor}))
        ids += [customer["id"] for customer in body["data"]]
        if not body["has_more"]:
            return ids
        cursor = {"starting_after": ids[-1]}


def test_pages_cover_every_match_once_newest_first_even_when_created_out_of_order() -> None:
    state = State()
    created = [create_customer(state, f"c{n}", shift=(n % 5) * -60) for n in range(40)]
    expected = [c["id"] for c in state.newest_first(created)]
    assert expected[0] != created[-1]["id"]  # the walk really is not insertion order
    assert list_all(state) == expected
    floor = sorted(c["created"] for c in created)[20]
    assert list_all(state, created={"gte": floor}) == [
        c for c in expected if state.objects[c]["created"] >= floor
    ]
    assert list_all(state, created={"gt": floor}) == [
        c for c in expected if state.objects[c]["created"] > floor
    ]


def test_ending_before_pages_back_towards_the_newest() -> None:
    state = State()
    ids = [create_customer(state, f"c{n}")["id"] for n in range(12)][::-1]  # newest first
    body = invoke(state, "GET", "/v1/customers", wire_params({"limit": 3, "ending_before": ids[8]}))
    assert [c["id"] for c in body["data"]] == ids[5:8] and body["has_more"] is True
    body = invoke(state, "GET", "/v1/customers", wire_params({"limit": 3, "ending_before": ids[2]}))
    assert [c["id"] for c in body["data"]] == ids[0:2] and body["has_more"] is False


def test_an_object_created_after_a_listing_appears_in_the_next_one() -> None:
    state = State()
    first = create_customer(state, "first")
    assert list_all(state) == [first["id"]]
    older = create_customer(state, "older", shift=-600)
    newer = create_customer(state, "newer", shift=600)
    assert list_all(state) == [newer["id"], first["id"], older["id"]]


def test_subscriptions_filter_on_their_earliest_item_period_end_even_once_cancelled() -> None:
    state = State()
    price = invoke(
        state,
        "POST",
        "/v1/prices",
        wire_params({"currency": "usd", "unit_amount": 1200, "recurring": {"interval": "month"},
                     "product_data": {"name": "Team"}}),
    )  # fmt: skip
    customer = invoke(
        state, "POST", "/v1/customers", wire_params({"name": "Sam", "payment_method": "pm_card_visa",
                                                     "invoice_settings": {"default_payment_method": "pm_card_visa"}})
    )  # fmt: skip
    subscription = invoke(
        state, "POST", "/v1/subscriptions",
        wire_params({"customer": customer["id"], "items": [{"price": price["id"]}]}),
    )  # fmt: skip
    invoke(state, "DELETE", f"/v1/subscriptions/{subscription['id']}", wire_params({}))
    period_end = subscription["items"]["data"][0]["current_period_end"]

    def cancelled_ending(**bound: int) -> list[str]:
        params = {"status": "canceled", "current_period_end": bound}
        return [sub["id"] for sub in invoke(state, "GET", "/v1/subscriptions", wire_params(params))["data"]]

    assert cancelled_ending(gte=period_end) == [subscription["id"]]
    assert cancelled_ending(gt=period_end) == []
