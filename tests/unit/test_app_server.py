"""`billing-bot run` fails with one clear line on missing settings; the HTTP app serves /healthz."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.cli import main
from tests.e2e.slack_harness import BILLING_CHANNEL, BOT_TOKEN, SIGNING_SECRET, SlackHarness, running_bot
from tests.unit.test_app_lookup import lookup_gateway

SETTINGS = (
    "SLACK_BOT_TOKEN",
    "SLACK_SIGNING_SECRET",
    "SLACK_APP_TOKEN",
    "BILLING_CHANNELS",
    "STRIPE_API_KEY",
)


@pytest.fixture
def empty_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.chdir(tmp_path)  # no .env
    for name in SETTINGS:
        monkeypatch.delenv(name, raising=False)


def test_run_without_settings_exits_with_one_line(
    empty_env: None, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["run"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert err.startswith("billing-bot: SLACK_BOT_TOKEN is not set")


def test_run_asks_for_the_stripe_key_before_contacting_anything(
    empty_env: None, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("SLACK_BOT_TOKEN", BOT_TOKEN)
    monkeypatch.setenv("SLACK_SIGNING_SECRET", SIGNING_SECRET)
    monkeypatch.setenv("BILLING_CHANNELS", BILLING_CHANNEL)
    assert main(["run"]) == 2
    assert capsys.readouterr().err.startswith("billing-bot: STRIPE_API_KEY is not set")


def test_healthz_answers_ok_and_events_only_accept_post(bot: SlackHarness) -> None:
    health = bot.http.get(bot.url.replace("/slack/events", "/healthz"))
    assert (health.status_code, health.json()) == (200, {"ok": True})
    assert bot.http.get(bot.url).status_code == 405


@pytest.fixture
def bot() -> Iterator[SlackHarness]:
    with running_bot(lookup_gateway()) as harness:
        yield harness
