"""The reports Slack and the CLI both produce: the churn-risk digest (and its once-a-day run), the plan
mix and the portal audit. Adapters only render and deliver what these return."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, tzinfo

from billing.clock import Clock
from billing.digest import collect_digest
from billing.digest_models import Digest
from billing.digest_runs import CLAIM_EXPIRES_AFTER, DigestRuns
from billing.plan_models import PlanMix
from billing.plans import collect_plan_mix
from billing.portal_audit import PortalAudit, audit_portal
from billing.ports import BillingGateway
from billing.store import Store

log = logging.getLogger(__name__)

Progress = Callable[[int], None]
# Renders and posts a digest for a day; returns the posted message's ts.
Publish = Callable[[Digest, date], str | None]


@dataclass(frozen=True)
class DigestRun:
    day: date
    posted: bool
    digest: Digest | None = None
    message_ts: str | None = None
    # Not posted because another run holds the day without having posted: since when, and when it expires.
    unfinished_since: datetime | None = None

    @property
    def retry_after(self) -> datetime | None:
        return self.unfinished_since + CLAIM_EXPIRES_AFTER if self.unfinished_since else None


class ReportService:
    def __init__(
        self, gateway: BillingGateway, store: Store, clock: Clock, *, zone: tzinfo, main_currency: str
    ) -> None:
        self.gateway = gateway
        self.store = store
        self.clock = clock
        self.zone = zone
        self.main_currency = main_currency

    def digest_day(self) -> date:
        return self.clock.now().astimezone(self.zone).date()

    def digest(self, *, channel: str | None, day: date, progress: Progress | None = None) -> Digest:
        """The digest as it would be posted today: churn and changes measured from the previous posted one."""
        previous = DigestRuns(self.store).previous(channel, before=day) if channel else None
        return collect_digest(
            self.gateway,
            now=self.clock.now(),
            since=previous.posted_at if previous else None,
            previous=previous.totals if previous else None,
            main_currency=self.main_currency,
            progress=progress,
        )

    def run_daily_digest(
        self, channel: str, publish: Publish, *, progress: Progress | None = None
    ) -> DigestRun:
        """Claim today's row, then build and publish; a failure gives the day back for a later attempt."""
        day = self.digest_day()
        runs = DigestRuns(self.store)
        if not runs.claim(channel, day):
            unfinished = runs.unfinished_since(channel, day)
            log.info(
                "Digest for %s on %s already %s; skipping",
                channel,
                day,
                "claimed" if unfinished else "posted",
            )
            return DigestRun(day=day, posted=False, unfinished_since=unfinished)
        try:
            digest = self.digest(channel=channel, day=day, progress=progress)
            message_ts = publish(digest, day)
        except BaseException:
            runs.release(channel, day)
            raise
        runs.record_posted(
            channel, day, posted_at=self.clock.now(), message_ts=message_ts, totals=digest.totals
        )
        log.info("Digest posted to %s for %s (%d rows)", channel, day, len(digest.rows))
        return DigestRun(day=day, posted=True, digest=digest, message_ts=message_ts)

    def plan_mix(self, *, progress: Progress | None = None) -> PlanMix:
        return collect_plan_mix(self.gateway, now=self.clock.now(), progress=progress)

    def portal_audit(self) -> PortalAudit:
        return audit_portal(self.gateway.list_portal_configurations(), self.store.gap_counts())
