"""Which object an action targets: creation order within one second, disputed charges, overlaps."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from billing.action_kinds.targets import latest_refundable_charge, newer_duplicate, refundable_charge
from billing.errors import PreconditionFailed
from billing.models import BillingRecords
from billing.snapshot import CustomerSnapshot, build_snapshot
from tests.unit.fake_gateway import T0, charge, price, records, subscription

NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)


def snapshot_of(billing: BillingRecords) -> CustomerSnapshot:
    return build_snapshot(billing, now=NOW, matched_on="email", livemode=False)


def test_same_second_duplicate_is_the_one_stripe_lists_first_whatever_the_ids() -> None:
    newer = subscription("sub_AAAA0001", created=T0).model_copy(update={"list_position": 0})
    older = subscription("sub_ZZZZ0001", created=T0).model_copy(update={"list_position": 1})
    for listed in ([newer, older], [older, newer]):
        target = newer_duplicate(snapshot_of(records(subscriptions=listed)))
        assert target is not None and target.id == "sub_AAAA0001"


def test_a_yearly_next_to_a_monthly_of_one_product_is_never_the_duplicate_target() -> None:
    monthly = subscription("sub_Mon00001", created=T0)
    yearly = subscription(
        "sub_Yea00001",
        created=T0 + timedelta(days=1),
        item_price=price("price_Year0001", unit_amount=12000, interval="year"),
    )
    assert newer_duplicate(snapshot_of(records(subscriptions=[yearly, monthly]))) is None


def test_a_disputed_charge_is_never_offered_nor_planned_for_a_refund() -> None:
    disputed = charge("ch_Disp0001", disputed=True)
    older = charge("ch_Old00001", created=T0 - timedelta(days=30))
    snapshot = snapshot_of(records(charges=[disputed, older]))
    offered = latest_refundable_charge(snapshot)
    assert offered is not None and offered.id == "ch_Old00001"
    with pytest.raises(PreconditionFailed, match="ch_Disp0001 is disputed, so it is not refunded"):
        refundable_charge(snapshot, "ch_Disp0001")
