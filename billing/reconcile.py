"""Stripe's truth for a step whose outcome is unknown (timeout, 5xx, crash, a deploy's SIGTERM).

Never a blind resend: first read Stripe for the step's effect (the refund carrying the action's nonce in its
metadata, the subscription cancelled, the invoice paid: each action's `find_effect`, billing/action_kinds/).
Only if it is not there is the step sent again, with exactly the parameters and idempotency key of its first
attempt, which are stored with the pending action; so whoever confirms, the request is the same. A new key
only once Stripe refused the first (a new generation, see billing.action_kinds.steps.idempotency_key) or the
first is older than Stripe's 24-hour key window, after which Stripe would no longer recognise it.
"""

from __future__ import annotations

from datetime import datetime, timedelta

STRIPE_KEY_WINDOW = timedelta(hours=24)
# Renew a little before Stripe forgets the key, so a resend is never the first request under a key that
# Stripe has already dropped while our record still says it is "the first one".
KEY_RENEW_AFTER = STRIPE_KEY_WINDOW - timedelta(hours=1)
NONCE_METADATA = "billing_ops_nonce"


def key_expired(first_sent_at: str | None, now: datetime) -> bool:
    return first_sent_at is not None and now - datetime.fromisoformat(first_sent_at) >= KEY_RENEW_AFTER
