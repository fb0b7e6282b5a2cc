"""One request through the emulated API: authenticate, route, refuse unknown parameters, replay idempotent
requests, run the handler under the state lock, and wrap errors in Stripe's envelope."""

from __future__ import annotations

import base64
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

from billing.sandbox import (
    balances,
    catalog,
    coupons,
    credit_notes,
    customers,
    disputes,
    events,
    invoice_items,
    invoicing,
    payment_methods,
    payments,
    portal,
    refunds,
    subscription_changes,
    subscriptions,
    test_clocks,
)
from billing.sandbox.encoding import Params, decode_form
from billing.sandbox.errors import StripeApiError, authentication, idempotency_mismatch, unrecognized_url
from billing.sandbox.params import check_params
from billing.sandbox.routing import Call, Route, match_route
from billing.sandbox.state import Json, State, StoredResponse, new_id
from billing.sandbox.stripe_internals import api_encode

ROUTES = [
    *customers.ROUTES,
    *balances.ROUTES,
    *payment_methods.ROUTES,
    *catalog.ROUTES,
    *coupons.ROUTES,
    *subscriptions.ROUTES,
    *subscription_changes.ROUTES,
    *invoicing.ROUTES,
    *invoice_items.ROUTES,
    *payments.ROUTES,
    *refunds.ROUTES,
    *credit_notes.ROUTES,
    *disputes.ROUTES,
    *events.ROUTES,
    *portal.ROUTES,
    *test_clocks.ROUTES,
]
TEST_KEY_PREFIXES = ("sk_test_", "rk_test_")
_NO_KEY = (
    "You did not provide an API key. You need to provide your API key in the Authorization header, using "
    "Bearer auth (e.g. 'Authorization: Bearer YOUR_SECRET_KEY')."
)


@dataclass
class Response:
    status: int
    body: bytes
    headers: dict[str, str] = field(default_factory=dict)
    content_type: str = "application/json"


def invoke(state: State, method: str, path: str, params: Params) -> Json:
    """Route and run one call in-process (no HTTP, no auth): the seed loads data through this."""
    route, path_args = _validate(method, path, params)
    with state.lock:
        return route.handler(Call(state, params, path_args))


def _validate(method: str, path: str, params: Params) -> tuple[Route, dict[str, str]]:
    found = match_route(ROUTES, method, path)
    if found is None:
        raise unrecognized_url(method, path)
    check_params(found[0].params_type, found[0].implements, params)
    return found


def wire_params(params: Mapping[str, Any]) -> Params:
    """Params exactly as they arrive over HTTP (strings, `a[0][b]` nesting), via stripe-python's own encoder."""
    return decode_form(urlencode([(key, str(value)) for key, value in api_encode(dict(params))]))


def dispatch(state: State, method: str, path: str, params: Params, headers: Mapping[str, str]) -> Response:
    request_id = new_id("req", 14)
    response_headers = {"Request-Id": request_id}
    try:
        api_key = _authenticate(headers)
        route, path_args = _validate(method, path, params)
        call = Call(state, params, path_args)
        key = headers.get("Idempotency-Key") if method in ("POST", "DELETE") else None
        if key:
            response_headers["Idempotency-Key"] = key
            stored, replayed = _run_once(
                state,
                (api_key, key),
                json.dumps([method, path, params], sort_keys=True),
                lambda: _execute(route, call, request_id, key),
            )
            if replayed:
                response_headers["Idempotent-Replayed"] = "true"
            return Response(stored.status, stored.body, response_headers)
        status, body = _execute(route, call, request_id, None)
    except StripeApiError as error:
        status, body = error.status, _encode(error.body(request_id))
    return Response(status, body, response_headers)


def _run_once(
    state: State, key: tuple[str, str], fingerprint: str, execute: Callable[[], tuple[int, bytes]]
) -> tuple[StoredResponse, bool]:
    """Stripe saves the first result for a key, failures included, once the endpoint started executing."""
    with state.lock:
        stored = state.idempotent.get(key)
        if stored is not None:
            if stored.fingerprint != fingerprint:
                raise idempotency_mismatch(key[1])
            return stored, True
        status, body = execute()
        stored = StoredResponse(fingerprint, status, body)
        state.idempotent[key] = stored
        return stored, False


def _execute(route: Route, call: Call, request_id: str, key: str | None) -> tuple[int, bytes]:
    state = call.state
    with state.lock:
        state.request_id, state.idempotency_key = request_id, key
        try:
            return 200, _encode(route.handler(call))
        except StripeApiError as error:
            return error.status, _encode(error.body(request_id))
        finally:
            state.request_id = state.idempotency_key = None


def _authenticate(headers: Mapping[str, str]) -> str:
    header = headers.get("Authorization") or ""
    scheme, _, credentials = header.partition(" ")
    if scheme.lower() == "basic":
        credentials = _basic_user(credentials)
    elif scheme.lower() != "bearer":
        credentials = ""
    credentials = credentials.strip()
    if not credentials:
        raise authentication(_NO_KEY)
    if not credentials.startswith(TEST_KEY_PREFIXES):
        raise authentication(f"Invalid API Key provided: {_mask(credentials)}")
    return credentials


def _basic_user(credentials: str) -> str:
    """`curl -u sk_test_…:` sends the key as the Basic-auth user name."""
    try:
        return base64.b64decode(credentials.encode()).decode(errors="replace").split(":", 1)[0]
    except ValueError:
        return ""


def _mask(key: str) -> str:
    return key[:8] + "*" * max(0, len(key) - 12) + key[-4:] if len(key) > 12 else "****"


def _encode(body: Json) -> bytes:
    return json.dumps(body).encode()
