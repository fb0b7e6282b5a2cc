"""Stripe's request semantics: idempotency, unknown parameters, errors, auth, headers, pagination, search, expand."""

from __future__ import annotations

import base64
import http.client
import json
import urllib.error
import urllib.request

import pytest
import stripe

from billing.sandbox import SandboxServer
from tests.sandbox.support import make_customer, make_price, raw, subscribe


@pytest.fixture
def charge(stripe_client: stripe.StripeClient) -> stripe.Charge:
    subscribe(stripe_client, make_customer(stripe_client, email="r@example.com"), make_price(stripe_client))
    return stripe_client.v1.charges.list().data[0]


# --- idempotency -------------------------------------------------------------------------------------------


def test_same_idempotency_key_replays_the_first_refund(
    stripe_client: stripe.StripeClient, charge: stripe.Charge
) -> None:
    params: stripe.params.RefundCreateParams = {"charge": charge.id, "amount": 500, "reason": "duplicate"}
    first = stripe_client.v1.refunds.create(params=params, options={"idempotency_key": "refund-1"})
    second = stripe_client.v1.refunds.create(params=params, options={"idempotency_key": "refund-1"})

    assert raw(second) == raw(first)
    assert first.last_response is not None and second.last_response is not None
    assert second.last_response.headers.get("Idempotent-Replayed") == "true"
    assert first.last_response.headers.get("Idempotent-Replayed") is None
    assert len(stripe_client.v1.refunds.list(params={"charge": charge.id}).data) == 1
    assert stripe_client.v1.charges.retrieve(charge.id).amount_refunded == 500


def test_same_idempotency_key_with_other_params_is_refused(
    stripe_client: stripe.StripeClient, charge: stripe.Charge
) -> None:
    stripe_client.v1.refunds.create(
        params={"charge": charge.id, "amount": 500}, options={"idempotency_key": "k"}
    )
    with pytest.raises(stripe.IdempotencyError) as raised:
        stripe_client.v1.refunds.create(
            params={"charge": charge.id, "amount": 700}, options={"idempotency_key": "k"}
        )
    assert raised.value.http_status == 400
    assert raised.value.error is not None and raised.value.error.type == "idempotency_error"
    assert len(stripe_client.v1.refunds.list().data) == 1


def test_failed_first_attempt_is_replayed_too(
    stripe_client: stripe.StripeClient, charge: stripe.Charge
) -> None:
    for _ in range(2):
        with pytest.raises(stripe.InvalidRequestError) as raised:
            stripe_client.v1.refunds.create(
                params={"charge": charge.id, "amount": 99999}, options={"idempotency_key": "x"}
            )
    assert raised.value.headers is not None and raised.value.headers.get("Idempotent-Replayed") == "true"


# --- refunds -----------------------------------------------------------------------------------------------


def test_refund_over_the_remaining_amount_is_refused_with_stripes_message(
    stripe_client: stripe.StripeClient, charge: stripe.Charge
) -> None:
    stripe_client.v1.refunds.create(params={"charge": charge.id, "amount": 1500})
    with pytest.raises(stripe.InvalidRequestError) as raised:
        stripe_client.v1.refunds.create(params={"charge": charge.id, "amount": 600})
    assert raised.value.user_message == (
        "Refund amount ($6.00) is greater than unrefunded amount on charge ($5.00)"
    )
    assert raised.value.param == "amount"
    assert stripe_client.v1.charges.retrieve(charge.id).amount_refunded == 1500


def test_partial_then_full_refund_updates_the_charge(
    stripe_client: stripe.StripeClient, charge: stripe.Charge
) -> None:
    stripe_client.v1.refunds.create(params={"charge": charge.id, "amount": 500, "metadata": {"case": "c1"}})
    partially = stripe_client.v1.charges.retrieve(charge.id)
    assert (partially.amount_refunded, partially.refunded) == (500, False)

    rest = stripe_client.v1.refunds.create(params={"payment_intent": str(charge.payment_intent)})
    assert rest.amount == 1500 and rest.charge == charge.id and rest.status == "succeeded"
    refunded = stripe_client.v1.charges.retrieve(charge.id)
    assert (refunded.amount_refunded, refunded.refunded) == (2000, True)
    assert len(refunded.refunds.data) == 2  # type: ignore[union-attr]
    with pytest.raises(stripe.InvalidRequestError) as raised:
        stripe_client.v1.refunds.create(params={"charge": charge.id})
    assert raised.value.code == "charge_already_refunded"


def test_refund_reason_is_checked(stripe_client: stripe.StripeClient, charge: stripe.Charge) -> None:
    with pytest.raises(stripe.InvalidRequestError) as raised:
        stripe_client.v1.refunds.create(params={"charge": charge.id, "reason": "because"})
    assert raised.value.param == "reason"


# --- validation, errors, auth, headers ---------------------------------------------------------------------


def test_unknown_parameter_is_refused(stripe_client: stripe.StripeClient) -> None:
    with pytest.raises(stripe.InvalidRequestError) as raised:
        stripe_client.v1.customers.create(params={"email": "a@b.c", "foo": "bar"})  # type: ignore[arg-type]
    assert raised.value.param == "foo"
    assert raised.value.code == "parameter_unknown"
    assert raised.value.user_message == "Received unknown parameter: foo"
    assert stripe_client.v1.customers.list().data == []


def test_unknown_nested_parameter_is_refused(stripe_client: stripe.StripeClient) -> None:
    customer = make_customer(stripe_client)
    price = make_price(stripe_client)
    with pytest.raises(stripe.InvalidRequestError) as raised:
        stripe_client.v1.subscriptions.create(
            params={"customer": customer.id, "items": [{"price": price.id, "qty": 2}]}  # type: ignore[arg-type]
        )
    assert raised.value.param == "items[0][qty]"


@pytest.mark.parametrize(
    ("service", "object_id", "message"),
    [
        ("customers", "cus_missing", "No such customer: 'cus_missing'"),
        ("subscriptions", "sub_missing", "No such subscription: 'sub_missing'"),
        ("charges", "ch_missing", "No such charge: 'ch_missing'"),
        ("invoices", "in_missing", "No such invoice: 'in_missing'"),
    ],
)
def test_unknown_ids_are_resource_missing(
    stripe_client: stripe.StripeClient, service: str, object_id: str, message: str
) -> None:
    with pytest.raises(stripe.InvalidRequestError) as raised:
        getattr(stripe_client.v1, service).retrieve(object_id)
    assert (raised.value.http_status, raised.value.code, raised.value.user_message) == (
        404,
        "resource_missing",
        message,
    )


def _http(
    sandbox: SandboxServer, path: str, key: str | None
) -> tuple[int, dict[str, str], dict[str, object]]:
    request = urllib.request.Request(sandbox.base_url + path)
    if key:
        request.add_header("Authorization", f"Bearer {key}")
    try:
        with urllib.request.urlopen(request, timeout=5) as response:
            return response.status, dict(response.headers), json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), json.loads(error.read())


@pytest.mark.parametrize("key", [None, "sk_live_abcdefghijklmnop", "pk_test_abc"])
def test_missing_or_non_test_keys_are_401(sandbox: SandboxServer, key: str | None) -> None:
    status, headers, body = _http(sandbox, "/v1/customers", key)
    assert status == 401
    assert body["error"]["type"] == "invalid_request_error"  # type: ignore[index]
    assert headers["Request-Id"].startswith("req_")


def test_restricted_test_keys_work_and_headers_are_stripes(sandbox: SandboxServer) -> None:
    status, headers, body = _http(sandbox, "/v1/customers", "rk_test_anything")
    assert status == 200
    assert body == {"object": "list", "data": [], "has_more": False, "url": "/v1/customers"}
    assert headers["Request-Id"].startswith("req_")
    assert headers["Stripe-Version"] == "2026-10-28.endive"


def test_live_key_is_refused_by_stripe_python(sandbox: SandboxServer) -> None:
    client = stripe.StripeClient("sk_live_x", base_addresses={"api": sandbox.base_url}, max_network_retries=0)
    with pytest.raises(stripe.AuthenticationError):
        client.v1.customers.list()


def test_unrecognized_url_is_404(sandbox: SandboxServer) -> None:
    status, _, body = _http(sandbox, "/v1/widgets", sandbox.api_key)
    assert status == 404
    assert "Unrecognized request URL (GET: /v1/widgets)" in body["error"]["message"]  # type: ignore[index]


# --- lists, pagination, filters, search, expand ------------------------------------------------------------


@pytest.fixture
def five_customers(stripe_client: stripe.StripeClient) -> list[str]:
    """IDs newest first."""
    ids = [stripe_client.v1.customers.create(params={"email": f"c{n}@example.com"}).id for n in range(5)]
    return ids[::-1]


def test_lists_are_newest_first_with_cursor_pagination(
    stripe_client: stripe.StripeClient, five_customers: list[str]
) -> None:
    first = stripe_client.v1.customers.list(params={"limit": 2})
    assert [c.id for c in first.data] == five_customers[:2] and first.has_more
    second = stripe_client.v1.customers.list(params={"limit": 2, "starting_after": five_customers[1]})
    assert [c.id for c in second.data] == five_customers[2:4] and second.has_more
    last = stripe_client.v1.customers.list(params={"limit": 2, "starting_after": five_customers[3]})
    assert [c.id for c in last.data] == five_customers[4:] and not last.has_more
    back = stripe_client.v1.customers.list(params={"limit": 2, "ending_before": five_customers[4]})
    assert [c.id for c in back.data] == five_customers[2:4] and back.has_more
    assert [
        c.id for c in stripe_client.v1.customers.list(params={"limit": 2}).auto_paging_iter()
    ] == five_customers


def test_list_by_email_is_exact(stripe_client: stripe.StripeClient, five_customers: list[str]) -> None:
    found = stripe_client.v1.customers.list(params={"email": "c3@example.com"}).data
    assert [c.id for c in found] == [five_customers[1]]
    assert stripe_client.v1.customers.list(params={"email": "c3@example"}).data == []


def test_search_language(stripe_client: stripe.StripeClient) -> None:
    jane = stripe_client.v1.customers.create(params={"email": "jane@example.com", "name": "Jane Doe"})
    octo = stripe_client.v1.customers.create(
        params={"email": "octo@example.com", "name": "Octo Cat", "metadata": {"github": "octocat"}}
    )

    def found(query: str) -> set[str]:
        return {c.id for c in stripe_client.v1.customers.search(params={"query": query}).data}

    assert found("email:'jane@example.com'") == {jane.id}
    assert found("name~'doe'") == {jane.id}
    assert found("metadata['github']:'octocat'") == {octo.id}
    assert found("email:'jane@example.com' OR metadata['github']:'octocat'") == {jane.id, octo.id}
    assert found("email:'jane@example.com' AND name:'Octo Cat'") == set()
    with pytest.raises(stripe.InvalidRequestError):
        found("email:'a' AND name:'b' OR name:'c'")


def test_search_pages(stripe_client: stripe.StripeClient, five_customers: list[str]) -> None:
    first = stripe_client.v1.customers.search(params={"query": "email~'example.com'", "limit": 3})
    assert raw(first)["object"] == "search_result" and first.has_more and first.next_page
    rest = stripe_client.v1.customers.search(
        params={"query": "email~'example.com'", "limit": 3, "page": first.next_page}
    )
    assert [c.id for c in [*first.data, *rest.data]] == five_customers and not rest.has_more


def test_expand_on_retrieve_and_list(stripe_client: stripe.StripeClient) -> None:
    customer = make_customer(stripe_client, email="e@example.com")
    subscription = subscribe(stripe_client, customer, make_price(stripe_client, name="Pro"))
    retrieved = stripe_client.v1.customers.retrieve(
        customer.id, params={"expand": ["subscriptions", "invoice_settings.default_payment_method"]}
    )
    assert [s.id for s in retrieved.subscriptions.data] == [subscription.id]  # type: ignore[union-attr]
    assert retrieved.invoice_settings.default_payment_method.card.last4 == "4242"  # type: ignore[union-attr]

    listed = stripe_client.v1.customers.list(params={"expand": ["data.subscriptions"]})
    assert listed.data[0].subscriptions.data[0].id == subscription.id  # type: ignore[union-attr]
    plain = raw(stripe_client.v1.customers.retrieve(customer.id))
    assert "subscriptions" not in plain and isinstance(
        plain["invoice_settings"]["default_payment_method"], str
    )

    subs = stripe_client.v1.subscriptions.list(
        params={"expand": ["data.customer", "data.default_payment_method", "data.items.data.price.product"]}
    )
    assert subs.data[0].customer.email == "e@example.com"  # type: ignore[union-attr]
    assert subs.data[0]["items"].data[0].price.product.name == "Pro"


def test_unexpandable_path_is_refused(stripe_client: stripe.StripeClient) -> None:
    customer = make_customer(stripe_client)
    with pytest.raises(stripe.InvalidRequestError) as raised:
        stripe_client.v1.customers.retrieve(customer.id, params={"expand": ["email"]})
    assert raised.value.param == "expand"


def test_events_filter_by_type_types_and_created(stripe_client: stripe.StripeClient) -> None:
    customer = make_customer(stripe_client, email="ev@example.com")
    stripe_client.v1.customers.update(customer.id, params={"name": "New Name"})
    updated = stripe_client.v1.events.list(params={"type": "customer.updated"}).data
    assert [e.data.object["id"] for e in updated] == [customer.id]
    assert updated[0].data.previous_attributes.to_dict() == {"name": None}  # type: ignore[union-attr]
    wildcard = {e.type for e in stripe_client.v1.events.list(params={"type": "customer.*"}).data}
    assert wildcard == {"customer.created", "customer.updated"}
    both = {
        e.type
        for e in stripe_client.v1.events.list(
            params={"types": ["customer.created", "payment_method.attached"]}
        ).data
    }
    assert both == {"customer.created", "payment_method.attached"}
    later = stripe_client.v1.events.list(params={"created": {"gt": updated[0].created}}).data
    assert later == []


def _raw_post(
    sandbox: SandboxServer, headers: dict[str, str]
) -> tuple[int, dict[str, str], dict[str, object]]:
    connection = http.client.HTTPConnection("127.0.0.1", sandbox.port, timeout=5)
    try:
        connection.request("POST", "/v1/customers", body="email=h%40example.com", headers=headers)
        response = connection.getresponse()
        return response.status, dict(response.getheaders()), json.loads(response.read())
    finally:
        connection.close()


def test_header_names_are_case_insensitive_and_basic_auth_works(sandbox: SandboxServer) -> None:
    lower = {
        "authorization": "Bearer sk_test_x",
        "idempotency-key": "same",
        "content-type": "application/x-www-form-urlencoded",
    }
    first = _raw_post(sandbox, lower)
    replay = _raw_post(sandbox, lower)
    assert first[0] == replay[0] == 200
    assert replay[2] == first[2] and replay[1].get("Idempotent-Replayed") == "true"
    basic = "Basic " + base64.b64encode(b"sk_test_x:").decode()
    status, _, body = _raw_post(
        sandbox, {"Authorization": basic, "Content-Type": "application/x-www-form-urlencoded"}
    )
    assert status == 200 and body["email"] == "h@example.com"
