"""Test clocks: advancing one runs, in time order, everything its customers' subscriptions have due."""

from __future__ import annotations

from billing.sandbox.encoding import as_int, as_str
from billing.sandbox.errors import invalid_request, missing_param
from billing.sandbox.events import emit
from billing.sandbox.listing import page
from billing.sandbox.rendering import present
from billing.sandbox.renewals import next_transition, run_transition
from billing.sandbox.routing import EXPAND, PAGINATION, Call, route
from billing.sandbox.state import Json, State, new_id
from billing.sandbox.templates import new_object

_CLOCK = "test_helpers.test_clock"
_LIFETIME = 30 * 24 * 3600
# A runaway schedule (e.g. daily prices over years) should fail loudly rather than hang the server.
_MAX_TRANSITIONS = 5000


def create_clock(call: Call) -> Json:
    frozen_time = as_int(call.params, "frozen_time")
    if frozen_time is None:
        raise missing_param("frozen_time")
    now = call.state.now()
    clock = new_object(
        _CLOCK,
        {
            "id": new_id("clock"),
            "created": now,
            "deletes_after": now + _LIFETIME,
            "frozen_time": frozen_time,
            "name": as_str(call.params, "name"),
            "status": "ready",
            "status_details": {},
        },
    )
    call.state.add(clock)
    emit(call.state, "test_helpers.test_clock.created", clock)
    return present(call.state, clock, call.expand)


def advance_clock(call: Call) -> Json:
    state = call.state
    clock = state.get(_CLOCK, call.arg("id"))
    target = as_int(call.params, "frozen_time")
    if target is None:
        raise missing_param("frozen_time")
    if target <= clock["frozen_time"]:
        raise invalid_request(
            "The frozen_time you provided must be after the current frozen_time of the test clock.",
            param="frozen_time",
        )
    emit(state, "test_helpers.test_clock.advancing", clock)
    _run_until(state, clock, target)
    clock["frozen_time"] = target
    clock["status"] = "ready"
    emit(state, "test_helpers.test_clock.ready", clock)
    return present(state, clock, call.expand)


def _run_until(state: State, clock: Json, target: int) -> None:
    for _ in range(_MAX_TRANSITIONS):
        due = _earliest_due(state, clock["id"], target)
        if due is None:
            return
        moment, subscription = due
        clock["frozen_time"] = max(clock["frozen_time"], moment)
        run_transition(state, subscription, moment)
    raise invalid_request(
        "Advancing this far would create too many billing periods; advance in smaller steps."
    )


def _earliest_due(state: State, clock_id: str, target: int) -> tuple[int, Json] | None:
    candidates = []
    for subscription in state.related("subscription", "test_clock", clock_id):
        moment = next_transition(state, subscription)
        if moment is not None and moment <= target:
            candidates.append((moment, state.sequence[subscription["id"]], subscription))
    if not candidates:
        return None
    moment, _, subscription = min(candidates, key=lambda c: (c[0], c[1]))
    return moment, subscription


def retrieve_clock(call: Call) -> Json:
    return present(call.state, call.state.get(_CLOCK, call.arg("id")), call.expand)


def list_clocks(call: Call) -> Json:
    return page(call.state, call.state.all(_CLOCK), call.params, "/v1/test_helpers/test_clocks")


def delete_clock(call: Call) -> Json:
    state = call.state
    clock = state.get(_CLOCK, call.arg("id"))
    for customer in state.related("customer", "test_clock", clock["id"]):
        state.remove(customer["id"])
    state.remove(clock["id"])
    emit(state, "test_helpers.test_clock.deleted", clock)
    return {"id": clock["id"], "object": _CLOCK, "deleted": True}


ROUTES = [
    route(
        "POST",
        "/v1/test_helpers/test_clocks",
        "test_helpers.TestClockCreateParams",
        create_clock,
        implements=(*EXPAND, "frozen_time", "name"),
    ),
    route(
        "GET",
        "/v1/test_helpers/test_clocks",
        "test_helpers.TestClockListParams",
        list_clocks,
        implements=PAGINATION,
    ),
    route(
        "GET",
        "/v1/test_helpers/test_clocks/{id}",
        "test_helpers.TestClockRetrieveParams",
        retrieve_clock,
        implements=EXPAND,
    ),
    route(
        "POST",
        "/v1/test_helpers/test_clocks/{id}/advance",
        "test_helpers.TestClockAdvanceParams",
        advance_clock,
        implements=(*EXPAND, "frozen_time"),
    ),
    route(
        "DELETE",
        "/v1/test_helpers/test_clocks/{id}",
        "test_helpers.TestClockDeleteParams",
        delete_clock,
        implements=(),
    ),
]
