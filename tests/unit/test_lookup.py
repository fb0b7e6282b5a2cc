from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from billing.clock import FixedClock
from billing.errors import BadQuery, CustomerNotFound, StripeUnavailable
from billing.lookup import LookupService
from billing.models import Bucket
from billing.ports import BillingGateway
from tests.unit.fake_gateway import T0, FakeGateway, charge, customer, invoice, records, subscription

NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)


def jane() -> FakeGateway:
    twins = [
        subscription("sub_Old00001", customer_id="cus_Jane0001"),
        subscription("sub_New00001", customer_id="cus_Jane0001", created=T0 + timedelta(minutes=2)),
    ]
    shared_a = customer("cus_ShareA01", email="shared@example.com", name="Alex")
    shared_b = customer("cus_ShareB01", email="shared@example.com", name="Blair")
    octo = customer("cus_Octo0001", email="octo@example.com", name="Octo Cat", metadata={"github": "octocat"})
    return FakeGateway(
        [
            records(
                subscriptions=twins,
                invoices=[invoice("in_Jane0001", payment_intent_ids=["pi_Jane0001"])],
                charges=[charge("ch_Jane0001", payment_intent_id="pi_Jane0001")],
            ),
            records(shared_a, subscriptions=[subscription("sub_ShareA01", customer_id="cus_ShareA01")]),
            records(shared_b),
            records(octo),
        ]
    )


def service(gateway: BillingGateway) -> LookupService:
    return LookupService(gateway, FixedClock(NOW))


def test_email_lookup_lists_by_email_then_loads_records_once() -> None:
    gateway = jane()
    result = service(gateway).lookup(" jane@example.com ")
    assert gateway.call_names() == ["find_customers_by_email", "load_billing_records"]
    assert result.matched_on == "email jane@example.com"
    assert result.snapshot is not None
    assert result.snapshot.customer.id == "cus_Jane0001"
    assert result.snapshot.suggestion == Bucket.DUPLICATE
    assert result.snapshot.taken_at == NOW
    assert result.candidates == []


def test_email_lookup_retries_lowercase_because_the_list_filter_is_case_sensitive() -> None:
    gateway = jane()
    result = service(gateway).lookup("Jane@Example.com")
    assert gateway.calls[:2] == [
        ("find_customers_by_email", "Jane@Example.com"),
        ("find_customers_by_email", "jane@example.com"),
    ]
    assert result.snapshot is not None


def test_shared_email_gives_candidates_with_subscription_counts_and_no_snapshot() -> None:
    gateway = jane()
    result = service(gateway).lookup("shared@example.com")
    assert result.snapshot is None
    assert [(c.customer.id, c.subscription_count) for c in result.candidates] == [
        ("cus_ShareA01", 1),
        ("cus_ShareB01", 0),
    ]
    assert "load_billing_records" not in gateway.call_names()


@pytest.mark.parametrize(
    ("query", "matched_on"),
    [
        ("cus_Jane0001", "customer cus_Jane0001"),
        ("sub_New00001", "subscription sub_New00001"),
        ("in_Jane0001", "invoice in_Jane0001"),
        ("ch_Jane0001", "charge ch_Jane0001"),
        ("pi_Jane0001", "payment pi_Jane0001"),
    ],
)
def test_object_ids_resolve_their_customer_in_one_call(query: str, matched_on: str) -> None:
    gateway = jane()
    result = service(gateway).lookup(query)
    assert gateway.call_names() == ["customer_for", "load_billing_records"]
    assert result.matched_on == matched_on
    assert result.snapshot is not None and result.snapshot.customer.id == "cus_Jane0001"


def test_metadata_and_name_go_through_search() -> None:
    gateway = jane()
    assert service(gateway).lookup("github:octocat").snapshot is not None
    assert service(gateway).lookup("octo cat").snapshot is not None
    assert [argument for name, argument in gateway.calls if name == "search_customers"] == [
        "metadata['github']:'octocat'",
        "name~'octo cat'",
    ]


def test_unknown_customer_says_what_was_tried() -> None:
    with pytest.raises(CustomerNotFound) as raised:
        service(jane()).lookup("Nobody@example.com")
    assert raised.value.tried == [
        "email Nobody@example.com",
        "email nobody@example.com",
        "search email Nobody@example.com (any case)",
    ]
    assert raised.value.message == (
        "No customer matches `Nobody@example.com` (tried: email Nobody@example.com, email nobody@example.com,"
        " search email Nobody@example.com (any case))."
    )


def test_unknown_object_id_is_customer_not_found() -> None:
    with pytest.raises(CustomerNotFound) as raised:
        service(jane()).lookup("sub_Missing01")
    assert raised.value.tried == ["subscription sub_Missing01"]


def test_bad_query_is_rejected_before_any_stripe_call() -> None:
    gateway = jane()
    with pytest.raises(BadQuery):
        service(gateway).lookup("")
    assert gateway.calls == []


def test_stripe_outage_propagates_as_is() -> None:
    gateway = jane()
    gateway.fail_with["find_customers_by_email"] = StripeUnavailable("timeout")
    with pytest.raises(StripeUnavailable):
        service(gateway).lookup("jane@example.com")


def test_message_lookup_tries_every_identifier_strongest_first() -> None:
    gateway = jane()
    text = "From nobody@example.com about sub_Missing01; she also wrote from jane@example.com"
    result = service(gateway).lookup_in_message(text)
    assert result.matched_on == "email jane@example.com"
    assert [argument for _, argument in gateway.calls[:4]] == [
        "sub_Missing01",
        "nobody@example.com",
        "email:'nobody@example.com'",
        "jane@example.com",
    ]


def test_message_without_identifiers_is_a_bad_query() -> None:
    with pytest.raises(BadQuery, match="No email address, invoice number or Stripe ID"):
        service(jane()).lookup_in_message("it is broken please help")


def test_message_with_only_unknown_identifiers_lists_everything_tried() -> None:
    with pytest.raises(CustomerNotFound) as raised:
        service(jane()).lookup_in_message("nobody@example.com cus_Missing01")
    assert raised.value.tried == [
        "customer cus_Missing01",
        "email nobody@example.com",
        "search email nobody@example.com (any case)",
    ]


def test_snapshot_for_a_chosen_candidate() -> None:
    gateway = jane()
    snapshot = service(gateway).snapshot("cus_ShareA01", matched_on="email shared@example.com")
    assert gateway.call_names() == ["get_customer", "load_billing_records"]
    assert snapshot.customer.name == "Alex"
    assert snapshot.matched_on == "email shared@example.com"
