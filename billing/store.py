"""SQLite state (sqlite-utils): audit log, cases, pending actions, digest runs. Numbered migrations.

The audit log is append-only from the bot's side: Store has no method that updates or deletes it.
"""

from __future__ import annotations

import json
import logging
import secrets
import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import sqlite_utils

from billing.audit_log import log_audit
from billing.clock import Clock, SystemClock
from billing.errors import DatabaseUnavailable, TargetBusy
from billing.metrics import count_audit_event
from billing.migrations import applied_migrations, apply_missing, startup_lock

log = logging.getLogger(__name__)

# A pending action one of whose Stripe calls was sent without a definite answer (see billing/actions.py).
UNCERTAIN = "json_extract(coalesce(result, '{}'), '$.in_flight') is not null"


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="seconds")


def new_id(prefix: str) -> str:
    return f"{prefix}_{secrets.token_urlsafe(9).replace('-', 'x').replace('_', 'y')}"


class Store:
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

    # --- pending actions (first click stores, second click claims) ------------------------------
    def create_pending(
        self,
        *,
        case_id: str,
        kind: str,
        requested_by: str,
        customer_id: str,
        target_ids: list[str],
        amount: int | None,
        currency: str | None,
        params: dict[str, Any],
        summary: str,
        ttl: timedelta,
    ) -> str:
        nonce = new_id("pa")
        now = self.clock.now()
        with self._lock:
            self.db["pending_actions"].insert(  # type: ignore[union-attr]
                {
                    "nonce": nonce,
                    "case_id": case_id,
                    "kind": kind,
                    "requested_by": requested_by,
                    "customer_id": customer_id,
                    "target_ids": json.dumps(target_ids),
                    "amount": amount,
                    "currency": currency,
                    "params": json.dumps(params, sort_keys=True),
                    "summary": summary,
                    "status": "pending",
                    "created_at": _iso(now),
                    "expires_at": _iso(now + ttl),
                    "idempotency_key": f"billing-ops:{nonce}",
                    "result": json.dumps({}),
                    "attempts": 0,
                }
            )
        return nonce

    def get_pending(self, nonce: str) -> dict[str, Any] | None:
        rows = list(self.db["pending_actions"].rows_where("nonce = ?", [nonce]))
        if not rows:
            return None
        row = dict(rows[0])
        for field in ("target_ids", "params", "result"):
            row[field] = json.loads(row[field] or ("[]" if field == "target_ids" else "{}"))
        return row

    def claim_pending(self, nonce: str, *, actor: str, stale_after: timedelta) -> bool:
        """pending -> running in one statement; a 'running' row whose claimer vanished may be re-claimed.

        The case must still be open: a no-op resolution or another action may have closed it. In the same
        transaction the action locks its Stripe targets; if another live claim holds one of them, TargetBusy
        is raised and the rollback leaves this action pending, untouched.
        """
        now = self.clock.now()
        with self.transaction():
            cursor = self.db.execute(
                "update pending_actions set status = 'running', claimed_by = ?, claimed_at = ?, "
                "attempts = attempts + 1 "
                "where nonce = ? and ("
                f"  (status = 'pending' and (expires_at > ? or {UNCERTAIN}))"
                "  or (status = 'running' and claimed_at <= ?)"
                ") and not exists (select 1 from cases where cases.id = pending_actions.case_id "
                "  and cases.status = 'acted')",
                [actor, _iso(now), nonce, _iso(now), _iso(now - stale_after)],
            )
            if cursor.rowcount != 1:
                return False
            self._lock_targets(nonce, now=now, stale_after=stale_after)
            return True

    def _lock_targets(self, nonce: str, *, now: datetime, stale_after: timedelta) -> None:
        """A lock is held as long as its action's claim: while that action is 'running' and its claim is
        not stale, so a crashed holder's locks lapse by the same rule that frees its claim. Except while a
        Stripe call of the holder has an unknown outcome: then only the holder may touch its targets, by
        resuming with the same idempotency key (another action could not tell whether the money moved)."""
        target_ids: list[str] = json.loads(
            self.db.execute("select target_ids from pending_actions where nonce = ?", [nonce]).fetchone()[0]
            or "[]"
        )
        if not target_ids:
            return
        marks = ", ".join("?" for _ in target_ids)
        holder = self.db.execute(
            "select target_locks.target_id, target_locks.nonce, holder.claimed_by "
            "from target_locks join pending_actions holder on holder.nonce = target_locks.nonce "
            f"where target_locks.target_id in ({marks}) and target_locks.nonce != ? and ("
            "  (holder.status = 'running' and holder.claimed_at > ?)"
            f"  or (holder.status in ('pending', 'running') and {UNCERTAIN.replace('result', 'holder.result')})"
            ") "
            "order by target_locks.target_id limit 1",
            [*target_ids, nonce, _iso(now - stale_after)],
        ).fetchone()
        if holder is not None:
            raise TargetBusy(target_id=holder[0], holder_nonce=holder[1], holder=holder[2])
        self.db.conn.executemany(
            "insert or replace into target_locks (target_id, nonce, acquired_at) values (?, ?, ?)",
            [(target_id, nonce, _iso(now)) for target_id in target_ids],
        )

    def _unlock_targets(self, nonce: str) -> None:
        self.db.execute("delete from target_locks where nonce = ?", [nonce])

    def target_locks(self) -> dict[str, str]:
        """target_id -> nonce of every lock row, live or lapsed (for tests and diagnostics)."""
        rows = self.db.execute("select target_id, nonce from target_locks order by target_id").fetchall()
        return {str(target_id): str(nonce) for target_id, nonce in rows}

    def save_pending_progress(self, nonce: str, result: dict[str, Any]) -> None:
        with self.transaction():
            self.db.execute(
                "update pending_actions set result = ? where nonce = ? and status = 'running'",
                [json.dumps(result, sort_keys=True), nonce],
            )

    def finish_pending(self, nonce: str, *, result: dict[str, Any]) -> None:
        with self.transaction():
            self.db.execute(
                "update pending_actions set status = 'done', finished_at = ?, result = ?, last_error = null "
                "where nonce = ? and status = 'running'",
                [self.now_iso(), json.dumps(result, sort_keys=True), nonce],
            )
            self._unlock_targets(nonce)

    def release_pending(self, nonce: str, *, error: str, result: dict[str, Any]) -> None:
        """Back to pending after a Stripe error, so the operator can confirm again. Its locks are kept while
        a call's outcome is unknown (`in_flight`): only this action may resume on those targets."""
        with self.transaction():
            self.db.execute(
                "update pending_actions set status = 'pending', claimed_by = null, claimed_at = null, "
                "last_error = ?, result = ? where nonce = ? and status = 'running'",
                [error, json.dumps(result, sort_keys=True), nonce],
            )
            if not result.get("in_flight"):
                self._unlock_targets(nonce)

    def fail_pending(self, nonce: str, *, error: str) -> None:
        """Terminal: Stripe's state no longer matches the plan, so confirming again would not help."""
        with self.transaction():
            self.db.execute(
                "update pending_actions set status = 'failed', finished_at = ?, last_error = ? "
                "where nonce = ? and status = 'running'",
                [self.now_iso(), error, nonce],
            )
            self._unlock_targets(nonce)

    def unfinished_actions(self, *, claimed_before: datetime) -> list[str]:
        """Nonces of actions a crash or an unknown Stripe outcome left unfinished: 'running' since before
        `claimed_before`, or 'pending' with a call of unknown outcome. Oldest first."""
        rows = self.db.execute(
            "select nonce from pending_actions where (status = 'running' and claimed_at <= ?) "
            f"or (status = 'pending' and {UNCERTAIN}) order by created_at",
            [_iso(claimed_before)],
        ).fetchall()
        return [str(row[0]) for row in rows]

    def cancel_pending(self, nonce: str) -> bool:
        """The operator clicked Back: only a pending (never a running) action can be withdrawn, and not one
        with a Stripe call of unknown outcome, which must be finished by confirming it again."""
        with self.transaction():
            cursor = self.db.execute(
                "update pending_actions set status = 'cancelled', finished_at = ? "
                f"where nonce = ? and status = 'pending' and not {UNCERTAIN}",
                [self.now_iso(), nonce],
            )
            return cursor.rowcount == 1
