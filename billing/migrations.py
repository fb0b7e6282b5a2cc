"""Numbered migrations, applied in order and recorded in _migrations (simonw/llm's migrations.py shape).

A new migration is a new function at the end, decorated with @migration; never edit an applied one.
"""

from __future__ import annotations

import fcntl
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import sqlite_utils

Migration = Callable[[sqlite_utils.Database], None]
MIGRATIONS: list[tuple[str, Migration]] = []


def migration(fn: Migration) -> Migration:
    MIGRATIONS.append((fn.__name__, fn))
    return fn


@migration
def m001_cases_and_audit(db: sqlite_utils.Database) -> None:
    db["cases"].create(  # type: ignore[union-attr]
        {
            "id": str,
            "customer_id": str,
            "query": str,
            "matched_on": str,
            "suggested_bucket": str,
            "bucket": str,
            "bucket_by": str,
            "channel": str,
            "message_ts": str,
            "thread_ts": str,
            "status": str,
            "opened_by": str,
            "acted_by": str,
            "created_at": str,
            "updated_at": str,
        },
        pk="id",
        not_null={"id", "status", "created_at"},
        defaults={"status": "open"},
    )
    db["cases"].create_index(["customer_id"])  # type: ignore[union-attr]
    db["audit_log"].create(  # type: ignore[union-attr]
        {
            "id": int,
            "at": str,
            "actor": str,
            "event": str,
            "case_id": str,
            "customer_id": str,
            "stripe_ids": str,
            "stripe_request_id": str,
            "outcome": str,
            "detail": str,
        },
        pk="id",
        not_null={"at", "event"},
    )
    db["audit_log"].create_index(["case_id"])  # type: ignore[union-attr]
    db["audit_log"].create_index(["customer_id"])  # type: ignore[union-attr]
    db["audit_log"].create_index(["at"])  # type: ignore[union-attr]


@migration
def m002_pending_actions(db: sqlite_utils.Database) -> None:
    db["pending_actions"].create(  # type: ignore[union-attr]
        {
            "nonce": str,
            "case_id": str,
            "kind": str,
            "requested_by": str,
            "customer_id": str,
            "target_ids": str,
            "amount": int,
            "currency": str,
            "params": str,
            "summary": str,
            "status": str,
            "created_at": str,
            "expires_at": str,
            "claimed_by": str,
            "claimed_at": str,
            "finished_at": str,
            "idempotency_key": str,
            "result": str,
            "last_error": str,
            "attempts": int,
        },
        pk="nonce",
        not_null={"nonce", "case_id", "kind", "status", "created_at", "expires_at"},
        defaults={"status": "pending", "attempts": 0},
    )
    db["pending_actions"].create_index(["case_id"])  # type: ignore[union-attr]


@migration
def m003_digest_runs_and_gaps(db: sqlite_utils.Database) -> None:
    db["digest_runs"].create(  # type: ignore[union-attr]
        {"channel": str, "day": str, "posted_at": str, "message_ts": str, "summary": str},
        pk=("channel", "day"),
    )
    db["case_gaps"].create(  # type: ignore[union-attr]
        {"case_id": str, "gap": str, "at": str},
        pk=("case_id", "gap"),
    )


@migration
def m004_target_locks(db: sqlite_utils.Database) -> None:
    """One running money action per Stripe object: taken in the claim's transaction, dropped at its end."""
    db["target_locks"].create(  # type: ignore[union-attr]
        {"target_id": str, "nonce": str, "acquired_at": str},
        pk="target_id",
        not_null={"target_id", "nonce", "acquired_at"},
    )
    db["target_locks"].create_index(["nonce"])  # type: ignore[union-attr]


@migration
def m005_digest_claims_and_health(db: sqlite_utils.Database) -> None:
    """When a digest run claimed its day, so a run that crashed while building can be taken over later;
    and one row /healthz rewrites to prove the database takes writes."""
    db["digest_runs"].add_column("claimed_at", str)  # type: ignore[union-attr]
    db["health_checks"].create({"id": int, "at": str}, pk="id")  # type: ignore[union-attr]


@migration
def m006_case_complaint(db: sqlite_utils.Database) -> None:
    """The customer's words a case was opened with (cleaned of card numbers and secrets)."""
    db["cases"].add_column("complaint", str)  # type: ignore[union-attr]


@migration
def m007_outbox(db: sqlite_utils.Database) -> None:
    """Slack messages the bot owes (handoffs, final card updates, digests) until delivered (billing/outbox.py)."""
    db["outbox"].create(  # type: ignore[union-attr]
        {
            "id": int,
            "key": str,
            "kind": str,
            "method": str,
            "args": str,
            "on_sent": str,
            "status": str,
            "attempts": int,
            "next_attempt_at": str,
            "created_at": str,
            "sent_at": str,
            "message_ts": str,
            "last_error": str,
        },
        pk="id",
        not_null={"key", "kind", "method", "args", "status", "created_at", "next_attempt_at"},
        defaults={"status": "queued", "attempts": 0},
    )
    db["outbox"].create_index(["key"], unique=True)  # type: ignore[union-attr]
    db["outbox"].create_index(["status", "next_attempt_at"])  # type: ignore[union-attr]


def applied_migrations(db: sqlite_utils.Database) -> set[str]:
    if "_migrations" not in db.table_names():
        return set()
    return {row["name"] for row in db["_migrations"].rows}


def apply_missing(db: sqlite_utils.Database, *, applied_at: str) -> None:
    """Call inside a write transaction (Store.migrate)."""
    db.execute("create table if not exists _migrations (name text primary key, applied_at text)")
    applied = applied_migrations(db)
    for name, fn in MIGRATIONS:
        if name not in applied:
            fn(db)
            db["_migrations"].insert({"name": name, "applied_at": applied_at}, pk="name")  # type: ignore[union-attr]


@contextmanager
def startup_lock(path: str) -> Iterator[None]:
    """Processes opening one file take turns through WAL setup and migrations.

    SQLite answers "database is locked" at once, without waiting, when two connections switch a fresh file
    to WAL together (seen in 1 of about 8 simultaneous starts); an advisory lock beside the file serialises
    the few milliseconds of start-up and nothing after it.
    """
    if path == ":memory:":
        yield
        return
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    with open(f"{path}.lock", "a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)
