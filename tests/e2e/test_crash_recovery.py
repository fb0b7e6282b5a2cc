"""The real bot process (`billing-bot run --http`) against a sandbox process, killed at the worst moment.

The bot runs with BILLING_TEST_CRASH_AFTER=refund: it SIGKILLs itself right after Stripe answered the refund,
before the result, the audit entry, the card or the handoff were recorded. A second bot process on the same
database must finish the action from Stripe's truth within 10 s of starting: one refund, the handoff
posted, the audit log consistent, and the old Confirm answered "already done".
"""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO

import stripe

from billing.store import Store
from bot.slack_requests import SlackRequests
from bot.slack_standin import Call, SlackStandIn
from tests.e2e.buttons import ActionId
from tests.e2e.forms import open_form, submit_form
from tests.e2e.slack_harness import BILLING_CHANNEL, BOT_TOKEN, OPERATOR, SIGNING_SECRET
from tests.e2e.test_actions_slack import refunds

SECOND = "U0SECONDOP"
START_TIMEOUT = 20.0
RECOVERY_LIMIT = 10.0
ROOT = Path(__file__).resolve().parents[2]


def _read_until(stream: IO[str], pattern: str, timeout: float, seen: list[str]) -> re.Match[str]:
    """Read `stream` line by line until `pattern` matches (the process prints its address when ready)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        line = stream.readline()
        if not line:
            break
        seen.append(line)
        if match := re.search(pattern, line):
            return match
    raise AssertionError(f"no line matching {pattern!r} within {timeout}s; got:\n{''.join(seen)}")


@contextmanager
def sandbox_process(*extra: str) -> Iterator[str]:
    process = subprocess.Popen(
        [sys.executable, "-m", "bot", "sandbox", "--port", "0", "--seed", "demo", *extra],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        assert process.stdout is not None
        match = _read_until(process.stdout, r"listening on (http://127\.0\.0\.1:\d+)", START_TIMEOUT, [])
        yield match.group(1)
    finally:
        process.terminate()
        process.wait(timeout=10)


class BotProcess:
    def __init__(self, env: dict[str, str], cwd: Path) -> None:
        self.log: list[str] = []
        self.started = time.monotonic()
        self.process = subprocess.Popen(
            [sys.executable, "-m", "bot", "run", "--http", "--port", "0"],
            cwd=cwd,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
        )
        assert self.process.stderr is not None
        match = _read_until(self.process.stderr, r"Listening for Slack on (\S+)", START_TIMEOUT, self.log)
        self.url = match.group(1)

    def stop(self) -> int:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
        code = self.process.wait(timeout=30)
        assert self.process.stderr is not None
        self.log.append(self.process.stderr.read())
        return code


def bot_env(standin: SlackStandIn, stripe_base: str, db: Path, **extra: str) -> dict[str, str]:
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("SLACK_", "STRIPE_", "BILLING_"))
    }
    env.update(
        SLACK_BOT_TOKEN=BOT_TOKEN,
        SLACK_SIGNING_SECRET=SIGNING_SECRET,
        SLACK_API_URL=standin.base_url,
        STRIPE_API_KEY="sk_test_crashRecovery0000000000000",
        STRIPE_API_BASE=stripe_base,
        STRIPE_MAX_RETRIES="0",
        BILLING_DB=str(db),
        BILLING_CHANNELS=BILLING_CHANNEL,
        BILLING_OPERATORS=f"{OPERATOR},{SECOND}",
        PYTHONPATH=str(ROOT),
        **extra,
    )
    return env


def slack_for(standin: SlackStandIn, url: str) -> SlackRequests:
    return SlackRequests(
        url=url,
        signing_secret=SIGNING_SECRET,
        response_urls=standin.response_url,
        user_id=OPERATOR,
        channel_id=BILLING_CHANNEL,
    )


def click(slack: SlackRequests, standin: SlackStandIn, call: Call, action_id: str, **fields: str) -> Call:
    before = len(standin.calls_to("chat.update"))
    assert slack.click(call, action_id, **fields).status_code == 200
    return standin.wait_for("chat.update", count=before + 1, timeout=10)[-1]


def refund_prompt(slack: SlackRequests, standin: SlackStandIn) -> Call:
    """/billing pat@example.com -> Product failure -> Refund charge… -> $20.00: the Confirm prompt."""
    assert slack.slash_command("pat@example.com").status_code == 200
    [card] = standin.wait_for("chat.postMessage", timeout=10)
    options = click(slack, standin, card, ActionId.CLASSIFY, bucket="product_failure")
    form = open_form(slack, standin, options, ActionId.REFUND_CHARGE)
    return submit_form(slack, standin, form, {"amount": "20.00"})


def handoffs(standin: SlackStandIn) -> list[Call]:
    return [call for call in standin.calls_to("chat.postMessage") if call.args.get("thread_ts")]


def test_bot_killed_between_the_refund_and_its_audit_entry_finishes_it_after_restart(tmp_path: Path) -> None:
    db = tmp_path / "bot.db"
    with sandbox_process() as stripe_base, SlackStandIn(port=0) as standin:
        client = stripe.StripeClient(
            "sk_test_reader", base_addresses={"api": stripe_base}, max_network_retries=0
        )
        first = BotProcess(bot_env(standin, stripe_base, db, BILLING_TEST_CRASH_AFTER="refund"), tmp_path)
        slack = slack_for(standin, first.url)
        prompt = refund_prompt(slack, standin)
        slack.click(prompt, ActionId.CONFIRM)
        assert first.process.wait(timeout=15) == -signal.SIGKILL
        [refund] = refunds(client, "pat@example.com")  # Stripe refunded; the bot recorded nothing of it
        assert handoffs(standin) == []
        [pending] = Store(db).db["pending_actions"].rows
        assert pending["status"] == "running"

        second = BotProcess(bot_env(standin, stripe_base, db), tmp_path)
        [handoff] = standin.wait_for("chat.postMessage", count=2, timeout=RECOVERY_LIMIT)[1:]
        recovered_in = time.monotonic() - second.started
        slack = slack_for(standin, second.url)
        assert handoff.args["thread_ts"] == prompt.ts
        assert "Refunded: $20.00" in handoff.args["text"]
        final_card = standin.calls_to("chat.update")[-1]
        assert "DONE" in json.dumps(final_card.args["blocks"]) and refund.id in json.dumps(
            final_card.args["blocks"]
        )

        before = len(standin.calls_to("response_url"))
        assert slack.click(prompt, ActionId.CONFIRM, user_id=SECOND).status_code == 200
        [answer] = standin.wait_for("response_url", count=before + 1, timeout=10)[before:]
        assert "Already done by" in answer.args["text"]
        assert second.stop() == 0, "".join(second.log)
        assert [r.id for r in refunds(client, "pat@example.com")] == [refund.id]

    assert recovered_in < RECOVERY_LIMIT
    store = Store(db)
    [pending] = store.db["pending_actions"].rows
    assert (
        pending["status"] == "done"
        and json.loads(pending["result"])["completed"]["refund"]["id"] == refund.id
    )
    rows = store.audit_rows(case_id=pending["case_id"])
    events = [(row["event"], row["outcome"]) for row in rows]
    assert events[-4:] == [
        ("action_confirmed", "running"),
        ("action_resumed", "running"),
        ("action_succeeded", "success"),
        ("handoff_posted", "ok"),
    ]
    [succeeded] = [row for row in rows if row["event"] == "action_succeeded"]
    assert refund.id in json.loads(succeeded["stripe_ids"])
    assert store.target_locks() == {}
    print(f"recovered {recovered_in:.1f} s after the restart")


def test_sigterm_mid_refund_lets_the_action_finish_and_post_its_handoff_before_exiting(
    tmp_path: Path,
) -> None:
    """A deploy's SIGTERM while a Confirm is between Stripe calls: the process stops taking requests, lets
    the action finish (refund, audit, card, handoff), then exits 0. Stripe answers slowly (300 ms a request)
    so that the signal lands while the refund is in flight."""
    db = tmp_path / "bot.db"
    with sandbox_process("--latency-ms", "300") as stripe_base, SlackStandIn(port=0) as standin:
        client = stripe.StripeClient(
            "sk_test_reader", base_addresses={"api": stripe_base}, max_network_retries=0
        )
        bot = BotProcess(bot_env(standin, stripe_base, db), tmp_path)
        slack = slack_for(standin, bot.url)
        prompt = refund_prompt(slack, standin)
        assert slack.click(prompt, ActionId.CONFIRM).status_code == 200  # acked; the refund is under way
        bot.process.send_signal(signal.SIGTERM)
        assert handoffs(standin) == []
        assert bot.stop() == 0, "".join(bot.log)
        [handoff] = handoffs(standin)  # posted before the process exited
        [refund] = refunds(client, "pat@example.com")
    assert "Refunded: $20.00" in handoff.args["text"]
    store = Store(db)
    [pending] = store.db["pending_actions"].rows
    assert pending["status"] == "done"
    events = [row["event"] for row in store.audit_rows(case_id=pending["case_id"])]
    assert events[-3:] == ["action_confirmed", "action_succeeded", "handoff_posted"]
    assert refund.id in json.dumps(
        [row["stripe_ids"] for row in store.audit_rows(case_id=pending["case_id"])]
    )
