"""`billing-bot run` starts the digest scheduler with the app's WebClient and shuts it down on exit."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from apscheduler.schedulers.base import STATE_RUNNING, STATE_STOPPED, BaseScheduler

from billing.clock import FixedClock
from bot.cli.run import BotRunner
from bot.scheduler import DIGEST_JOB_ID, Post, build_scheduler
from bot.services import Services
from tests.unit.test_scheduler import services

# 13:00 in Berlin: past today's 09:00 digest and its grace period, so no catch-up job races the test.
AFTERNOON = datetime(2026, 3, 27, 12, 0, tzinfo=UTC)


class RecordingClient:
    def __init__(self) -> None:
        self.posts: list[dict[str, Any]] = []

    def chat_postMessage(self, **kwargs: Any) -> dict[str, Any]:  # noqa: N802 - WebClient's name
        self.posts.append(kwargs)
        return {"ok": True, "ts": "1774600000.000100"}


class FakeApp:
    def __init__(self) -> None:
        self.client = RecordingClient()


def fake_app() -> Any:
    """Stands in for slack_bolt.App: the runner only reads `.client`."""
    return FakeApp()


class RecordingFactory:
    def __init__(self) -> None:
        self.built: list[BaseScheduler] = []

    def __call__(self, services: Services, post: Post) -> BaseScheduler:
        scheduler = build_scheduler(services, post)
        self.built.append(scheduler)
        return scheduler


def afternoon_services(tmp_path: Path, **settings: Any) -> Services:
    built = services(tmp_path / "bot.db")
    return dataclasses.replace(
        built,
        clock=FixedClock(AFTERNOON),
        settings=built.settings.model_copy(update=settings),
    )


def test_run_serves_with_the_digest_job_started_and_posting_through_the_apps_client(tmp_path: Path) -> None:
    app = fake_app()
    factory = RecordingFactory()
    seen: dict[str, Any] = {}

    def serve(served_app: Any, *, host: str, port: int, **_: Any) -> None:
        [scheduler] = factory.built
        job = scheduler.get_job(DIGEST_JOB_ID)
        seen.update(app=served_app, address=(host, port), state=scheduler.state, jobs=scheduler.get_jobs())
        job.func()  # what the cron trigger would run at 09:00 Berlin

    runner = BotRunner(afternoon_services(tmp_path), app, scheduler_factory=factory, http_server=serve)
    runner.run(http=True, host="127.0.0.1", port=3999)

    assert (seen["app"], seen["address"], seen["state"]) == (app, ("127.0.0.1", 3999), STATE_RUNNING)
    assert [job.id for job in seen["jobs"]] == [DIGEST_JOB_ID]
    [post] = app.client.posts
    assert post["channel"] == "CDIGEST" and "Churn-risk digest" in post["text"]
    assert factory.built[0].state == STATE_STOPPED


def test_the_scheduler_is_shut_down_when_socket_mode_stops_with_an_error(tmp_path: Path) -> None:
    factory = RecordingFactory()

    def socket_mode(app: Any, settings: Any) -> None:
        assert factory.built[0].state == STATE_RUNNING
        raise KeyboardInterrupt

    runner = BotRunner(
        afternoon_services(tmp_path),
        fake_app(),
        scheduler_factory=factory,
        socket_mode_server=socket_mode,
    )
    with pytest.raises(KeyboardInterrupt):
        runner.run(http=False)
    assert factory.built[0].state == STATE_STOPPED


def test_without_a_digest_channel_no_scheduler_is_built(tmp_path: Path) -> None:
    factory = RecordingFactory()
    served: list[Any] = []
    runner = BotRunner(
        afternoon_services(tmp_path, digest_channel=None),
        fake_app(),
        scheduler_factory=factory,
        socket_mode_server=lambda app, settings: served.append(app),
    )
    runner.run(http=False)
    assert factory.built == [] and len(served) == 1
