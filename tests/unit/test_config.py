import subprocess
import sys
from datetime import time
from pathlib import Path

import pytest

from billing.errors import ConfigError
from bot.config import load_settings

SECRET_KEY = "sk_test_" + "S3cr3tValue" * 3
ENV_NAMES = [
    "SLACK_BOT_TOKEN", "SLACK_SIGNING_SECRET", "SLACK_APP_TOKEN", "SLACK_API_URL", "STRIPE_API_KEY",
    "STRIPE_API_BASE", "BILLING_DB", "BILLING_OPERATORS", "BILLING_CHANNELS", "DIGEST_CHANNEL", "DIGEST_TIME",
    "DIGEST_TZ", "BILLING_ALLOW_LIVE", "BILLING_APPROVAL_ABOVE", "BILLING_REFUND_APPROVAL_ABOVE", "BILLING_REDACT_DIGEST",
]  # fmt: skip


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: object) -> None:
    for name in ENV_NAMES:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)  # type: ignore[arg-type]  # no stray .env


def test_lists_and_times_are_parsed(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BILLING_OPERATORS", "U01AAA, U02BBB")
    monkeypatch.setenv("BILLING_CHANNELS", "C01OPS")
    monkeypatch.setenv("DIGEST_TIME", "07:30")
    monkeypatch.setenv("DIGEST_TZ", "Europe/Berlin")
    settings = load_settings()
    assert settings.billing_operators == ["U01AAA", "U02BBB"]
    assert settings.billing_channels == ["C01OPS"]
    assert settings.digest_time == time(7, 30)
    assert settings.is_operator("U02BBB") and not settings.is_operator("U03CCC")


@pytest.mark.parametrize(
    ("name", "value", "expected"),
    [
        ("DIGEST_TIME", "25:00", "DIGEST_TIME is invalid: expected HH:MM"),
        ("DIGEST_TZ", "Mars/Olympus", "DIGEST_TZ is invalid: expected an IANA time zone"),
        ("BILLING_OPERATORS", "alice", "BILLING_OPERATORS is invalid: expected Slack user IDs"),
        ("BILLING_CHANNELS", "#ops", "BILLING_CHANNELS is invalid: expected Slack channel IDs"),
        (
            "BILLING_APPROVAL_ABOVE",
            "lots",
            "BILLING_APPROVAL_ABOVE is invalid: expected CURRENCY:AMOUNT like USD:500",
        ),
        ("SLACK_API_URL", "slack.local", "SLACK_API_URL is invalid: expected an http(s) URL"),
        ("BILLING_ALLOW_LIVE", "perhaps", "BILLING_ALLOW_LIVE is invalid"),
    ],
)
def test_malformed_setting_names_the_variable(
    monkeypatch: pytest.MonkeyPatch, name: str, value: str, expected: str
) -> None:
    monkeypatch.setenv(name, value)
    with pytest.raises(ConfigError) as raised:
        load_settings()
    assert str(raised.value).startswith(expected)
    assert "\n" not in str(raised.value)


def test_malformed_secret_is_not_echoed(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("STRIPE_API_KEY", "pk_test_" + "PublishableOops" * 2)
    with pytest.raises(ConfigError) as raised:
        load_settings()
    assert "STRIPE_API_KEY is invalid" in str(raised.value)
    assert "PublishableOops" not in str(raised.value)


def test_live_key_needs_explicit_consent(monkeypatch: pytest.MonkeyPatch) -> None:
    live_key = "rk_live_" + "L1ve" * 6
    monkeypatch.setenv("STRIPE_API_KEY", live_key)
    with pytest.raises(ConfigError, match="BILLING_ALLOW_LIVE=true") as raised:
        load_settings()
    assert live_key not in str(raised.value)
    monkeypatch.setenv("BILLING_ALLOW_LIVE", "true")
    assert load_settings().stripe_live


def test_missing_required_setting_is_one_line(monkeypatch: pytest.MonkeyPatch) -> None:
    settings = load_settings()
    with pytest.raises(ConfigError) as raised:
        settings.require("STRIPE_API_KEY")
    assert str(raised.value).startswith("STRIPE_API_KEY is not set")


def test_secrets_are_hidden_in_repr(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("STRIPE_API_KEY", SECRET_KEY)
    monkeypatch.setenv("SLACK_BOT_TOKEN", "xoxb-" + "bot-secret-1234")
    settings = load_settings()
    assert SECRET_KEY not in repr(settings) and "bot-secret-1234" not in repr(settings)
    assert SECRET_KEY not in settings.model_dump_json()


def test_cli_stops_with_one_line_and_non_zero_exit(tmp_path: Path) -> None:
    env = {"PATH": "/usr/bin:/bin", "DIGEST_TZ": "Nowhere/Special", "STRIPE_API_KEY": SECRET_KEY}
    result = subprocess.run(
        [sys.executable, "-m", "bot", "run"],
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
        timeout=60,
    )
    assert result.returncode != 0
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert lines == [lines[-1]] and "DIGEST_TZ is invalid" in lines[-1], result.stderr
    assert SECRET_KEY not in result.stdout + result.stderr
