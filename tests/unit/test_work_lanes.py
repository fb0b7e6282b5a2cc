"""handlers.work.WorkLanes: bounded lanes, refusal when full, dropping what waited too long, money apart."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator

import pytest

from handlers.work import QUEUE_FULL_TEXT, TOO_LATE_TEXT, Lane, LaneLimits, WorkLanes

WAIT = 5


class ManualClock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


class Blocker:
    """A job that says when it started and runs until the test releases it."""

    def __init__(self) -> None:
        self.started = threading.Event()
        self.release = threading.Event()

    def __call__(self) -> None:
        self.started.set()
        assert self.release.wait(WAIT), "the test never released the job"


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock()


@pytest.fixture
def lanes(clock: ManualClock) -> Iterator[WorkLanes]:
    limits = {
        Lane.MONEY: LaneLimits(workers=1, queue=1, start_within=20),
        Lane.INTERACTIVE: LaneLimits(workers=1, queue=1, start_within=15),
        Lane.REPORTS: LaneLimits(workers=1, queue=0, start_within=30),
    }
    work = WorkLanes(limits, monotonic=clock)
    yield work
    work.shutdown(wait=False)


def recorder() -> tuple[list[str], Callable[[str], None]]:
    told: list[str] = []
    return told, told.append


def test_a_full_lane_refuses_at_once_and_says_so(lanes: WorkLanes) -> None:
    told, busy = recorder()
    running = Blocker()
    ran: list[str] = []
    assert lanes.submit(Lane.INTERACTIVE, running, busy=busy)
    assert running.started.wait(WAIT)
    assert lanes.submit(Lane.INTERACTIVE, lambda: ran.append("queued"), busy=busy)
    assert not lanes.submit(Lane.INTERACTIVE, lambda: ran.append("refused"), busy=busy)
    assert told == [QUEUE_FULL_TEXT[Lane.INTERACTIVE]]
    running.release.set()
    lanes.wait_idle(WAIT)
    assert ran == ["queued"]


def test_a_job_that_waited_too_long_is_dropped_and_the_operator_told(
    lanes: WorkLanes, clock: ManualClock
) -> None:
    told, busy = recorder()
    running = Blocker()
    ran: list[str] = []
    lanes.submit(Lane.INTERACTIVE, running, busy=busy)
    assert running.started.wait(WAIT)
    lanes.submit(Lane.INTERACTIVE, lambda: ran.append("late"), busy=busy)
    clock.now += 15.5
    running.release.set()
    lanes.wait_idle(WAIT)
    assert ran == []
    assert told == [TOO_LATE_TEXT[Lane.INTERACTIVE].format(seconds=15)]


def test_a_job_within_its_start_window_runs(lanes: WorkLanes, clock: ManualClock) -> None:
    told, busy = recorder()
    running = Blocker()
    ran: list[str] = []
    lanes.submit(Lane.INTERACTIVE, running, busy=busy)
    assert running.started.wait(WAIT)
    lanes.submit(Lane.INTERACTIVE, lambda: ran.append("on time"), busy=busy)
    clock.now += 14.5
    running.release.set()
    lanes.wait_idle(WAIT)
    assert ran == ["on time"] and told == []


def test_money_runs_while_lookups_and_reports_fill_their_lanes(lanes: WorkLanes) -> None:
    told, busy = recorder()
    lookup, report = Blocker(), Blocker()
    lanes.submit(Lane.INTERACTIVE, lookup, busy=busy)
    lanes.submit(Lane.REPORTS, report, busy=busy)
    assert lookup.started.wait(WAIT) and report.started.wait(WAIT)
    lanes.submit(Lane.INTERACTIVE, lambda: None, busy=busy)
    confirmed = threading.Event()
    assert lanes.submit(Lane.MONEY, confirmed.set, busy=busy)
    # The confirm ran although both other lanes are still busy: nothing released them yet.
    assert confirmed.wait(WAIT)
    assert not lookup.release.is_set() and lanes.waiting(Lane.INTERACTIVE) == 1
    lookup.release.set()
    report.release.set()
    lanes.wait_idle(WAIT)
    assert told == []


def test_wait_idle_reports_work_still_running(lanes: WorkLanes) -> None:
    running = Blocker()
    lanes.submit(Lane.REPORTS, running, busy=lambda text: None)
    assert running.started.wait(WAIT)
    with pytest.raises(TimeoutError):
        lanes.wait_idle(0.01)
    running.release.set()
    lanes.wait_idle(WAIT)


def test_a_failing_job_still_counts_as_finished(lanes: WorkLanes) -> None:
    def boom() -> None:
        raise RuntimeError("boom")

    lanes.submit(Lane.MONEY, boom, busy=lambda text: None)
    lanes.wait_idle(WAIT)
