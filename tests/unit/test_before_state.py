"""billing.before_state: the state after a Confirm plus its re-checked targets gives the state before it."""

from __future__ import annotations

import pytest

from billing.action_models import ActionKind
from billing.before_state import state_before
from billing.models import Bucket
from billing.snapshot import CustomerSnapshot, find_anomalies
from tests.unit.test_actions_fakes import OPERATOR, World


def essentials(snapshot: CustomerSnapshot) -> tuple[object, ...]:
    records = snapshot.records
    return (
        records.subscriptions,
        records.invoices,
        records.charges,
        records.refunds,
    )


@pytest.mark.parametrize(
    ("customer_id", "bucket", "kind", "target"),
    [
        ("cus_jane", Bucket.DUPLICATE, ActionKind.CANCEL_AND_REFUND, "sub_new"),
        ("cus_jane", Bucket.DUPLICATE, ActionKind.CANCEL_AT_PERIOD_END, "sub_new"),
        ("cus_sam", Bucket.FAILED_PAYMENT, ActionKind.RETRY_PAYMENT, "in_open"),
        ("cus_kenji", Bucket.PRODUCT_FAILURE, ActionKind.REFUND, "ch_jp"),
    ],
)
def test_state_before_matches_a_snapshot_read_before_the_action(
    customer_id: str, bucket: Bucket, kind: ActionKind, target: str
) -> None:
    world = World()
    case_id = world.case(customer_id, bucket)
    before = world.gateway.snapshot(customer_id, matched_on="email")
    nonce = world.service.request(case_id, kind, target, OPERATOR).nonce
    snapshots_taken: list[str] = []
    take_snapshot = world.gateway.snapshot

    def counted(customer_id: str, *, matched_on: str, complaint: str = "") -> CustomerSnapshot:
        snapshots_taken.append(customer_id)
        return take_snapshot(customer_id, matched_on=matched_on, complaint=complaint)

    world.gateway.snapshot = counted  # type: ignore[method-assign]
    outcome = world.service.confirm(nonce, OPERATOR)
    # The Confirm read only its targets before writing: no whole-customer snapshot.
    assert snapshots_taken == []
    after = take_snapshot(customer_id, matched_on="email")
    assert essentials(after) != essentials(before)
    rebuilt = state_before(after, outcome)
    assert essentials(rebuilt) == essentials(before)
    assert rebuilt.anomalies == find_anomalies(before.records, now=after.taken_at)
    assert rebuilt.complaint == after.complaint


def test_without_rechecked_targets_the_state_after_stands() -> None:
    world = World()
    case_id = world.case("cus_jane", Bucket.TEAM)
    after = world.gateway.snapshot("cus_jane", matched_on="email")
    outcome = world.service.resolve_without_change(case_id, ActionKind.EXPLAIN_BILLING, OPERATOR)
    assert state_before(after, outcome) is after
