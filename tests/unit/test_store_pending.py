from __future__ import annotations

from datetime import UTC, datetime, timedelta

from billing.clock import FixedClock
from billing.store import Store

T0 = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)


def pending(store: Store) -> str:
    case_id = store.open_case(
        customer_id="cus_1", query="q", matched_on="email", suggested_bucket=None, opened_by="U1"
    )
    return store.create_pending(
        case_id=case_id,
        kind="refund",
        requested_by="U1",
        customer_id="cus_1",
        target_ids=["ch_1"],
        amount=100,
        currency="usd",
        params={"steps": []},
        summary="Refund $1.00?",
        ttl=timedelta(minutes=10),
    )


def test_claim_is_exclusive_until_released_and_stale_claims_are_reclaimable() -> None:
    clock = FixedClock(T0)
    store = Store(":memory:", clock)
    nonce = pending(store)
    stale = timedelta(minutes=2)
    assert store.claim_pending(nonce, actor="U1", stale_after=stale)
    assert not store.claim_pending(nonce, actor="U2", stale_after=stale)
    store.release_pending(nonce, error="boom", result={"in_flight": "refund"})
    row = store.get_pending(nonce)
    assert row is not None and (row["status"], row["last_error"], row["result"]) == (
        "pending",
        "boom",
        {"in_flight": "refund"},
    )
    assert store.claim_pending(nonce, actor="U2", stale_after=stale)
    clock.advance(minutes=3)
    assert store.claim_pending(nonce, actor="U1", stale_after=stale)
    store.finish_pending(nonce, result={})
    assert not store.claim_pending(nonce, actor="U1", stale_after=stale)
    assert store.get_pending(nonce)["attempts"] == 3  # type: ignore[index]


def test_expired_and_cancelled_cannot_be_claimed_and_cases_close_once() -> None:
    clock = FixedClock(T0)
    store = Store(":memory:", clock)
    nonce = pending(store)
    clock.advance(minutes=10)
    assert not store.claim_pending(nonce, actor="U1", stale_after=timedelta(minutes=2))
    other = pending(store)
    assert store.cancel_pending(other) and not store.cancel_pending(other)
    case_id = store.get_pending(other)["case_id"]  # type: ignore[index]
    assert store.close_case(case_id, actor="U1", resolution="keep_both")
    assert not store.close_case(case_id, actor="U2", resolution="keep_both")
