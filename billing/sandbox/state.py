"""All emulated objects, keyed by ID, behind one lock; plus the time each object lives in.

Stored objects change by replacing values (`obj["x"] = new`), never by editing a nested dict or list in
place: responses and event snapshots share nested values with the stored object instead of copying them.
"""

from __future__ import annotations

import secrets
import string
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from billing.sandbox.errors import resource_missing

Json = dict[str, Any]
_ALPHABET = string.ascii_letters + string.digits
# One random byte -> one ID character (the modulo bias is irrelevant for test-mode IDs).
_TO_ALPHABET = "".join(_ALPHABET[byte % len(_ALPHABET)] for byte in range(256)).encode()
# Stripe's own wording in "No such …" errors.
_MISSING_NAMES = {
    "payment_method": "PaymentMethod",
    "billing_portal.configuration": "configuration",
    "test_helpers.test_clock": "test_clock",
    "subscription_item": "subscription item",
}


def new_id(prefix: str, length: int = 24) -> str:
    return f"{prefix}_" + secrets.token_bytes(length).translate(_TO_ALPHABET).decode()


@dataclass
class StoredResponse:
    fingerprint: str
    status: int
    body: bytes


@dataclass
class KindOrder:
    """One kind's object IDs oldest first, by (created, insertion), and each ID's place in that list."""

    ids: list[str] = field(default_factory=list)
    positions: dict[str, int] = field(default_factory=dict)
    last_key: tuple[int, int] = (-1, -1)

    def append(self, object_id: str, key: tuple[int, int]) -> None:
        self.positions[object_id] = len(self.ids)
        self.ids.append(object_id)
        self.last_key = key


@dataclass
class State:
    base_url: str = "http://127.0.0.1:12111"
    wall_clock: Callable[[], float] = time.time
    objects: dict[str, Json] = field(default_factory=dict)
    sequence: dict[str, int] = field(default_factory=dict)
    idempotent: dict[tuple[str, str], StoredResponse] = field(default_factory=dict)
    lock: threading.RLock = field(default_factory=threading.RLock)
    request_id: str | None = None
    idempotency_key: str | None = None
    _time_shift: int = 0
    _by_kind: dict[str, dict[str, Json]] = field(default_factory=dict)
    # (kind, field) -> field value -> objects of that kind holding it; built on first use.
    _lookups: dict[tuple[str, str], dict[Any, dict[str, Json]]] = field(default_factory=dict)
    _orders: dict[str, KindOrder] = field(default_factory=dict)

    def add(self, obj: Json) -> Json:
        object_id, kind = obj["id"], obj["object"]
        self.objects[object_id] = obj
        self.sequence[object_id] = len(self.sequence)
        self._by_kind.setdefault(kind, {})[object_id] = obj
        for (indexed_kind, name), lookup in self._lookups.items():
            if indexed_kind == kind:
                lookup.setdefault(obj.get(name), {})[object_id] = obj
        self._extend_order(obj)
        return obj

    def remove(self, object_id: str) -> None:
        obj = self.objects.pop(object_id, None)
        if obj is None:
            return
        kind = obj["object"]
        self._by_kind[kind].pop(object_id, None)
        for (indexed_kind, name), lookup in self._lookups.items():
            if indexed_kind == kind:
                lookup.get(obj.get(name), {}).pop(object_id, None)
        self._orders.pop(kind, None)

    def find(self, object_id: str) -> Json | None:
        return self.objects.get(object_id)

    def get(self, kind: str, object_id: str, *, param: str = "id") -> Json:
        obj = self.objects.get(object_id) if isinstance(object_id, str) else None
        if obj is None or obj["object"] != kind:
            raise resource_missing(_MISSING_NAMES.get(kind, kind), str(object_id), param=param)
        return obj

    def all(self, kind: str) -> list[Json]:
        return list(self._by_kind.get(kind, {}).values())

    def related(self, kind: str, name: str, value: Any) -> list[Json]:
        """Objects of `kind` whose `name` field is `value`, in creation order.

        Only for fields set at creation and never changed (a subscription's customer, an item's
        subscription): the index is not told about later changes.
        """
        lookup = self._lookups.get((kind, name))
        if lookup is None:
            lookup = {}
            for obj in self._by_kind.get(kind, {}).values():
                lookup.setdefault(obj.get(name), {})[obj["id"]] = obj
            self._lookups[(kind, name)] = lookup
        return list(lookup.get(value, {}).values())

    def newest_first(self, objects: list[Json]) -> list[Json]:
        return sorted(objects, key=self._order_key, reverse=True)

    def ordered(self, kind: str) -> KindOrder:
        """Every object of `kind` oldest first; cached until an insertion out of order or a removal."""
        order = self._orders.get(kind)
        if order is None:
            order = KindOrder()
            for obj in sorted(self._by_kind.get(kind, {}).values(), key=self._order_key):
                order.append(obj["id"], self._order_key(obj))
            self._orders[kind] = order
        return order

    def _order_key(self, obj: Json) -> tuple[int, int]:
        return (obj.get("created") or 0, self.sequence[obj["id"]])

    def _extend_order(self, obj: Json) -> None:
        order = self._orders.get(obj["object"])
        if order is None:
            return
        key = self._order_key(obj)
        if key > order.last_key:
            order.append(obj["id"], key)
        else:  # created in the past (a test clock, shifted time): sort again on the next listing
            del self._orders[obj["object"]]

    def now(self, test_clock: str | None = None) -> int:
        if test_clock:
            clock = self.objects.get(test_clock)
            if clock is not None:
                return int(clock["frozen_time"])
        return int(self.wall_clock()) + self._time_shift

    def now_for_customer(self, customer_id: str | None) -> int:
        customer = self.objects.get(customer_id or "")
        return self.now(customer.get("test_clock") if customer else None)

    @contextmanager
    def shifted_time(self, seconds: int) -> Iterator[None]:
        """Lets the seed create history (e.g. two subscriptions minutes apart) without a test clock."""
        self._time_shift += seconds
        try:
            yield
        finally:
            self._time_shift -= seconds
