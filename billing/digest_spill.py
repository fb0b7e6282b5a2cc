"""The spill: live subscriptions on disk, for rules that need a customer's full set."""

from __future__ import annotations

import sqlite3
import tempfile
from collections.abc import Iterator
from pathlib import Path

from billing.models import Customer, Subscription


class SubscriptionSpill:
    """Live subscriptions written to a temporary SQLite file while streaming.

    Duplicate detection needs every live subscription of a customer together, and Stripe lists them in
    creation order across all customers. Holding them in memory would grow with the account; on disk it
    does not, and afterwards only customers with two or more are read back.
    """

    def __init__(self) -> None:
        self._dir = tempfile.TemporaryDirectory(prefix="billing-spill-")
        self._db = sqlite3.connect(str(Path(self._dir.name) / "spill.db"))
        self._db.execute("create table subs (customer_id text, subscription text, customer text)")
        self._pending: list[tuple[str, str, str]] = []

    def add(self, subscription: Subscription, customer: Customer) -> None:
        self._pending.append(
            (customer.id, subscription.model_dump_json(), customer.model_dump_json(exclude={"metadata"}))
        )
        if len(self._pending) >= 500:
            self._flush()

    def _flush(self) -> None:
        self._db.executemany("insert into subs values (?, ?, ?)", self._pending)
        self._pending.clear()

    def customers_with_several(self) -> Iterator[tuple[Customer, list[Subscription]]]:
        self._flush()
        self._db.execute("create index subs_customer on subs (customer_id)")
        several = self._db.execute(
            "select customer_id from subs group by customer_id having count(*) > 1 order by customer_id"
        ).fetchall()
        for (customer_id,) in several:
            rows = self._db.execute(
                "select subscription, customer from subs where customer_id = ? order by rowid", [customer_id]
            ).fetchall()
            subscriptions = [Subscription.model_validate_json(row[0]) for row in rows]
            yield Customer.model_validate_json(rows[0][1]), subscriptions

    def close(self) -> None:
        self._db.close()
        self._dir.cleanup()

    def __enter__(self) -> SubscriptionSpill:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
