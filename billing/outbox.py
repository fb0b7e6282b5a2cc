"""A durable outbox of Slack messages the bot owes: handoffs, the card's final update, the digest.

A message is stored before the first attempt to send it, under a key that makes enqueueing idempotent (one
handoff per case however often a crash recovery enqueues it). Whoever sends it leases it first, so the
listener's immediate attempt and the background worker never send the same message at once; a failure puts
it back with exponential backoff until it is delivered. `on_sent` is an audit record written on delivery.

Slack-free: the arguments are the Web API method's JSON arguments; bot/outbox_worker.py sends them.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

from billing.clock import Clock
from billing.models import Model
from billing.store import Store

FIRST_RETRY = timedelta(seconds=5)
MAX_RETRY_WAIT = timedelta(minutes=10)
# A send that has not reported back after this long (the process died mid-send) may be retried.
LEASE = timedelta(seconds=60)
# About a day of retries at the capped wait; after that the message is given up and logged.
MAX_ATTEMPTS = 150


class OutboxMessage(Model):
    id: int
    key: str
    kind: str  # "handoff", "card", "digest": for logs and the operator's message
    method: str
    args: dict[str, Any]
    on_sent: dict[str, Any] | None = None
    status: str  # queued -> sending -> sent | gave_up
    attempts: int = 0
    next_attempt_at: datetime
    message_ts: str | None = None
    last_error: str | None = None

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> OutboxMessage:
        return cls(
            id=row["id"],
            key=row["key"],
            kind=row["kind"],
            method=row["method"],
            args=json.loads(row["args"]),
            on_sent=json.loads(row["on_sent"]) if row["on_sent"] else None,
            status=row["status"],
            attempts=row["attempts"] or 0,
            next_attempt_at=datetime.fromisoformat(row["next_attempt_at"]),
            message_ts=row["message_ts"],
            last_error=row["last_error"],
        )


def retry_wait(attempts: int) -> timedelta:
    """5 s, 10 s, 20 s … capped at 10 minutes."""
    return min(FIRST_RETRY * (2 ** max(0, attempts - 1)), MAX_RETRY_WAIT)


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="milliseconds")


class Outbox:
    def __init__(self, store: Store, clock: Clock) -> None:
        self.store = store
        self.clock = clock

    def enqueue(
        self,
        key: str,
        *,
        kind: str,
        method: str,
        args: dict[str, Any],
        on_sent: dict[str, Any] | None = None,
    ) -> OutboxMessage:
        """Store the message unless one with `key` exists; either way return the stored one."""
        now = _iso(self.clock.now())
        with self.store.transaction():
            self.store.db.execute(
                "insert or ignore into outbox (key, kind, method, args, on_sent, status, attempts, "
                "next_attempt_at, created_at) values (?, ?, ?, ?, ?, 'queued', 0, ?, ?)",
                [
                    key,
                    kind,
                    method,
                    json.dumps(args, sort_keys=True, default=str),
                    json.dumps(on_sent, sort_keys=True, default=str) if on_sent else None,
                    now,
                    now,
                ],
            )
        message = self.by_key(key)
        assert message is not None
        return message

    def by_key(self, key: str) -> OutboxMessage | None:
        rows = list(self.store.db["outbox"].rows_where("key = ?", [key]))
        return OutboxMessage.from_row(dict(rows[0])) if rows else None

    def get(self, message_id: int) -> OutboxMessage:
        rows = list(self.store.db["outbox"].rows_where("id = ?", [message_id]))
        return OutboxMessage.from_row(dict(rows[0]))

    def lease(self, message_id: int, *, force: bool = False) -> bool:
        """queued (and due, unless `force`) or an expired lease -> sending; False if someone else holds it
        or it was delivered."""
        now = self.clock.now()
        due = "1" if force else "next_attempt_at <= ?"
        params: list[Any] = [_iso(now + LEASE), message_id]
        if not force:
            params.append(_iso(now))
        params.append(_iso(now))
        with self.store.transaction():
            cursor = self.store.db.execute(
                "update outbox set status = 'sending', attempts = attempts + 1, next_attempt_at = ? "
                f"where id = ? and ((status = 'queued' and {due}) "
                "or (status = 'sending' and next_attempt_at <= ?))",
                params,
            )
            return cursor.rowcount == 1

    def sent(self, message_id: int, *, message_ts: str | None) -> None:
        with self.store.transaction():
            self.store.db.execute(
                "update outbox set status = 'sent', sent_at = ?, message_ts = ?, last_error = null "
                "where id = ?",
                [_iso(self.clock.now()), message_ts, message_id],
            )
        message = self.get(message_id)
        if message.on_sent:
            record = dict(message.on_sent)
            detail = {**record.pop("detail", {}), "message_ts": message_ts}
            self.store.audit(record.pop("event"), detail=detail, **record)

    def failed(self, message_id: int, *, error: str) -> OutboxMessage:
        """Back to the queue with backoff, or given up after MAX_ATTEMPTS."""
        message = self.get(message_id)
        next_at = self.clock.now() + retry_wait(message.attempts)
        status = "gave_up" if message.attempts >= MAX_ATTEMPTS else "queued"
        with self.store.transaction():
            self.store.db.execute(
                "update outbox set status = ?, next_attempt_at = ?, last_error = ? where id = ?",
                [status, _iso(next_at), error[:500], message_id],
            )
        return self.get(message_id)

    def due(self, *, limit: int = 20) -> list[OutboxMessage]:
        now = _iso(self.clock.now())
        rows = self.store.db.execute(
            "select * from outbox where (status = 'queued' and next_attempt_at <= ?) "
            "or (status = 'sending' and next_attempt_at <= ?) order by id limit ?",
            [now, now, limit],
        )
        columns = [column[0] for column in rows.description]
        return [OutboxMessage.from_row(dict(zip(columns, row, strict=True))) for row in rows.fetchall()]

    def undelivered(self) -> list[OutboxMessage]:
        rows = self.store.db["outbox"].rows_where("status in ('queued', 'sending')", order_by="id")
        return [OutboxMessage.from_row(dict(row)) for row in rows]

    def next_due_at(self) -> datetime | None:
        row = self.store.db.execute(
            "select min(next_attempt_at) from outbox where status in ('queued', 'sending')"
        ).fetchone()
        return datetime.fromisoformat(row[0]) if row and row[0] else None
