from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from billing.clock import FixedClock
from billing.errors import TargetBusy
from billing.store import Store

T0 = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)


def pending(store: Store, target_ids: tuple[str, ...] = ("ch_1",)) -> str:
    case_id = store.open_case(
        customer_id="cus_1", query="q", matched_on="email", suggested_bucket=None, opened_by="U1"
    )
    return store.create_pending(
        case_id=case_id,
        kind="refund",
        requested_by="U1",
        customer_id="cus_1",
        target_ids=list(target_ids),
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


STALE = timedelta(minutes=2)


def test_a_running_action_locks_its_targets_against_other_cases_until_it_ends() -> None:
    store = Store(":memory:", FixedClock(T0))
    cancel_and_refund = pending(store, ("sub_1", "ch_1"))
    refund_same_charge = pending(store, ("ch_1",))
    other_charge = pending(store, ("ch_2",))
    assert store.claim_pending(cancel_and_refund, actor="U1", stale_after=STALE)
    with pytest.raises(TargetBusy, match=r"Another action on ch_1 is in progress \(by <@U1>\)"):
        store.claim_pending(refund_same_charge, actor="U2", stale_after=STALE)
    loser = store.get_pending(refund_same_charge)
    assert loser is not None and (loser["status"], loser["claimed_by"], loser["attempts"]) == (
        "pending",
        None,
        0,
    )
    assert store.claim_pending(other_charge, actor="U2", stale_after=STALE)
    assert store.target_locks() == {
        "ch_1": cancel_and_refund,
        "ch_2": other_charge,
        "sub_1": cancel_and_refund,
    }
    store.finish_pending(cancel_and_refund, result={})
    assert store.claim_pending(refund_same_charge, actor="U2", stale_after=STALE)
    assert store.target_locks() == {"ch_1": refund_same_charge, "ch_2": other_charge}


@pytest.mark.parametrize("end", ["release", "fail"])
def test_release_and_fail_drop_the_locks(end: str) -> None:
    store = Store(":memory:", FixedClock(T0))
    first, second = pending(store), pending(store)
    assert store.claim_pending(first, actor="U1", stale_after=STALE)
    if end == "release":
        store.release_pending(first, error="boom", result={})
    else:
        store.fail_pending(first, error="changed")
    assert store.target_locks() == {}
    assert store.claim_pending(second, actor="U2", stale_after=STALE)


def test_a_crashed_holders_lock_lapses_with_its_claim_and_can_be_taken_over() -> None:
    clock = FixedClock(T0)
    store = Store(":memory:", clock)
    crashed, waiting = pending(store), pending(store)
    assert store.claim_pending(crashed, actor="U1", stale_after=STALE)
    clock.advance(minutes=1)
    with pytest.raises(TargetBusy):
        store.claim_pending(waiting, actor="U2", stale_after=STALE)
    clock.advance(minutes=1)  # the claim is now exactly as old as STALE: re-claimable, so is its lock
    assert store.claim_pending(waiting, actor="U2", stale_after=STALE)
    assert store.target_locks() == {"ch_1": waiting}
    with pytest.raises(TargetBusy, match="by <@U2>"):  # the crashed one comes back: now it waits
        store.claim_pending(crashed, actor="U1", stale_after=STALE)
    store.finish_pending(crashed, result={})  # a slow, not dead, holder ending must not free another's lock
    assert store.target_locks() == {"ch_1": waiting}


def test_locks_survive_a_restart_on_the_same_file(tmp_path: Path) -> None:
    clock = FixedClock(T0)
    first_process = Store(tmp_path / "bot.db", clock)
    holder, other = pending(first_process), pending(first_process)
    assert first_process.claim_pending(holder, actor="U1", stale_after=STALE)
    with pytest.raises(TargetBusy):
        Store(tmp_path / "bot.db", clock).claim_pending(other, actor="U2", stale_after=STALE)


def _send_without_answer(store: Store, nonce: str) -> None:
    """What billing/actions.py records before a Stripe call: the call is in flight until answered."""
    store.save_pending_progress(nonce, {"completed": {}, "in_flight": "refund", "generation": {}})


def test_a_call_with_unknown_outcome_keeps_its_locks_until_its_own_action_finishes() -> None:
    clock = FixedClock(T0)
    store = Store(":memory:", clock)
    uncertain = pending(store)
    assert store.claim_pending(uncertain, actor="U1", stale_after=STALE)
    _send_without_answer(store, uncertain)
    store.release_pending(uncertain, error="timeout", result={"completed": {}, "in_flight": "refund"})

    clock.advance(minutes=15)  # past the claim's staleness and the confirmation's 10-minute expiry
    other = pending(store)
    with pytest.raises(TargetBusy, match="Another action on ch_1"):
        store.claim_pending(other, actor="U2", stale_after=STALE)
    assert not store.cancel_pending(uncertain)  # Back cannot orphan a call that may have moved money
    assert store.claim_pending(uncertain, actor="U1", stale_after=STALE)  # resumable despite expiry
    store.finish_pending(uncertain, result={"completed": {"refund": {}}, "in_flight": None})
    assert store.claim_pending(other, actor="U2", stale_after=STALE)


def test_a_crash_during_a_call_keeps_the_targets_for_the_crashed_action() -> None:
    clock = FixedClock(T0)
    store = Store(":memory:", clock)
    crashed = pending(store)
    assert store.claim_pending(crashed, actor="U1", stale_after=STALE)
    _send_without_answer(store, crashed)
    clock.advance(minutes=5)
    other = pending(store)
    with pytest.raises(TargetBusy):
        store.claim_pending(other, actor="U2", stale_after=STALE)
    assert store.claim_pending(crashed, actor="U3", stale_after=STALE)  # any operator may finish it


def test_a_definite_refusal_releases_the_locks() -> None:
    store = Store(":memory:", FixedClock(T0))
    refused, other = pending(store), pending(store)
    assert store.claim_pending(refused, actor="U1", stale_after=STALE)
    store.release_pending(refused, error="card declined", result={"completed": {}, "in_flight": None})
    assert store.claim_pending(other, actor="U2", stale_after=STALE)
