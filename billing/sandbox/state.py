"""All emulated objects, keyed by ID, behind one lock; plus the time each object lives in."""

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
_RANDOM = secrets.SystemRandom()
# Stripe's own wording in "No such …" errors.
_MISSING_NAMES = {
    "payment_method": "PaymentMethod",
    "billing_portal.configuration": "configuration",
    "test_helpers.test_clock": "test_clock",
    "subscription_item": "subscription item",
}


def new_id(prefix: str, length: int = 24) -> str:
    return f"{prefix}_" + "".join(_RANDOM.choices(_ALPHABET, k=length))


@dataclass
class StoredResponse:
    fingerprint: str
    status: int
    body: bytes


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

    def add(self, obj: Json) -> Json:
        self.objects[obj["id"]] = obj
        self.sequence[obj["id"]] = len(self.sequence)
        return obj

    def remove(self, object_id: str) -> None:
        self.objects.pop(object_id, None)

    def find(self, object_id: str) -> Json | None:
        return self.objects.get(object_id)

    def get(self, kind: str, object_id: str, *, param: str = "id") -> Json:
        obj = self.objects.get(object_id) if isinstance(object_id, str) else None
        if obj is None or obj["object"] != kind:
            raise resource_missing(_MISSING_NAMES.get(kind, kind), str(object_id), param=param)
        return obj

    def all(self, kind: str) -> list[Json]:
        return [obj for obj in self.objects.values() if obj["object"] == kind]

    def newest_first(self, objects: list[Json]) -> list[Json]:
        return sorted(
            objects, key=lambda obj: (obj.get("created") or 0, self.sequence[obj["id"]]), reverse=True
        )

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
