"""Every audited fact is also an INFO line (text or JSON, see bot/logs.py), with IDs only."""

from __future__ import annotations

import logging
from typing import Any

log = logging.getLogger("billing.store")


def log_audit(
    event: str,
    actor: str | None,
    case_id: str | None,
    customer_id: str | None,
    stripe_ids: list[str] | None,
    stripe_request_id: str | None,
    outcome: str | None,
    detail: dict[str, Any],
) -> None:
    """Every audited fact is also an INFO line, with IDs only: `detail` can quote a query (an email) or a
    customer's words, so it stays in the database."""
    fields = {
        "event": event,
        "actor": actor,
        "case_id": case_id,
        "customer_id": customer_id,
        "nonce": detail.get("nonce"),
        "action": detail.get("kind"),
        "stripe_ids": stripe_ids or [],
        "stripe_request_id": stripe_request_id,
        "outcome": outcome,
    }
    shown = " ".join(f"{key}={value}" for key, value in fields.items() if value and key != "event")
    log.info("%s %s", event, shown, extra=fields)
