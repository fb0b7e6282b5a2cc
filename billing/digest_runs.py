"""The once-per-channel-per-day record of digests, over the store's `digest_runs` table.

A run claims its (channel, day) row inside one IMMEDIATE transaction before anything is posted, so two
schedulers, a restart, or a scheduled run racing a manual `--post` cannot both post that day. A claim that
was never posted (the process died while building) expires after CLAIM_EXPIRES_AFTER; then another run may
take the day over.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from billing.digest_models import DigestTotals, summary_from_json, summary_json
from billing.store import Store

# Far longer than building the largest digest takes (about a minute for 10,000 subscriptions), so a live
# run is never taken over; short enough that a crash costs a retry, not the day.
CLAIM_EXPIRES_AFTER = timedelta(minutes=30)


@dataclass(frozen=True)
class PreviousDigest:
    day: str
    posted_at: datetime
    totals: DigestTotals | None


class DigestRuns:
    def __init__(self, store: Store) -> None:
        self.store = store

    def claim(self, channel: str, day: date) -> bool:
        """True for exactly one caller per (channel, day), however many race for it; or for the first caller
        after an unposted claim has expired."""
        now = self.store.clock.now()
        with self.store.transaction():
            cursor = self.store.db.execute(
                "insert or ignore into digest_runs (channel, day, claimed_at) values (?, ?, ?)",
                [channel, day.isoformat(), _iso(now)],
            )
            if cursor.rowcount == 1:
                return True
            taken_over = self.store.db.execute(
                "update digest_runs set claimed_at = ? where channel = ? and day = ? and posted_at is null "
                "and (claimed_at is null or claimed_at <= ?)",
                [_iso(now), channel, day.isoformat(), _iso(now - CLAIM_EXPIRES_AFTER)],
            )
            return taken_over.rowcount == 1

    def unfinished_since(self, channel: str, day: date) -> datetime | None:
        """When the day's still-unposted claim was taken (a run in progress, or one that died)."""
        row = self.store.db.execute(
            "select claimed_at from digest_runs where channel = ? and day = ? and posted_at is null",
            [channel, day.isoformat()],
        ).fetchone()
        return datetime.fromisoformat(row[0]) if row and row[0] else None

    def release(self, channel: str, day: date) -> None:
        """Give the day back after a failed post, so a later run (or `--post`) can try again."""
        with self.store.transaction():
            self.store.db.execute(
                "delete from digest_runs where channel = ? and day = ? and message_ts is null",
                [channel, day.isoformat()],
            )

    def record_posted(
        self, channel: str, day: date, *, posted_at: datetime, message_ts: str | None, totals: DigestTotals
    ) -> None:
        with self.store.transaction():
            self.store.db.execute(
                "update digest_runs set posted_at = ?, message_ts = ?, summary = ? where channel = ? and day = ?",
                [
                    _iso(posted_at),
                    message_ts or "",
                    summary_json(totals),
                    channel,
                    day.isoformat(),
                ],
            )

    def already_ran(self, channel: str, day: date) -> bool:
        row = self.store.db.execute(
            "select 1 from digest_runs where channel = ? and day = ?", [channel, day.isoformat()]
        ).fetchone()
        return row is not None

    def previous(self, channel: str, *, before: date) -> PreviousDigest | None:
        """The last digest actually posted to the channel before `before` (its totals and time)."""
        row = self.store.db.execute(
            "select day, posted_at, summary from digest_runs "
            "where channel = ? and day < ? and posted_at is not null order by day desc limit 1",
            [channel, before.isoformat()],
        ).fetchone()
        if row is None:
            return None
        day, posted_at, summary = row
        return PreviousDigest(
            day=str(day), posted_at=datetime.fromisoformat(posted_at), totals=summary_from_json(summary)
        )


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="seconds")
