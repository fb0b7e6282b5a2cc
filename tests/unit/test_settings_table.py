"""Every setting in .env.example, fed malformed values, stops `billing-bot run` with exit 2 and one line
naming it; and credentials Slack or Stripe refuse at start do the same."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from billing.sandbox import SandboxServer
from bot.cli import main
from bot.slack_standin import SlackStandIn
from tests.e2e.slack_harness import BOT_TOKEN, SIGNING_SECRET, STRIPE_KEY

REPO = Path(__file__).resolve().parents[2]
SETTING_LINE = re.compile(r"^([A-Z][A-Z0-9_]*)=", re.MULTILINE)

MALFORMED: dict[str, list[str]] = {
    "SLACK_BOT_TOKEN": ["xoxp-a-user-token", "not-a-token"],
    "SLACK_SIGNING_SECRET": ["short", "has spaces in it 0123456789"],
    "SLACK_APP_TOKEN": ["xoxb-the-wrong-kind"],
    "SLACK_API_URL": ["slack.com/api", "ftp://slack.com/api/"],
    "STRIPE_API_KEY": ["pk_test_publishable0key", "sk_test_has space", "sk_live_realmoney0key"],
    "STRIPE_API_BASE": ["api.stripe.com"],
    "STRIPE_MAX_RETRIES": ["many", "9", "-1"],
    "STRIPE_TIMEOUT_SECONDS": ["0", "NaN", "soon", "500"],
    "STRIPE_RATE_LIMIT": ["0", "-25", "NaN", "fast", "100000"],
    "BILLING_ALLOW_LIVE": ["perhaps"],
    "BILLING_DB": ["relative/billing.db", "/proc/billing-ops/billing.db", "/"],
    "BILLING_OPERATORS": ["alice", "U01AAA, #ops"],
    "BILLING_VIEWERS": ["bob@example.com"],
    "BILLING_CHANNELS": ["#ops", "ops"],
    "BILLING_APPROVAL_ABOVE": ["lots", "USD:NaN", "-5", "Infinity", "USD:5,usd:6", "US:5"],
    "BILLING_MAIN_CURRENCY": ["dollars", "us"],
    "BILLING_IDENTITY_METADATA_KEY": ["has space", "x" * 41],
    "BILLING_PORTAL_RETURN_URL": [
        "http://example.com/account",
        "example.com/account",
        "https://",
        "https://a b",
    ],
    "DIGEST_CHANNEL": ["#digest"],
    "DIGEST_TIME": ["25:00", "9am"],
    "DIGEST_TZ": ["Mars/Olympus"],
    "BILLING_REDACT_DIGEST": ["maybe"],
    "LOG_FORMAT": ["xml"],
    "LOG_LEVEL": ["LOUD"],
    "BILLING_TEST_CRASH_AFTER": ["always"],
}


def documented_settings() -> list[str]:
    return SETTING_LINE.findall((REPO / ".env.example").read_text())


@pytest.fixture
def valid_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.chdir(tmp_path)  # no .env
    for name in documented_settings():
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("SLACK_BOT_TOKEN", BOT_TOKEN)
    monkeypatch.setenv("SLACK_SIGNING_SECRET", SIGNING_SECRET)
    monkeypatch.setenv("STRIPE_API_KEY", STRIPE_KEY)
    monkeypatch.setenv("BILLING_DB", str(tmp_path / "billing.db"))


def test_every_documented_setting_has_malformed_values_in_this_table() -> None:
    assert sorted(documented_settings()) == sorted(MALFORMED)


LOG_LINE = re.compile(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d+ (INFO|WARNING) ")


def run_fails_with_one_line(capsys: pytest.CaptureFixture[str]) -> str:
    """Exit 2 and one line saying why; before it at most the start-up's own log lines, never a traceback."""
    assert main(["run", "--http", "--port", "0"]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    lines = captured.err.splitlines()
    assert all(LOG_LINE.match(line) for line in lines[:-1]), captured.err
    assert lines[-1].startswith("billing-bot: ")
    return lines[-1] + "\n"


@pytest.mark.parametrize(
    ("name", "value"), [(name, value) for name, values in MALFORMED.items() for value in values]
)
def test_a_malformed_setting_stops_run_with_one_line_naming_it(
    valid_env: None,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    name: str,
    value: str,
) -> None:
    monkeypatch.setenv(name, value)
    err = run_fails_with_one_line(capsys)
    assert err.startswith(f"billing-bot: {name} ")
    if name in ("SLACK_BOT_TOKEN", "SLACK_SIGNING_SECRET", "SLACK_APP_TOKEN", "STRIPE_API_KEY"):
        assert value not in err  # secrets are never echoed, even malformed


def test_a_bad_port_is_one_line(valid_env: None, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        main(["run", "--http", "--port", "70000"])
    assert exited.value.code == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "--port" in err and "70000" in err


def test_surrounding_whitespace_in_keys_and_tokens_is_stripped(
    valid_env: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    from bot.config import load_settings

    monkeypatch.setenv("STRIPE_API_KEY", f"  {STRIPE_KEY}\n")
    monkeypatch.setenv("SLACK_BOT_TOKEN", f"{BOT_TOKEN}\r\n")
    settings = load_settings()
    assert settings.stripe_api_key is not None and settings.stripe_api_key.get_secret_value() == STRIPE_KEY
    assert settings.slack_bot_token is not None and settings.slack_bot_token.get_secret_value() == BOT_TOKEN


# --- credentials the platforms refuse at start -----------------------------------------------------------


def test_a_revoked_slack_token_stops_run_with_one_line(
    valid_env: None,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    sandbox: SandboxServer,
) -> None:
    monkeypatch.setenv("STRIPE_API_BASE", sandbox.base_url)
    with SlackStandIn(port=0, token="xoxb-the-only-valid-token") as slack:
        monkeypatch.setenv("SLACK_API_URL", slack.base_url)
        err = run_fails_with_one_line(capsys)
    assert err == "billing-bot: SLACK_BOT_TOKEN was refused by Slack: invalid_auth\n"


def test_a_wrong_app_token_stops_socket_mode_with_one_line(
    valid_env: None,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    sandbox: SandboxServer,
) -> None:
    monkeypatch.setenv("STRIPE_API_BASE", sandbox.base_url)
    monkeypatch.setenv("SLACK_APP_TOKEN", "xapp-1-revoked")
    with SlackStandIn(port=0, token=BOT_TOKEN) as slack:
        monkeypatch.setenv("SLACK_API_URL", slack.base_url)
        assert main(["run"]) == 2
    err = capsys.readouterr().err
    assert err.splitlines()[-1] == "billing-bot: SLACK_APP_TOKEN was refused by Slack: invalid_auth"
    assert "Traceback" not in err


def test_slack_unreachable_at_start_is_one_line(
    valid_env: None,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    sandbox: SandboxServer,
) -> None:
    monkeypatch.setenv("STRIPE_API_BASE", sandbox.base_url)
    monkeypatch.setenv("SLACK_API_URL", "http://127.0.0.1:9/api/")
    assert run_fails_with_one_line(capsys).startswith("billing-bot: SLACK_API_URL is unreachable")


def test_a_stripe_key_stripe_refuses_stops_run_with_one_line(
    valid_env: None,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    sandbox: SandboxServer,
) -> None:
    monkeypatch.setenv("STRIPE_API_BASE", sandbox.base_url)
    monkeypatch.setenv("STRIPE_API_KEY", "rk_live_revokedKey0000")  # the sandbox accepts test keys only
    monkeypatch.setenv("BILLING_ALLOW_LIVE", "true")
    err = run_fails_with_one_line(capsys)
    assert err.startswith("billing-bot: STRIPE_API_KEY was refused by Stripe")


def test_stripe_unreachable_at_start_is_one_line(
    valid_env: None, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("STRIPE_API_BASE", "http://127.0.0.1:9")
    monkeypatch.setenv("STRIPE_MAX_RETRIES", "0")
    assert run_fails_with_one_line(capsys).startswith("billing-bot: STRIPE_API_BASE is unreachable")


def test_commands_that_only_need_stripe_do_not_ask_for_slack_tokens(
    valid_env: None,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    demo_sandbox: SandboxServer,
) -> None:
    for name in ("SLACK_BOT_TOKEN", "SLACK_SIGNING_SECRET"):
        monkeypatch.delenv(name)
    monkeypatch.setenv("STRIPE_API_BASE", demo_sandbox.base_url)
    for command in (["lookup", "jane@example.com"], ["plans"], ["portal-check"], ["digest"]):
        assert main(command) == 0, command
    assert "SLACK" not in capsys.readouterr().err
