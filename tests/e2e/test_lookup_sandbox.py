"""LookupService + the real StripeGateway against the bundled sandbox seeded with demo data."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from billing.clock import SystemClock
from billing.gateway import StripeGateway
from billing.lookup import LookupService
from billing.models import AnomalyKind, Bucket
from billing.sandbox import RequestRecord, SandboxServer, running_sandbox
from billing.snapshot import CustomerSnapshot

# State alone: Nora's and Pat's problems are only in what they wrote (see the test after this one).
EXPECTED_BUCKETS = {
    "jane@example.com": Bucket.DUPLICATE,
    "team@acme.example": Bucket.TEAM,
    "sam@example.com": Bucket.FAILED_PAYMENT,
    "ines@example.com": Bucket.FAILED_PAYMENT,
    "nora@example.com": None,
    "pat@example.com": None,
    "dana@example.com": Bucket.PRODUCT_FAILURE,
    "yuki.annual@example.com": None,
    "kenji@example.jp": None,
    "octo@example.com": None,
}


@pytest.fixture(scope="module")
def service(gateway: StripeGateway) -> LookupService:
    return LookupService(gateway, SystemClock())


def snapshot_for(service: LookupService, query: str) -> CustomerSnapshot:
    result = service.lookup(query)
    assert result.snapshot is not None, f"{query} gave candidates"
    return result.snapshot


def sequential_rounds(log: list[RequestRecord]) -> int:
    """Requests whose [started, ended] intervals overlap form one round."""
    rounds = 0
    round_ends = float("-inf")
    for record in sorted(log, key=lambda record: record.started):
        if record.started > round_ends:
            rounds += 1
            round_ends = record.ended
        else:
            round_ends = max(round_ends, record.ended)
    return rounds


@pytest.mark.parametrize(("email", "bucket"), EXPECTED_BUCKETS.items())
def test_each_demo_customer_resolves_with_its_suggestion(
    service: LookupService, email: str, bucket: Bucket | None
) -> None:
    snapshot = snapshot_for(service, email)
    assert snapshot.customer.email == email
    assert snapshot.matched_on == f"email {email}"
    assert snapshot.suggestion == bucket, snapshot.suggestion_reason


@pytest.mark.parametrize(
    ("email", "words", "bucket"),
    [
        ("nora@example.com", "I can't find the cancel button anywhere", Bucket.MISSING_SELF_SERVE),
        (
            "pat@example.com",
            "the export has been broken for a week, I want my money back",
            Bucket.PRODUCT_FAILURE,
        ),
    ],
)
def test_the_customers_words_decide_what_the_state_cannot(
    service: LookupService, email: str, words: str, bucket: Bucket
) -> None:
    result = service.lookup(email, complaint=words)
    assert result.snapshot is not None
    assert result.snapshot.suggestion == bucket, result.snapshot.suggestion_reason
    assert result.snapshot.complaint == words


def test_duplicate_customer_names_both_subscriptions_newer_last(service: LookupService) -> None:
    snapshot = snapshot_for(service, "jane@example.com")
    [duplicate] = [a for a in snapshot.anomalies if a.kind == AnomalyKind.DUPLICATE_SUBSCRIPTIONS]
    live = sorted((sub for sub in snapshot.records.subscriptions if sub.is_live), key=lambda sub: sub.created)
    assert len(live) == 2
    assert duplicate.object_ids == [live[0].id, live[1].id]
    assert snapshot.suggestion == Bucket.DUPLICATE


def test_team_customer_is_not_a_duplicate(service: LookupService) -> None:
    snapshot = snapshot_for(service, "team@acme.example")
    assert AnomalyKind.DUPLICATE_SUBSCRIPTIONS not in {a.kind for a in snapshot.anomalies}
    assert [sub.quantity for sub in snapshot.records.subscriptions] == [5]


def test_shared_email_gives_two_candidates_and_no_snapshot(service: LookupService) -> None:
    result = service.lookup("shared@example.com")
    assert result.snapshot is None
    assert sorted(c.subscription_count for c in result.candidates) == [0, 1]
    assert {c.customer.email for c in result.candidates} == {"shared@example.com"}


def test_github_handle_and_name_resolve_through_search(service: LookupService) -> None:
    assert snapshot_for(service, "github:octocat").customer.email == "octo@example.com"
    assert snapshot_for(service, "Kenji Tanaka").customer.email == "kenji@example.jp"


def test_object_ids_resolve_to_their_customer(service: LookupService) -> None:
    jane = snapshot_for(service, "jane@example.com")
    records = jane.records
    for object_id in (records.subscriptions[0].id, records.invoices[0].id, records.charges[0].id):
        assert snapshot_for(service, object_id).customer.id == jane.customer.id


def test_currencies_and_intervals_survive_the_round_trip(service: LookupService) -> None:
    [yen] = snapshot_for(service, "kenji@example.jp").records.subscriptions
    [annual] = snapshot_for(service, "yuki.annual@example.com").records.subscriptions
    assert yen.monthly_recurring_revenue().format() == "¥3,000"
    assert annual.monthly_recurring_revenue().format() == "$16.67"


def test_message_lookup_finds_the_customer_in_free_text(service: LookupService) -> None:
    result = service.lookup_in_message(
        "Hi, this is <mailto:dana@example.com|dana@example.com>, why two charges?"
    )
    assert result.snapshot is not None and result.snapshot.customer.email == "dana@example.com"


@pytest.fixture(scope="module")
def slow_demo() -> Iterator[SandboxServer]:
    """Every request takes 100 ms, so requests sent together visibly overlap in the log."""
    with running_sandbox(seed="demo", latency_ms=100) as server:
        yield server


@pytest.mark.parametrize("kind", ["email", "customer", "subscription"])
def test_a_lookup_takes_at_most_two_sequential_rounds(slow_demo: SandboxServer, kind: str) -> None:
    gateway = StripeGateway(slow_demo.api_key, api_base=slow_demo.base_url, max_retries=0)
    service = LookupService(gateway, SystemClock())
    jane = snapshot_for(service, "jane@example.com")
    query = {
        "email": "jane@example.com",
        "customer": jane.customer.id,
        "subscription": jane.records.subscriptions[0].id,
    }[kind]
    slow_demo.clear_log()
    service.lookup(query)
    gateway.close()
    log = list(slow_demo.request_log)
    # Resolve, then subscriptions, invoices, charges, portal configurations and coupons side by side
    # (products are cached); Jane has no disputed charge, so no dispute is read at all.
    assert len(log) == 6, [(r.method, r.path) for r in log]
    assert "/v1/disputes" not in {record.path for record in log}
    assert sequential_rounds(log) <= 2, [(r.method, r.path, r.started, r.ended) for r in log]


def test_disputes_are_read_for_the_customers_disputed_charges_only(slow_demo: SandboxServer) -> None:
    gateway = StripeGateway(slow_demo.api_key, api_base=slow_demo.base_url, max_retries=0)
    service = LookupService(gateway, SystemClock())
    snapshot_for(service, "jane@example.com")  # warms the product catalogue
    slow_demo.clear_log()
    dana = snapshot_for(service, "dana@example.com")
    gateway.close()
    log = list(slow_demo.request_log)
    [disputed] = [charge.id for charge in dana.records.charges if charge.disputed]
    dispute_reads = [record for record in log if record.path == "/v1/disputes"]
    assert [record.params.get("charge") for record in dispute_reads] == [disputed]
    assert [dispute.charge_id for dispute in dana.records.disputes] == [disputed]
    # The dispute read follows the charges page in its own thread: one extra round, only for Dana.
    assert sequential_rounds(log) <= 3
