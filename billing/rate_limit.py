"""Stripe's request rate, shared by every call the gateway makes: a token bucket and a 429 backoff.

Stripe allows 100 read/write requests per second in live mode and 25 in test mode (per account). One
bucket in front of every request keeps the whole process under it however many lookups run at once;
Stripe's 429 is still possible (other processes share the account) and is retried with backoff.
"""

from __future__ import annotations

import random
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

LIVE_RATE_LIMIT = 100
TEST_RATE_LIMIT = 25


def default_rate_limit(*, livemode: bool) -> int:
    return LIVE_RATE_LIMIT if livemode else TEST_RATE_LIMIT


class TokenBucket:
    """`rate` requests per second with bursts of up to `burst`; `acquire()` blocks until its turn.

    Reservations (GCRA): each caller takes the next free slot under the lock and sleeps outside it, so
    waiting callers are served in arrival order and never spin.
    """

    def __init__(
        self,
        rate: float,
        *,
        burst: int | None = None,
        monotonic: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        if rate <= 0:
            raise ValueError("rate must be positive")
        self.rate = rate
        # A quarter second's worth: a lookup's parallel round starts at once, a burst cannot trip Stripe.
        self.burst = burst if burst is not None else max(1, int(rate // 4))
        self._interval = 1.0 / rate
        self._tolerance = (self.burst - 1) * self._interval
        self._next = 0.0
        self._monotonic = monotonic
        self._sleep = sleep
        self._lock = threading.Lock()

    def reserve(self) -> float:
        """Seconds the caller must wait before its request (0 when a token is free)."""
        with self._lock:
            now = self._monotonic()
            due = max(self._next, now)
            start = max(now, due - self._tolerance)
            self._next = due + self._interval
        return start - now

    def acquire(self) -> None:
        wait = self.reserve()
        if wait > 0:
            self._sleep(wait)


@dataclass(frozen=True)
class Backoff:
    """Waits between retries of a rate-limited request: exponential, capped, with full jitter."""

    retries: int = 5
    base: float = 0.25
    cap: float = 4.0
    jitter: Callable[[], float] = random.random

    def delay(self, attempt: int) -> float:
        """attempt 0 is the first retry."""
        return min(self.cap, self.base * 2**attempt) * (0.5 + self.jitter() / 2)
