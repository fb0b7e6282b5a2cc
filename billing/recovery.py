"""Finishing what a crash, a deploy or an unknown Stripe outcome left unfinished, from Stripe's truth.

On start the bot resumes every action that was 'running' when the previous process died and every action
with a Stripe call of unknown outcome; afterwards, periodically, those whose claim went stale. Each resumes
through ActionService.resume, which reads Stripe for the step's effect before sending anything
(billing/reconcile.py), so at most one refund, cancel or payment ever results. The caller then posts the
card and the handoff (handlers/delivery.py) for each finished action.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from billing.action_models import ActionOutcome
from billing.actions import STALE_CLAIM, ActionService
from billing.clock import Clock
from billing.errors import BillingError
from billing.store import Store

log = logging.getLogger(__name__)

# Between passes after the first: an uncertain action waits at most this long for Stripe's truth.
RECOVERY_INTERVAL = timedelta(seconds=30)


class ActionRecovery:
    def __init__(self, actions: ActionService, store: Store, clock: Clock, *, started_at: datetime) -> None:
        self.actions = actions
        self.store = store
        self.clock = clock
        self.started_at = started_at
        self._last_pass: datetime | None = None

    def stale_after(self) -> timedelta:
        """A claim made before this process started belongs to a process that is gone; any other claim is
        taken over only once stale, as a Confirm would."""
        return max(timedelta(0), min(STALE_CLAIM, self.clock.now() - self.started_at))

    def due(self) -> bool:
        return self._last_pass is None or self.clock.now() - self._last_pass >= RECOVERY_INTERVAL

    def run(self) -> list[ActionOutcome]:
        """One pass: every unfinished action, oldest first; what cannot finish now stays for the next."""
        self._last_pass = self.clock.now()
        stale_after = self.stale_after()
        outcomes: list[ActionOutcome] = []
        for nonce in self.store.unfinished_actions(claimed_before=self.clock.now() - stale_after):
            try:
                outcome = self.actions.resume(nonce, stale_after=stale_after)
            except BillingError as error:
                log.warning("action %s not finished yet: %s", nonce, error.message)
                continue
            if outcome is not None:
                log.info("action %s finished after a restart or an unknown outcome", nonce)
                outcomes.append(outcome)
        return outcomes

    def run_if_due(self) -> list[ActionOutcome]:
        return self.run() if self.due() else []
