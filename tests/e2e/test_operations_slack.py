"""What a team operating the bot sees of a refund: INFO lines with IDs and no PII, JSON logs, /metrics."""

from __future__ import annotations

import json
import logging
from pathlib import Path

import pytest
import stripe

from billing.clock import FixedClock
from billing.sandbox import SandboxServer
from bot.logs import JsonFormatter
from messages.ids import ActionId
from tests.e2e.test_actions_slack import (
    bot_for,
    classify,
    click_and_wait,
    clock,  # noqa: F401  (fixture)
    db,  # noqa: F401  (fixture)
    refunds,
    submit_refund,
)


def metric(text: str, name: str, **labels: str) -> float:
    """One sample of Prometheus text output; 0 when the series has not been created yet."""
    for line in text.splitlines():
        if line.startswith(f"{name}{{") and all(f'{k}="{v}"' in line for k, v in labels.items()):
            return float(line.rsplit(" ", 1)[1])
    return 0.0


def test_a_refund_logs_ids_without_pii_as_text_and_json_and_shows_in_metrics(
    demo_sandbox: SandboxServer,
    demo_stripe_client: stripe.StripeClient,
    db: Path,  # noqa: F811
    clock: FixedClock,  # noqa: F811
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.INFO)
    with bot_for(demo_sandbox, db, clock) as bot:
        metrics_url = bot.url.replace("/slack/events", "/metrics")
        before = bot.http.get(metrics_url).text
        prompt = submit_refund(bot, classify(bot, "pat@example.com", "product_failure"), "20.00")
        click_and_wait(bot, prompt, ActionId.CONFIRM)
        bot.wait_idle()
        after = bot.http.get(metrics_url).text
        case_id = bot.services.store.db.execute("select id from cases").fetchone()[0]
        nonce = bot.services.store.db.execute("select nonce from pending_actions").fetchone()[0]

    [refund] = refunds(demo_stripe_client, "pat@example.com")
    [succeeded] = [record for record in caplog.records if record.getMessage().startswith("action_succeeded")]
    line = succeeded.getMessage()
    assert succeeded.levelno == logging.INFO
    assert f"case_id={case_id}" in line and f"nonce={nonce}" in line and "stripe_request_id=req_" in line
    assert refund.id in line
    bot_lines = [
        record for record in caplog.records if record.name.startswith(("billing", "bot", "handlers"))
    ]
    assert {"lookup", "action_requested", "action_confirmed"} <= {
        record.getMessage().split(" ", 1)[0] for record in bot_lines
    }
    everything = "\n".join(record.getMessage() for record in caplog.records)
    assert "pat@example.com" not in everything and "4242" not in everything

    as_json = [json.loads(JsonFormatter().format(record)) for record in caplog.records]
    [entry] = [entry for entry in as_json if entry.get("event") == "action_succeeded"]
    assert (entry["case_id"], entry["nonce"], entry["action"]) == (case_id, nonce, "refund")
    assert entry["stripe_request_id"].startswith("req_")

    labels = {"kind": "refund", "outcome": "success"}
    assert (
        metric(after, "billing_actions_total", **labels)
        == metric(before, "billing_actions_total", **labels) + 1
    )
    assert metric(after, "billing_stripe_request_seconds_count", method="post", endpoint="/v1/refunds") >= 1
    assert metric(after, "billing_slack_requests_total", status="200") > metric(
        before, "billing_slack_requests_total", status="200"
    )
