"""What StripeGateway sends: pinned version, expansions instead of follow-up calls, one parallel round."""

from __future__ import annotations

import threading
from datetime import UTC, datetime
from typing import Any

import pytest

from billing.errors import ObjectNotFound, StripeRefused, StripeRefusedFinal, StripeUnavailable
from billing.gateway import STRIPE_API_VERSION, StripeGateway
from billing.models import Customer
from tests.unit.test_gateway_fakes import FakeStripeHTTP, Handler, SentRequest, error, fixture, page

KEY = "sk_test_51SecretKeyNeverShown"
JANE = Customer(id="cus_Jane0001", email="jane@example.com", created=datetime(2026, 1, 1, tzinfo=UTC))


def gateway_with(http: FakeStripeHTTP, key: str = KEY) -> StripeGateway:
    return StripeGateway(key, api_base="http://sandbox.test", max_retries=0, http_client=http)


def jane_routes(http: FakeStripeHTTP) -> None:
    card = fixture("payment_method")
    sub = fixture("subscription", customer="cus_Jane0001", default_payment_method=card)
    invoice = fixture(
        "invoice",
        customer="cus_Jane0001",
        parent={"type": "subscription_details", "subscription_details": {"subscription": sub["id"]}},
        payments=page(
            {**fixture("invoice_payment"), "payment": {"type": "payment_intent", "payment_intent": "pi_1"}}
        ),
    )
    charge = fixture(
        "charge", customer="cus_Jane0001", amount_refunded=100, refunds=page(fixture("refund")), disputed=True
    )
    theirs = fixture("dispute", id="dp_Them0001", charge="ch_Them0001")
    mine = fixture("dispute", id="dp_Mine0001", charge=charge["id"])
    http.on("GET", "/v1/products", page({"object": "product", "id": "prod_QXg1hqf4jFNsqG", "name": "Pro"}))
    http.on("GET", "/v1/subscriptions", page(sub))
    http.on("GET", "/v1/invoices", page(invoice))
    http.on("GET", "/v1/charges", page(charge))
    http.routes[("GET", "/v1/disputes")] = lambda sent: (
        200,
        page(*(dispute for dispute in (theirs, mine) if dispute["charge"] == sent.params.get("charge"))),
    )
    http.on("GET", "/v1/billing_portal/configurations", page(fixture("billing_portal.configuration")))
    http.on("GET", "/v1/coupons", page(fixture("coupon")))


def _after_barrier(barrier: threading.Barrier, handler: Handler) -> Handler:
    """Each answer waits until all requests are in flight: sequential requests would time out."""

    def answer(sent: SentRequest) -> tuple[int, dict[str, Any]]:
        barrier.wait()
        return handler(sent)

    return answer


def records_charge_id(http: FakeStripeHTTP) -> str:
    status, body = http.routes[("GET", "/v1/charges")](sent_to(http, "/v1/charges"))
    return str(body["data"][0]["id"])


def test_a_customer_without_disputed_charges_reads_no_disputes() -> None:
    http = FakeStripeHTTP()
    jane_routes(http)
    undisputed = fixture("charge", customer="cus_Jane0001", disputed=False)
    http.on("GET", "/v1/charges", page(undisputed))
    records = gateway_with(http).load_billing_records(JANE)
    assert "GET /v1/disputes" not in http.paths()
    assert records.disputes == []


def sent_to(http: FakeStripeHTTP, path: str) -> SentRequest:
    return next(sent for sent in http.sent if sent.path == path)


def test_every_request_pins_the_api_version_and_uses_the_configured_base() -> None:
    http = FakeStripeHTTP()
    http.on("GET", "/v1/customers", page(fixture("customer")))
    gateway_with(http).find_customers_by_email("jane@example.com")
    assert STRIPE_API_VERSION == "2026-10-28.endive"
    assert http.sent[0].headers["Stripe-Version"] == "2026-10-28.endive"


def test_email_lookup_is_an_exact_list_with_the_card_expanded() -> None:
    http = FakeStripeHTTP()
    raw = fixture("customer", email="jane@example.com")
    raw["invoice_settings"]["default_payment_method"] = fixture("payment_method")
    http.on("GET", "/v1/customers", page(raw))
    [customer] = gateway_with(http).find_customers_by_email("jane@example.com")
    [sent] = http.sent
    assert sent.params["email"] == "jane@example.com"
    assert sent.expand() == ["data.invoice_settings.default_payment_method"]
    assert customer.default_payment_method is not None and customer.default_payment_method.last4 == "4242"


def test_an_email_shared_by_several_customers_is_read_again_with_their_subscriptions() -> None:
    http = FakeStripeHTTP()

    def customers(sent: SentRequest) -> tuple[int, dict[str, Any]]:
        with_subscriptions = "data.subscriptions" in sent.expand()
        extra = {"subscriptions": page(fixture("subscription"))} if with_subscriptions else {}
        return 200, page(
            fixture("customer", id="cus_One00001", email="shared@example.com", **extra),
            fixture("customer", id="cus_Two00002", email="shared@example.com", **extra),
        )

    http.routes[("GET", "/v1/customers")] = customers
    found = gateway_with(http).find_customers_by_email("shared@example.com")
    assert [sent.expand() for sent in http.sent] == [
        ["data.invoice_settings.default_payment_method"],
        ["data.subscriptions", "data.invoice_settings.default_payment_method"],
    ]
    assert [customer.subscription_count for customer in found] == [1, 1]


def test_customer_for_an_invoice_is_one_request_with_the_customer_expanded() -> None:
    http = FakeStripeHTTP()
    http.on(
        "GET", "/v1/invoices/in_Jane0001", fixture("invoice", customer=fixture("customer", id="cus_Jane0001"))
    )
    gateway = gateway_with(http)
    assert gateway.customer_for("in_Jane0001").id == "cus_Jane0001"
    assert http.sent[0].expand() == ["customer", "customer.invoice_settings.default_payment_method"]
    assert gateway.request_count == 1


def test_load_billing_records_is_one_round_of_parallel_requests() -> None:
    http = FakeStripeHTTP()
    jane_routes(http)
    all_in_flight = threading.Barrier(6, timeout=5)
    for route, handler in list(http.routes.items()):
        if route != ("GET", "/v1/disputes"):  # read after the charges page, only for disputed charges
            http.routes[route] = _after_barrier(all_in_flight, handler)
    http.on("GET", "/v1/prices", page(fixture("price")))  # the price catalogue, cached like the products
    gateway = gateway_with(http)
    records = gateway.load_billing_records(JANE)
    assert sorted(http.paths()) == [
        "GET /v1/billing_portal/configurations",
        "GET /v1/charges",
        "GET /v1/coupons",
        "GET /v1/disputes",
        "GET /v1/invoices",
        "GET /v1/prices",
        "GET /v1/products",
        "GET /v1/subscriptions",
    ]
    assert gateway.request_count == 8
    assert [price.product_name for price in records.prices] == ["Pro"]
    assert [d.id for d in records.disputes] == ["dp_Mine0001"]
    assert [r.id for r in records.refunds] == ["re_1Pgc72B7WZ01zgkWqPvrRrPE"]
    assert records.invoices[0].subscription_id == records.subscriptions[0].id
    assert records.invoices[0].payment_intent_ids == ["pi_1"]
    assert records.subscriptions[0].items[0].price.product_name == "Pro"
    assert records.portal_configurations[0].subscription_cancel is False


def test_load_billing_records_asks_for_expansions_not_follow_up_calls() -> None:
    http = FakeStripeHTTP()
    jane_routes(http)
    gateway_with(http).load_billing_records(JANE)
    subscriptions = sent_to(http, "/v1/subscriptions")
    assert (subscriptions.params["customer"], subscriptions.params["status"]) == ("cus_Jane0001", "all")
    assert subscriptions.expand() == ["data.default_payment_method", "data.discounts.source.coupon"]
    assert sent_to(http, "/v1/invoices").expand() == ["data.payments"]
    assert sent_to(http, "/v1/charges").expand() == ["data.refunds"]
    disputes = sent_to(http, "/v1/disputes")
    assert disputes.params["charge"] == records_charge_id(http)
    assert "created[gte]" not in disputes.params and disputes.expand() == []


def test_product_catalogue_is_cached_between_lookups() -> None:
    http = FakeStripeHTTP()
    jane_routes(http)
    gateway = gateway_with(http)
    gateway.load_billing_records(JANE)
    gateway.load_billing_records(JANE)
    assert http.paths().count("GET /v1/products") == 1


def test_missing_object_is_object_not_found() -> None:
    http = FakeStripeHTTP()
    missing = error("invalid_request_error", "No such subscription: 'sub_Nope0001'", code="resource_missing")
    http.on("GET", "/v1/subscriptions/sub_Nope0001", missing, status=404)
    with pytest.raises(ObjectNotFound) as raised:
        gateway_with(http).customer_id_for("sub_Nope0001")
    assert raised.value.object_id == "sub_Nope0001"


def test_declined_card_on_a_write_is_refused_with_code_and_request_id() -> None:
    http = FakeStripeHTTP()
    declined = error("card_error", "Your card was declined.", code="card_declined")
    http.on("POST", "/v1/invoices/in_Late0001/pay", declined, status=402)
    with pytest.raises(StripeRefused) as raised:
        gateway_with(http).pay_invoice("in_Late0001", idempotency_key="case-1:pay")
    assert (raised.value.detail, raised.value.code, raised.value.request_id) == (
        "Your card was declined.",
        "card_declined",
        "req_fake123",
    )


def test_refund_of_a_charged_back_charge_is_a_final_refusal_not_a_retryable_one() -> None:
    http = FakeStripeHTTP()
    charged_back = error(
        "invalid_request_error",
        "Charge ch_1 has been charged back; cannot issue a refund.",
        code="charge_disputed",
    )
    http.on("POST", "/v1/refunds", charged_back, status=400)
    with pytest.raises(StripeRefusedFinal) as raised:
        gateway_with(http).refund_charge(
            "ch_1", amount=2000, reason="duplicate", metadata={}, idempotency_key="k"
        )
    assert not isinstance(raised.value, StripeRefused)
    assert raised.value.message == (
        "Stripe refused, and retrying cannot change that: Charge ch_1 has been charged back; cannot issue a refund."
    )


def test_invalid_write_is_refused_but_invalid_read_is_unavailable() -> None:
    http = FakeStripeHTTP()
    too_much = error(
        "invalid_request_error", "Refund amount is greater than unrefunded amount", code="amount_too_large"
    )
    http.on("POST", "/v1/refunds", too_much, status=400)
    http.on("GET", "/v1/charges", error("invalid_request_error", "Invalid expand"), status=400)
    gateway = gateway_with(http)
    with pytest.raises(StripeRefused):
        gateway.refund_charge("ch_1", amount=99999, reason="duplicate", metadata={}, idempotency_key="k")
    with pytest.raises(StripeUnavailable):
        list(gateway.iter_charges())


@pytest.mark.parametrize("status", [429, 500, 503])
def test_outages_and_rate_limits_are_unavailable(status: int) -> None:
    http = FakeStripeHTTP()
    kind = "rate_limit_error" if status == 429 else "api_error"
    http.on("GET", "/v1/customers/cus_Jane0001", error(kind, "Try again later"), status=status)
    with pytest.raises(StripeUnavailable) as raised:
        gateway_with(http).get_customer("cus_Jane0001")
    assert raised.value.request_id == "req_fake123"


def test_rejected_key_never_appears_in_the_error() -> None:
    http = FakeStripeHTTP()
    http.on(
        "GET", "/v1/customers", error("invalid_request_error", f"Invalid API Key provided: {KEY}"), status=401
    )
    with pytest.raises(StripeUnavailable) as raised:
        gateway_with(http).find_customers_by_email("jane@example.com")
    assert KEY not in str(raised.value) and "SecretKey" not in raised.value.message
    assert "STRIPE_API_KEY" in raised.value.message


def test_key_never_appears_in_repr() -> None:
    assert KEY not in repr(gateway_with(FakeStripeHTTP()))


def test_refund_passes_amount_reason_metadata_and_idempotency_key() -> None:
    http = FakeStripeHTTP()
    http.on("POST", "/v1/refunds", fixture("refund", amount=2000))
    refund = gateway_with(http).refund_charge(
        "ch_Jane0001", amount=2000, reason="duplicate", metadata={"case": "C1"}, idempotency_key="C1:refund"
    )
    sent = http.sent[0]
    assert sent.headers["Idempotency-Key"] == "C1:refund"
    assert {k: sent.params[k] for k in ("charge", "amount", "reason", "metadata[case]")} == {
        "charge": "ch_Jane0001",
        "amount": "2000",
        "reason": "duplicate",
        "metadata[case]": "C1",
    }
    assert refund.amount == 2000


def test_cancel_at_period_end_is_an_update_and_immediate_cancel_is_a_delete() -> None:
    http = FakeStripeHTTP()
    sub = fixture("subscription", id="sub_Jane0001")
    http.on("POST", "/v1/subscriptions/sub_Jane0001", sub)
    http.on("DELETE", "/v1/subscriptions/sub_Jane0001", {**sub, "status": "canceled"})
    http.on("GET", "/v1/products", page())
    gateway = gateway_with(http)
    gateway.cancel_subscription("sub_Jane0001", at_period_end=True, idempotency_key="k1", comment="duplicate")
    canceled = gateway.cancel_subscription("sub_Jane0001", at_period_end=False, idempotency_key="k2")
    update, delete = [s for s in http.sent if s.path == "/v1/subscriptions/sub_Jane0001"]
    assert (update.method, update.params["cancel_at_period_end"], update.headers["Idempotency-Key"]) == (
        "POST",
        "true",
        "k1",
    )
    assert update.params["cancellation_details[comment]"] == "duplicate"
    assert (delete.method, delete.headers["Idempotency-Key"]) == ("DELETE", "k2")
    assert canceled.status == "canceled"


def test_iterators_page_through_100_at_a_time_with_starting_after() -> None:
    http = FakeStripeHTTP()

    def charges(sent: SentRequest) -> tuple[int, dict[str, Any]]:
        if "starting_after" not in sent.params:
            return 200, page(fixture("charge", id="ch_A"), fixture("charge", id="ch_B"), has_more=True)
        return 200, page(fixture("charge", id="ch_C"))

    http.routes[("GET", "/v1/charges")] = charges
    gateway = gateway_with(http)
    since = datetime(2026, 11, 1, tzinfo=UTC)
    assert [c.id for c in gateway.iter_charges(created_gte=since)] == ["ch_A", "ch_B", "ch_C"]
    first, second = http.sent
    assert (first.params["limit"], first.params["created[gte]"]) == ("100", str(int(since.timestamp())))
    assert second.params["starting_after"] == "ch_B"
    assert gateway.request_count == 2


def test_iter_subscriptions_yields_the_expanded_customer() -> None:
    http = FakeStripeHTTP()
    http.on("GET", "/v1/products", page())
    http.on(
        "GET", "/v1/subscriptions", page(fixture("subscription", customer=fixture("customer", name="Jane")))
    )
    [(sub, customer)] = list(gateway_with(http).iter_subscriptions(status="active"))
    assert (sub.customer_id, customer.name) == ("cus_QXg1o8vcGmoR32", "Jane")
    assert sent_to(http, "/v1/subscriptions").expand()[0] == "data.customer"


@pytest.mark.parametrize(
    ("key", "live"),
    [("sk_live_abc", True), ("rk_live_abc", True), ("sk_test_abc", False), ("rk_test_abc", False)],
)
def test_livemode_follows_the_key_prefix(key: str, live: bool) -> None:
    assert gateway_with(FakeStripeHTTP(), key).livemode is live


def test_the_next_page_is_requested_before_this_one_is_consumed() -> None:
    """Fetching overlaps decoding: page 2 is on the wire while the caller still holds page 1's first row."""
    http = FakeStripeHTTP()
    second_page_asked = threading.Event()

    def charges(sent: SentRequest) -> tuple[int, dict[str, Any]]:
        if sent.params.get("starting_after") == "ch_B":
            second_page_asked.set()
            return 200, page(fixture("charge", id="ch_C"))
        return 200, page(fixture("charge", id="ch_A"), fixture("charge", id="ch_B"), has_more=True)

    http.routes[("GET", "/v1/charges")] = charges
    listing = gateway_with(http).iter_charges()
    assert next(listing).id == "ch_A"
    assert second_page_asked.wait(5)
    assert [charge.id for charge in listing] == ["ch_B", "ch_C"]
