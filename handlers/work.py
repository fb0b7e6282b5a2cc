"""Work lanes: listeners ack, then hand the slow part (Stripe, Slack posts) to a bounded lane.

Bolt's own listener pool only runs ack() and a submit, so an ack never waits behind a lookup. Each lane has
its own threads and a bounded queue: money actions (Confirm) are never starved by lookups, and a digest
never starves lookups. A request that cannot start soon is not run late: the operator is told at once
(queue full) or when it reaches the front too late (waited past `start_within`), and nothing was done.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from slack_bolt import BoltContext
from slack_bolt.context.respond import Respond
from slack_sdk import WebClient

from handlers.errors import handle_error
from handlers.middleware import operator_for

log = logging.getLogger(__name__)


class Lane(StrEnum):
    MONEY = "money"  # Confirm, and the refund modal's one read before its trigger_id expires
    INTERACTIVE = "interactive"  # lookups and card buttons
    REPORTS = "reports"  # digest, plans, portal-check: long listings


@dataclass(frozen=True)
class LaneLimits:
    workers: int
    # Jobs allowed to wait for a worker; one more is refused at once.
    queue: int
    # A job that waited longer than this for a worker is dropped: a card a minute late is worse than "busy".
    start_within: float


# Interactive work waits on Stripe and the gateway's rate limiter meters Stripe, so the lane is wide: at
# 100 requests/s and 1 s latency about 40 lookups are in flight at once (bench/ack_bench.py).
DEFAULT_LANES: Mapping[Lane, LaneLimits] = {
    Lane.MONEY: LaneLimits(workers=8, queue=100, start_within=20.0),
    Lane.INTERACTIVE: LaneLimits(workers=64, queue=200, start_within=15.0),
    Lane.REPORTS: LaneLimits(workers=2, queue=4, start_within=30.0),
}

QUEUE_FULL_TEXT = {
    Lane.MONEY: "Billing Ops is too busy to start this action now. Nothing was changed; click Confirm again "
    "in a minute.",
    Lane.INTERACTIVE: "Billing Ops is too busy to start this now. Nothing was done; try again in a minute.",
    Lane.REPORTS: "Too many reports are running. Nothing was started; try again in a few minutes.",
}
TOO_LATE_TEXT = {
    Lane.MONEY: "Billing Ops could not start this action within {seconds:.0f}s. Nothing was changed; "
    "click Confirm again.",
    Lane.INTERACTIVE: "Billing Ops could not start this within {seconds:.0f}s, so it was dropped rather than "
    "answered late. Nothing was done; try again.",
    Lane.REPORTS: "This report could not start within {seconds:.0f}s. Nothing was started; try again later.",
}


class WorkLanes:
    """One bounded thread pool per lane, counting work in flight so tests can wait for it all to finish."""

    def __init__(
        self,
        limits: Mapping[Lane, LaneLimits] = DEFAULT_LANES,
        *,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self.limits = dict(limits)
        self._monotonic = monotonic
        self._pools = {
            lane: ThreadPoolExecutor(max_workers=spec.workers, thread_name_prefix=f"work-{lane.value}")
            for lane, spec in self.limits.items()
        }
        self._waiting = dict.fromkeys(self.limits, 0)
        self._running = dict.fromkeys(self.limits, 0)
        self._in_flight = 0
        self._changed = threading.Condition()

    def submit(self, lane: Lane, job: Callable[[], None], *, busy: Callable[[str], None]) -> bool:
        """Queue `job`; False (and `busy` told why) when the lane's queue is full."""
        spec = self.limits[lane]
        with self._changed:
            idle_workers = spec.workers - self._running[lane]
            if self._waiting[lane] >= spec.queue + idle_workers:
                refused = True
            else:
                refused = False
                self._waiting[lane] += 1
                self._in_flight += 1
        if refused:
            log.warning("%s lane full (%d waiting); refused a request", lane.value, spec.queue)
            busy(QUEUE_FULL_TEXT[lane])
            return False
        queued_at = self._monotonic()
        self._pools[lane].submit(self._run, lane, job, busy, queued_at)
        return True

    def _run(
        self, lane: Lane, job: Callable[[], None], busy: Callable[[str], None], queued_at: float
    ) -> None:
        try:
            with self._changed:
                self._waiting[lane] -= 1
                self._running[lane] += 1
            waited = self._monotonic() - queued_at
            start_within = self.limits[lane].start_within
            if waited > start_within:
                log.warning("%s lane: dropped a request that waited %.1fs", lane.value, waited)
                busy(TOO_LATE_TEXT[lane].format(seconds=start_within))
            else:
                job()
        except Exception:
            log.exception("%s lane: a job failed outside its own error handling", lane.value)
        finally:
            with self._changed:
                self._running[lane] -= 1
                self._in_flight -= 1
                self._changed.notify_all()

    def waiting(self, lane: Lane) -> int:
        with self._changed:
            return self._waiting[lane]

    def wait_idle(self, timeout: float = 5) -> None:
        """Wait until every job submitted so far has run (or been dropped)."""
        with self._changed:
            if not self._changed.wait_for(lambda: self._in_flight == 0, timeout=timeout):
                raise TimeoutError(f"{self._in_flight} job(s) still running after {timeout}s")

    def shutdown(self, *, wait: bool = True) -> None:
        for pool in self._pools.values():
            pool.shutdown(wait=wait, cancel_futures=not wait)


def run_later(
    work: WorkLanes,
    lane: Lane,
    body: dict[str, Any],
    client: WebClient,
    respond: Respond | None,
    job: Callable[[], None],
    *,
    context: BoltContext | None = None,
) -> None:
    """Call after ack(): run `job` on `lane`; its errors reach the operator as Bolt's error handler would."""

    def guarded() -> None:
        try:
            job()
        except Exception as error:
            handle_error(error, body, client, respond, context)

    def busy(text: str) -> None:
        try:
            operator_for(body, client, respond).tell(text)
        except Exception:
            log.exception("could not tell the operator that Billing Ops is busy")

    work.submit(lane, guarded, busy=busy)
