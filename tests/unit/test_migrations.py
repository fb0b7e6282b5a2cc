from pathlib import Path

from billing.migrations import MIGRATIONS
from billing.store import Store


def test_migrations_are_numbered_in_order() -> None:
    names = [name for name, _ in MIGRATIONS]
    assert names == sorted(names)
    assert all(name[0] == "m" and name[1:4].isdigit() for name in names)


def test_migrations_apply_once_and_survive_reopening(tmp_path: Path) -> None:
    path = tmp_path / "ops.db"
    first = Store(path)
    first.audit("lookup", actor="U01AAA", customer_id="cus_1", detail={"query": "jane@example.com"})
    applied = first.applied_migrations()
    assert applied == {name for name, _ in MIGRATIONS}

    reopened = Store(path)
    assert reopened.applied_migrations() == applied
    rows = reopened.audit_rows(customer_id="cus_1")
    assert [(row["event"], row["actor"]) for row in rows] == [("lookup", "U01AAA")]
    assert {"cases", "audit_log", "pending_actions", "digest_runs", "case_gaps"} <= set(
        reopened.db.table_names()
    )


def test_gaps_are_counted_once_per_case(tmp_path: Path) -> None:
    store = Store(tmp_path / "ops.db")
    store.record_gap("case_a", "no cancellation flow")
    store.record_gap("case_a", "no cancellation flow")
    store.record_gap("case_b", "no cancellation flow")
    store.record_gap("case_b", "no duplicate-subscription guard")
    assert store.gap_counts() == [("no cancellation flow", 2), ("no duplicate-subscription guard", 1)]
