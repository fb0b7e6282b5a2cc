from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from freezegun import freeze_time

from billing.clock import SystemClock
from billing.store import Store
from bot.config import Settings
from bot.scheduler import CATCH_UP_JOB_ID, DIGEST_JOB_ID, MISFIRE_GRACE, build_scheduler
from bot.services import Services, assemble_services
from tests.unit.test_digest_support import FakeGateway, customer, subscription

BERLIN = ZoneInfo("Europe/Berlin")
NEW_YORK = ZoneInfo("America/New_York")


class Poster:
    def __init__(self) -> None:
        self.posts: list[tuple[str, str]] = []

    def __call__(self, channel: str, blocks: list[Any], text: str) -> str:
        self.posts.append((channel, text))
        return f"{len(self.posts)}.000"


def services(db: Path, *, tz: str = "Europe/Berlin") -> Services:
    settings = Settings(
        _env_file=None,  # type: ignore[call-arg]
        digest_channel="CDIGEST",
        digest_time=time(9, 0),
        digest_tz=tz,
    )
    sam = customer("cus_sam", "Sam")
    gateway: Any = FakeGateway([(subscription("sub_sam", "cus_sam", status="past_due"), sam)])
    clock = SystemClock()
    return assemble_services(settings, gateway, clock=clock, store=Store(db, clock))


def fire_times(scheduler: Any, count: int) -> list[datetime]:
    trigger = scheduler.get_job(DIGEST_JOB_ID).trigger
    times, previous = [], None
    now = datetime.now(UTC)
    for _ in range(count):
        previous = trigger.get_next_fire_time(previous, previous + timedelta(seconds=1) if previous else now)
        times.append(previous)
    return times


@freeze_time("2026-03-27 12:00:00")
def test_fires_at_nine_berlin_time_across_the_march_switch(tmp_path: Path) -> None:
    scheduler = build_scheduler(services(tmp_path / "b.db"), Poster())
    times = fire_times(scheduler, 4)
    assert [t.astimezone(BERLIN).strftime("%m-%d %H:%M %Z") for t in times] == [
        "03-28 09:00 CET",
        "03-29 09:00 CEST",
        "03-30 09:00 CEST",
        "03-31 09:00 CEST",
    ]
    assert [t.astimezone(UTC).hour for t in times] == [8, 7, 7, 7]


@freeze_time("2026-10-30 18:00:00")
def test_fires_at_nine_new_york_time_across_the_november_switch(tmp_path: Path) -> None:
    scheduler = build_scheduler(services(tmp_path / "b.db", tz="America/New_York"), Poster())
    times = fire_times(scheduler, 3)
    assert [t.astimezone(NEW_YORK).strftime("%m-%d %H:%M") for t in times] == [
        "10-31 09:00",
        "11-01 09:00",
        "11-02 09:00",
    ]
    assert [t.astimezone(UTC).hour for t in times] == [13, 14, 14]


@freeze_time("2026-03-27 12:00:00")
def test_job_has_a_stable_id_coalesces_and_has_a_misfire_grace(tmp_path: Path) -> None:
    scheduler = build_scheduler(services(tmp_path / "b.db"), Poster())
    scheduler.start(paused=True)
    try:
        job = scheduler.get_job(DIGEST_JOB_ID)
        assert job.coalesce is True
        assert job.misfire_grace_time == MISFIRE_GRACE.total_seconds()
        assert job.max_instances == 1
        assert job.next_run_time == datetime(2026, 3, 28, 9, 0, tzinfo=BERLIN)
        assert scheduler.get_job(CATCH_UP_JOB_ID) is None  # 13:00 Berlin is past the grace period
    finally:
        scheduler.shutdown(wait=False)


def test_posts_once_a_day_even_after_a_restart_with_the_same_database(tmp_path: Path) -> None:
    db, poster = tmp_path / "b.db", Poster()
    with freeze_time("2026-03-30 07:00:00"):  # 09:00 in Berlin (CEST)
        first = build_scheduler(services(db), poster)
        first.get_job(DIGEST_JOB_ID).func()
        first.get_job(DIGEST_JOB_ID).func()  # a second fire the same day (e.g. a duplicate trigger)
        assert poster.posts == [("CDIGEST", "Churn-risk digest · 2026-03-30: 1 customer at risk, $20.00/mo")]
    with freeze_time("2026-03-30 07:30:00"):  # restarted within the grace period: a catch-up is queued...
        restarted = build_scheduler(services(db), poster)
        restarted.get_job(CATCH_UP_JOB_ID).func()
        restarted.get_job(DIGEST_JOB_ID).func()
        assert len(poster.posts) == 1  # ...and finds today's row already claimed
    with freeze_time("2026-03-31 07:00:00"):
        build_scheduler(services(db), poster).get_job(DIGEST_JOB_ID).func()
        assert [text for _, text in poster.posts][1].startswith("Churn-risk digest · 2026-03-31")


def test_a_restart_before_todays_digest_catches_up_once(tmp_path: Path) -> None:
    db, poster = tmp_path / "b.db", Poster()
    with freeze_time("2026-03-30 08:00:00"):  # 10:00 Berlin: the 09:00 run was missed while down
        scheduler = build_scheduler(services(db), poster)
        scheduler.get_job(CATCH_UP_JOB_ID).func()
        assert len(poster.posts) == 1


def test_a_failed_post_gives_the_day_back(tmp_path: Path) -> None:
    db = tmp_path / "b.db"

    def broken(channel: str, blocks: list[Any], text: str) -> str:
        raise RuntimeError("slack down")

    with freeze_time("2026-03-30 07:00:00"):
        with pytest.raises(RuntimeError):
            build_scheduler(services(db), broken).get_job(DIGEST_JOB_ID).func()
        poster = Poster()
        build_scheduler(services(db), poster).get_job(DIGEST_JOB_ID).func()
        assert len(poster.posts) == 1
