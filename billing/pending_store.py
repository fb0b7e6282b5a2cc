"""The pending actions' table: the first click's plan, the claim that makes a second click run it once, the
locks on its Stripe targets, its progress through its steps (see billing/actions.py)."""

from __future__ import annotations

import json
import secrets
import threading
from contextlib import AbstractContextManager
from datetime import UTC, datetime, timedelta
from typing import Any

import sqlite_utils

from billing.clock import Clock
from billing.errors import TargetBusy

# A pending action one of whose Stripe calls was sent without a definite answer (see billing/actions.py).
UNCERTAIN = "json_extract(coalesce(result, '{}'), '$.in_flight') is not null"


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="seconds")


def new_id(prefix: str) -> str:
    return f"{prefix}_{secrets.token_urlsafe(9).replace('-', 'x').replace('_', 'y')}"


class PendingActionsStore:
    """Part of Store (billing/store.py), which provides the connection, the clock and the transactions."""

    db: sqlite_utils.Database
    clock: Clock
    _lock: threading.RLock

    def transaction(self) -> AbstractContextManager[None]:
        raise NotImplementedError

    def now_iso(self) -> str:
        raise NotImplementedError

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

    def operator_impacts(
        self, *, customer_id: str, operator: str, since: datetime, excluding: str
    ) -> list[tuple[int, str]]:
        """(amount, currency) of the approval impact of every action this operator requested or confirmed for
        the customer that finished since `since` or is running now."""
        rows = self.db.execute(
            "select params from pending_actions where customer_id = ? and nonce != ? "
            "and (requested_by = ? or claimed_by = ?) "
            "and (status = 'running' or (status = 'done' and finished_at >= ?))",
            [customer_id, excluding, operator, operator, _iso(since)],
        ).fetchall()
        impacts = []
        for (params,) in rows:
            impact = json.loads(params or "{}").get("impact")
            if impact:
                impacts.append((int(impact["amount"]), str(impact["currency"])))
        return impacts

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
