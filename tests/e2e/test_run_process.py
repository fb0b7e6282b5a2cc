"""`billing-bot run` as a deploy starts it: a separate process, `.env.example` copied with the secrets filled
in, talking to Slack (the stand-in) and Stripe (the sandbox) over HTTP. It serves, and loads only product code."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest

from billing.sandbox import SandboxServer
from bot.slack_requests import SlackRequests
from bot.slack_standin import SlackStandIn
from tests.e2e.slack_harness import BILLING_CHANNEL, BOT_TOKEN, OPERATOR, SIGNING_SECRET

REPO = Path(__file__).resolve().parents[2]
LISTENING = re.compile(r"Listening for Slack on (http://\S+/slack/events)")
# Modules a production process must never import: the emulator, the Slack stand-in, the demo driver and
# the playground.
NOT_FOR_PRODUCTION = (
    "billing.sandbox",
    "bot.slack_standin",
    "bot.demo",
    "bot.slack_requests",
    "bot.playground",
)
SECRETS = {
    "SLACK_BOT_TOKEN": BOT_TOKEN,
    "SLACK_SIGNING_SECRET": SIGNING_SECRET,
    "STRIPE_API_KEY": "sk_test_runProcessKey0000",
}


def env_file_from_example(folder: Path) -> Path:
    """.env.example unchanged except that the three secrets are filled in."""
    text = (REPO / ".env.example").read_text()
    for name, value in SECRETS.items():
        text, count = re.subn(rf"^{name}=$", f"{name}={value}", text, flags=re.MULTILINE)
        assert count == 1, name
    path = folder / ".env"
    path.write_text(text)
    return path


@pytest.fixture
def running(demo_sandbox: SandboxServer, tmp_path: Path) -> Iterator[tuple[str, SlackStandIn, Process]]:
    env_file_from_example(tmp_path)
    with SlackStandIn(port=0, token=BOT_TOKEN) as slack:
        env = {
            key: value
            for key, value in os.environ.items()
            if not key.startswith(("SLACK_", "STRIPE_", "BILLING_", "DIGEST_", "LOG_"))
        }
        # Only the addresses change: where "Slack" and "Stripe" are on this machine. And a HOME of its own,
        # so the default database lands in this test's folder.
        env.update(
            SLACK_API_URL=slack.base_url,
            STRIPE_API_BASE=demo_sandbox.base_url,
            BILLING_CHANNELS=BILLING_CHANNEL,
            BILLING_OPERATORS=OPERATOR,
            XDG_DATA_HOME=str(tmp_path / "data"),
            # The scheduler starts too; its time is hours away so no catch-up digest posts during the test.
            DIGEST_CHANNEL="C0DIGEST1",
            DIGEST_TIME=f"{(datetime.now(UTC) + timedelta(hours=6)):%H:%M}",
        )
        process = subprocess.Popen(
            [sys.executable, "-X", "importtime", "-m", "bot", "run", "--port", "0"],
            cwd=tmp_path,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
        )
        started = Process(process)
        try:
            yield started.wait_until_listening(), slack, started
        finally:
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
            process.wait(timeout=20)


class Process:
    """The bot's process and everything it wrote to stderr (start-up lines included)."""

    def __init__(self, process: subprocess.Popen[str]) -> None:
        self.process = process
        self.err: list[str] = []

    def wait_until_listening(self) -> str:
        assert self.process.stderr is not None
        for line in self.process.stderr:
            self.err.append(line)
            match = LISTENING.search(line)
            if match:
                return match.group(1)
        pytest.fail("billing-bot run exited before listening:\n" + "".join(self.err[-20:]))

    def stop(self) -> tuple[int, list[str]]:
        self.process.send_signal(signal.SIGTERM)
        _, rest = self.process.communicate(timeout=20)
        return self.process.returncode, self.err + rest.splitlines()


def test_env_example_with_secrets_starts_in_http_mode_loading_no_emulator_stand_in_or_demo(
    running: tuple[str, SlackStandIn, Process], tmp_path: Path
) -> None:
    url, slack, process = running
    health = httpx.get(url.replace("/slack/events", "/healthz"), timeout=10)
    assert (health.status_code, health.json()) == (200, {"ok": True})
    assert (tmp_path / "data" / "billing-ops" / "billing-ops.db").is_file()

    requests = SlackRequests(
        url=url,
        signing_secret=SIGNING_SECRET,
        response_urls=slack.response_url,
        user_id=OPERATOR,
        channel_id=BILLING_CHANNEL,
    )
    assert requests.slash_command("jane@example.com").status_code == 200
    [card] = slack.wait_for("chat.postMessage", timeout=20)
    assert "Jane Doe" in str(card.args["blocks"])
    metrics = httpx.get(url.replace("/slack/events", "/metrics"), timeout=10).text
    assert "billing_lookups_total 1.0" in metrics

    returncode, err = process.stop()
    assert returncode == 0  # SIGTERM ends it like Ctrl-C: cleanly
    imported = {line.split("|")[-1].strip() for line in err if line.startswith("import time:")}
    assert "bot.cli.run" in imported and "billing.gateway" in imported
    loaded = sorted(name for name in imported if name.startswith(NOT_FOR_PRODUCTION))
    assert loaded == []
    log_lines = [line for line in err if not line.startswith("import time:")]
    assert not [line for line in log_lines if " WARNING " in line or " ERROR " in line or "Traceback" in line]
