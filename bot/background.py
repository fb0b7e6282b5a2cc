"""The bot's background work beside the listeners: crash recovery of money actions, then the outbox."""

from __future__ import annotations

import logging

from slack_sdk import WebClient

from billing.errors import BillingError
from billing.recovery import ActionRecovery
from bot.outbox_worker import Courier, OutboxWorker
from bot.services import Services
from handlers.delivery import deliver_outcome

log = logging.getLogger(__name__)


def recover_and_deliver(services: Services, client: WebClient, recovery: ActionRecovery) -> int:
    """One recovery pass; each finished action gets its final card and handoff (through the outbox)."""
    finished = 0
    for outcome in recovery.run_if_due():
        finished += 1
        try:
            deliver_outcome(services, client, outcome)
        except BillingError as error:
            log.warning(
                "case %s: action finished, card and handoff not built yet: %s", outcome.case_id, error.message
            )
    return finished


def start_background(services: Services, client: WebClient, *, poll_seconds: float = 2.0) -> OutboxWorker:
    """Started by `billing-bot run` before it serves: the first pass runs at once, so actions a crash
    left unfinished are resolved within seconds of the restart."""
    recovery = ActionRecovery(
        services.actions, services.store, services.clock, started_at=services.clock.now()
    )
    worker = OutboxWorker(
        Courier(services.outbox, client),
        poll_seconds=poll_seconds,
        before_each=lambda: recover_and_deliver(services, client, recovery),
    )
    return worker.start()
