"""Events: one per change the sandbox makes, with the object as it is now and what it was before."""

from __future__ import annotations

import fnmatch

from stripe import _api_version

from billing.sandbox.encoding import as_list, as_str
from billing.sandbox.errors import invalid_request
from billing.sandbox.listing import page_where, range_matches
from billing.sandbox.rendering import present
from billing.sandbox.routing import EXPAND, PAGINATION, Call, route
from billing.sandbox.state import Json, State, new_id
from billing.sandbox.templates import new_object

API_VERSION = _api_version._ApiVersion.CURRENT


def emit(state: State, event_type: str, obj: Json, previous_attributes: Json | None = None) -> Json:
    data: Json = {"object": present(state, obj)}
    if previous_attributes:
        data["previous_attributes"] = previous_attributes
    event = new_object(
        "event",
        {
            "id": new_id("evt"),
            "api_version": API_VERSION,
            "created": state.now_for_customer(_customer_of(obj)),
            "data": data,
            "pending_webhooks": 0,
            "request": {"id": state.request_id, "idempotency_key": state.idempotency_key},
            "type": event_type,
        },
    )
    return state.add(event)


def changed(before: Json, after: Json) -> Json:
    """`previous_attributes`: the old values of the top-level fields that changed."""
    return {key: value for key, value in before.items() if after.get(key) != value}


def _customer_of(obj: Json) -> str | None:
    if obj["object"] == "customer":
        return str(obj["id"])
    customer = obj.get("customer")
    return customer if isinstance(customer, str) else None


def list_events(call: Call) -> Json:
    params = call.params
    wanted_type, wanted_types = as_str(params, "type"), [str(t) for t in as_list(params, "types")]
    if wanted_type and wanted_types:
        raise invalid_request("You may only specify one of these parameters: type, types.", param="types")
    patterns = wanted_types or ([wanted_type] if wanted_type else [])

    def keep(event: Json) -> bool:
        type_ok = not patterns or any(fnmatch.fnmatchcase(event["type"], pattern) for pattern in patterns)
        return type_ok and range_matches(event["created"], params.get("created"), "created")

    return page_where(call.state, "event", keep, params, "/v1/events")


def retrieve_event(call: Call) -> Json:
    return present(call.state, call.state.get("event", call.arg("id")), call.expand)


ROUTES = [
    route(
        "GET",
        "/v1/events",
        "EventListParams",
        list_events,
        implements=(*PAGINATION, "type", "types", "created"),
    ),
    route("GET", "/v1/events/{id}", "EventRetrieveParams", retrieve_event, implements=EXPAND),
]
