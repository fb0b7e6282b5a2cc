"""SQLite state (sqlite-utils): audit log, cases, pending actions, digest runs. Numbered migrations.

The audit log is append-only from the bot's side: Store has no method that updates or deletes it.
"""

from __future__ import annotations

import json
import logging
import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import Any

import sqlite_utils

from billing.audit_log import log_audit
from billing.clock import Clock, SystemClock
from billing.errors import DatabaseUnavailable
from billing.metrics import count_audit_event
from billing.migrations import applied_migrations, apply_missing, startup_lock
from billing.pending_store import PendingActionsStore, _iso, new_id

log = logging.getLogger(__name__)


class Store(PendingActionsStore):
    """One SQLite file shared by the listeners' threads; writes are serialised by a lock."""

    def __init__(self, path: Path | str, clock: Clock | None = None) -> None:
        self.clock = clock or SystemClock()
        self.path = str(path)
        self._lock = threading.RLock()
        try:
            with startup_lock(self.path):
                self.db = sqlite_utils.Database(self._connect())
                self.migrate()
        except (OSError, sqlite3.Error) as error:
            raise DatabaseUnavailable(self.path, str(error) or type(error).__name__) from None

    def _connect(self) -> sqlite3.Connection:
        if self.path != ":memory:":
            Path(self.path).parent.mkdir(parents=True, exist_ok=True)
        connection = sqlite3.connect(self.path, check_same_thread=False, timeout=30, isolation_level=None)
        if self.path != ":memory:":
            connection.execute("PRAGMA journal_mode=WAL")
        return connection

    # --- migrations ---------------------------------------------------------------------------
    def migrate(self) -> None:
        """Apply what is missing, reading what was applied inside the same IMMEDIATE transaction.

        Two processes starting at once on a fresh file both get here; the write lock makes the second wait
        and then see the first one's work, instead of creating the same tables again.
        """
        with self.transaction():
            apply_missing(self.db, applied_at=_iso(self.clock.now()))

    def applied_migrations(self) -> set[str]:
        return applied_migrations(self.db)

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """BEGIN IMMEDIATE: the write lock is taken up front, so a claim cannot interleave with another."""
        with self._lock:
            self.db.execute("BEGIN IMMEDIATE")
            try:
                yield
            except BaseException:
                self.db.execute("ROLLBACK")
                raise
            self.db.execute("COMMIT")

    def check_writable(self) -> None:
        """Raise DatabaseUnavailable unless a write commits now (read-only file, full disk, lost mount)."""
        try:
            with self.transaction():
                self.db.execute(
                    "insert or replace into health_checks (id, at) values (1, ?)", [self.now_iso()]
                )
        except sqlite3.Error as error:
            raise DatabaseUnavailable(self.path, str(error)) from None

    def now_iso(self) -> str:
        return _iso(self.clock.now())

    # --- audit (append-only) ------------------------------------------------------------------
    def audit(
        self,
        event: str,
        *,
        actor: str | None,
        case_id: str | None = None,
        customer_id: str | None = None,
        stripe_ids: list[str] | None = None,
        stripe_request_id: str | None = None,
        outcome: str | None = None,
        detail: dict[str, Any] | None = None,
    ) -> int:
        detail = detail or {}
        log_audit(event, actor, case_id, customer_id, stripe_ids, stripe_request_id, outcome, detail)
        count_audit_event(event, outcome, detail)
        with self._lock:
            table = self.db["audit_log"]
            table.insert(  # type: ignore[union-attr]
                {
                    "at": self.now_iso(),
                    "actor": actor,
                    "event": event,
                    "case_id": case_id,
                    "customer_id": customer_id,
                    "stripe_ids": json.dumps(stripe_ids or []),
                    "stripe_request_id": stripe_request_id,
                    "outcome": outcome,
                    "detail": json.dumps(detail, default=str, sort_keys=True),
                }
            )
            return int(table.last_pk)  # type: ignore[union-attr, arg-type]

    def audit_rows(
        self, *, since: datetime | None = None, customer_id: str | None = None, case_id: str | None = None
    ) -> list[dict[str, Any]]:
        clauses, params = [], []
        if since is not None:
            clauses.append("at >= ?")
            params.append(_iso(since))
        if customer_id:
            clauses.append("customer_id = ?")
            params.append(customer_id)
        if case_id:
            clauses.append("case_id = ?")
            params.append(case_id)
        where = " and ".join(clauses) or None
        rows = self.db["audit_log"].rows_where(where, params, order_by="id")
        return [dict(row) for row in rows]

    # --- cases --------------------------------------------------------------------------------
    def open_case(
        self,
        *,
        customer_id: str,
        query: str,
        matched_on: str,
        suggested_bucket: str | None,
        opened_by: str,
        complaint: str = "",
    ) -> str:
        case_id = new_id("case")
        now = self.now_iso()
        with self._lock:
            self.db["cases"].insert(  # type: ignore[union-attr]
                {
                    "id": case_id,
                    "customer_id": customer_id,
                    "query": query,
                    "matched_on": matched_on,
                    "suggested_bucket": suggested_bucket,
                    "complaint": complaint,
                    "status": "open",
                    "opened_by": opened_by,
                    "created_at": now,
                    "updated_at": now,
                }
            )
        return case_id

    def get_case(self, case_id: str) -> dict[str, Any] | None:
        rows = list(self.db["cases"].rows_where("id = ?", [case_id]))
        return dict(rows[0]) if rows else None

    def update_case(self, case_id: str, **fields: Any) -> None:
        with self._lock:
            self.db["cases"].update(case_id, {**fields, "updated_at": self.now_iso()})  # type: ignore[union-attr]

    # --- product gaps -------------------------------------------------------------------------
    def record_gap(self, case_id: str, gap: str) -> None:
        with self._lock:
            self.db["case_gaps"].insert(  # type: ignore[union-attr]
                {"case_id": case_id, "gap": gap, "at": self.now_iso()}, ignore=True
            )

    def gap_counts(self) -> list[tuple[str, int]]:
        rows = self.db.execute(
            "select gap, count(distinct case_id) from case_gaps group by gap order by 2 desc, 1"
        ).fetchall()
        return [(str(gap), int(count)) for gap, count in rows]

    def case_gaps(self, case_id: str) -> list[str]:
        rows = self.db["case_gaps"].rows_where("case_id = ?", [case_id], order_by="at, gap")
        return [str(row["gap"]) for row in rows]

    def close_case(self, case_id: str, *, actor: str, resolution: str) -> bool:
        """Mark the case acted on exactly once; False if another click got there first."""
        with self.transaction():
            cursor = self.db.execute(
                "update cases set status = 'acted', acted_by = ?, updated_at = ? "
                "where id = ? and status != 'acted'",
                [actor, self.now_iso(), case_id],
            )
            return cursor.rowcount == 1

    def reopen_case(self, case_id: str, *, actor: str, status: str) -> None:
        """Undo this actor's close_case when what it closed the case for did not happen (Stripe refused)."""
        with self.transaction():
            self.db.execute(
                "update cases set status = ?, acted_by = null, updated_at = ? "
                "where id = ? and status = 'acted' and acted_by = ?",
                [status, self.now_iso(), case_id, actor],
            )

    # --- pending actions (first click stores, second click claims) ------------------------------
