"""Several processes on one database, as a deploy, a cron job and an operator's shell produce them."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

from billing.digest_runs import CLAIM_EXPIRES_AFTER
from billing.sandbox import SandboxServer
from bot.slack_standin import SlackStandIn
from tests.e2e.slack_harness import BOT_TOKEN

OPEN_STORE = """
import sys
from billing.store import Store
print("ready", flush=True)
sys.stdin.readline()
Store(sys.argv[1])
print("started", flush=True)
"""


def test_two_processes_starting_together_on_a_fresh_database_both_start(tmp_path: Path) -> None:
    for trial in range(20):
        db = tmp_path / f"trial{trial}" / "billing.db"
        processes = [
            subprocess.Popen(
                [sys.executable, "-c", OPEN_STORE, str(db)],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
            )
            for _ in range(2)
        ]
        for process in processes:  # both imported and waiting: release them at once
            assert process.stdout is not None and process.stdout.readline() == "ready\n"
        for process in processes:
            assert process.stdin is not None
            process.stdin.write("go\n")
            process.stdin.flush()
        for process in processes:
            out, err = process.communicate(timeout=60)
            assert (process.returncode, out, err) == (0, "started\n", ""), f"trial {trial}"


def test_digest_post_from_two_processes_posts_once(demo_sandbox: SandboxServer, tmp_path: Path) -> None:
    with SlackStandIn(port=0) as slack:
        env = {
            **os.environ,
            "BILLING_DB": str(tmp_path / "billing.db"),
            "DIGEST_CHANNEL": "C0DIGEST1",
            "SLACK_BOT_TOKEN": BOT_TOKEN,
            "SLACK_API_URL": slack.base_url,
            "STRIPE_API_KEY": demo_sandbox.api_key,
            "STRIPE_API_BASE": demo_sandbox.base_url,
        }
        processes = [
            subprocess.Popen(
                [sys.executable, "-m", "bot", "digest", "--post"],
                env=env,
                cwd=tmp_path,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.PIPE,
                text=True,
            )
            for _ in range(2)
        ]
        errors = [process.communicate(timeout=120)[1] for process in processes]
        assert [process.returncode for process in processes] == [0, 0], errors
        assert len(slack.calls_to("chat.postMessage")) == 1
        said = "\n".join(errors)
        assert "Posted to C0DIGEST1" in said
        assert "already posted" in said or "has not posted" in said


def test_a_digest_run_killed_while_building_can_run_again_after_the_stated_time(
    demo_sandbox: SandboxServer, tmp_path: Path
) -> None:
    db = tmp_path / "billing.db"
    with SlackStandIn(port=0) as slack:
        env = {
            **os.environ,
            "BILLING_DB": str(db),
            "DIGEST_CHANNEL": "C0DIGEST1",
            "SLACK_BOT_TOKEN": BOT_TOKEN,
            "SLACK_API_URL": slack.base_url,
            "STRIPE_API_KEY": demo_sandbox.api_key,
            "STRIPE_API_BASE": demo_sandbox.base_url,
        }
        command = [sys.executable, "-m", "bot", "digest", "--post"]
        demo_sandbox.clear_log()
        demo_sandbox.set_latency_ms(10_000)  # every Stripe read now hangs: the run is mid-build
        doomed = subprocess.Popen(
            command, env=env, cwd=tmp_path, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
        )
        try:
            demo_sandbox.wait_for_requests(1, timeout=30)  # it claimed the day, then started reading Stripe
        finally:
            doomed.kill()
            doomed.wait(timeout=10)
        demo_sandbox.set_latency_ms(0)

        again = subprocess.run(command, env=env, cwd=tmp_path, capture_output=True, text=True, timeout=120)
        assert again.returncode == 0 and slack.calls_to("chat.postMessage") == []
        assert "has not posted" in again.stderr and "run this again after" in again.stderr

        # The stated time passes (the claim ages past CLAIM_EXPIRES_AFTER): the next run posts.
        with sqlite3.connect(db) as connection:
            aged = (datetime.now(UTC) - CLAIM_EXPIRES_AFTER - timedelta(minutes=1)).isoformat(
                timespec="seconds"
            )
            connection.execute("update digest_runs set claimed_at = ?", [aged])
        last = subprocess.run(command, env=env, cwd=tmp_path, capture_output=True, text=True, timeout=120)
        assert last.returncode == 0, last.stderr
        assert len(slack.calls_to("chat.postMessage")) == 1
