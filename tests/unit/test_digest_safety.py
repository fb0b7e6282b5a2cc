"""The digest is safe to run by hand and by schedule: a crashed run's day can be taken over after a stated
time, `--sandbox` never posts, and a sandbox preview leaves the real database alone."""

from __future__ import annotations

from pathlib import Path

import pytest
from freezegun import freeze_time

from billing.digest_runs import CLAIM_EXPIRES_AFTER, DigestRuns
from bot.cli import main
from bot.cli.reports import not_posted_text
from bot.scheduler import post_daily_digest
from bot.slack_standin import SlackStandIn
from tests.unit.test_scheduler import Poster, services


def test_a_run_that_died_while_building_can_run_again_after_the_stated_time(tmp_path: Path) -> None:
    with freeze_time("2026-03-30 07:00:00") as frozen:
        svc = services(tmp_path / "b.db")
        day = svc.reports.digest_day()
        # What a run killed between its claim and its post leaves behind.
        assert DigestRuns(svc.store).claim("CDIGEST", day)

        frozen.tick(CLAIM_EXPIRES_AFTER.total_seconds() - 60)
        poster = Poster()
        blocked = post_daily_digest(svc, poster)
        assert not blocked.posted and poster.posts == []
        assert blocked.retry_after is not None
        message = not_posted_text("CDIGEST", blocked)
        assert "has not posted" in message and f"after {blocked.retry_after:%H:%M} UTC" in message

        frozen.tick(61)
        assert post_daily_digest(svc, poster).posted
        assert len(poster.posts) == 1
        assert not post_daily_digest(svc, poster).posted
        assert not_posted_text("CDIGEST", post_daily_digest(svc, poster)).startswith(
            "A digest was already posted"
        )


@pytest.fixture
def real_settings(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    monkeypatch.chdir(tmp_path)
    db = tmp_path / "real" / "billing.db"
    monkeypatch.setenv("BILLING_DB", str(db))
    monkeypatch.setenv("DIGEST_CHANNEL", "C0DIGEST1")
    monkeypatch.setenv("SLACK_BOT_TOKEN", "xoxb-real-looking-token")
    return db


def test_post_with_sandbox_is_refused_in_one_line_and_posts_nothing(
    real_settings: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    with SlackStandIn(port=0) as slack:
        monkeypatch.setenv("SLACK_API_URL", slack.base_url)
        assert main(["digest", "--post", "--sandbox"]) == 2
        assert slack.calls == []
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "--post cannot be combined with --sandbox" in err
    assert not real_settings.exists()


def test_a_sandbox_preview_leaves_the_real_database_alone(
    real_settings: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["digest", "--sandbox"]) == 0
    assert "Churn-risk digest" in capsys.readouterr().out
    assert not real_settings.exists()
