"""Prometheus metrics: one home for every series the bot exports at /metrics (HTTP mode).

Counters are bumped where the fact is known: the audit log for lookups, reports and actions (so a metric
and an audit row can never disagree), the gateway's HTTP client for Stripe, the Slack client for Slack.
"""

from __future__ import annotations

import re
from typing import Any

from prometheus_client import Counter, Histogram

SLACK_REQUESTS = Counter(
    "billing_slack_requests_total", "Requests from Slack answered (acked), by HTTP status", ["status"]
)
SLACK_ACK_SECONDS = Histogram(
    "billing_slack_ack_seconds",
    "Time from a Slack request's arrival to its HTTP answer",
    buckets=(0.05, 0.1, 0.25, 0.5, 1.0, 2.0, 3.0, 5.0),
)
SLACK_API_ERRORS = Counter(
    "billing_slack_api_errors_total",
    "Slack Web API calls that failed, by method and error",
    ["method", "error"],
)
LOOKUPS = Counter("billing_lookups_total", "Customer cards posted")
REPORTS = Counter("billing_reports_total", "Report requests, by outcome", ["outcome"])
ACTIONS = Counter(
    "billing_actions_total", "Money and portal actions, by kind and outcome", ["kind", "outcome"]
)
STRIPE_SECONDS = Histogram(
    "billing_stripe_request_seconds",
    "Stripe API request latency, by method and endpoint",
    ["method", "endpoint"],
)
STRIPE_ERRORS = Counter(
    "billing_stripe_errors_total",
    "Stripe API requests answered with an error status or not answered, by endpoint",
    ["method", "endpoint", "status"],
)

# Audit events that end an action, and the outcome label they count under.
_ACTION_ENDS = {"action_succeeded", "action_failed", "action_blocked", "portal_session_created"}
_OBJECT_ID = re.compile(r"/[a-z]+_[A-Za-z0-9]+")


def count_audit_event(event: str, outcome: str | None, detail: dict[str, Any]) -> None:
    if event == "lookup":
        LOOKUPS.inc()
    elif event == "report_requested":
        REPORTS.labels(outcome=outcome or "unknown").inc()
    elif event in _ACTION_ENDS:
        kind = str(detail.get("kind") or ("portal_link" if event == "portal_session_created" else "unknown"))
        ACTIONS.labels(kind=kind, outcome=outcome or event).inc()


def stripe_endpoint(path: str) -> str:
    """/v1/charges/ch_123/refunds -> /v1/charges/{id}/refunds: a bounded label set."""
    return _OBJECT_ID.sub("/{id}", path.split("?", 1)[0])
