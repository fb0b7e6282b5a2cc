"""The daily churn-risk digest: an APScheduler cron job in DIGEST_TZ, posting at most once a day.

The once-a-day guarantee lives in SQLite (digest_runs), not in the scheduler, so it holds across restarts
and against a manual `billing-bot digest --post` on the same day.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import date, datetime, timedelta

from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.date import DateTrigger
from slack_sdk import WebClient
from slack_sdk.models.blocks import Block

from billing.digest_models import Digest
from billing.reports import DigestRun
from bot.config import Settings
from bot.services import Services
from messages.digest import digest_blocks, digest_fallback_text

log = logging.getLogger(__name__)

DIGEST_JOB_ID = "billing-digest"
CATCH_UP_JOB_ID = "billing-digest-catch-up"
# A run delayed by a busy process or a short outage still goes out; a whole missed morning does not.
MISFIRE_GRACE = timedelta(hours=2)

# (channel, blocks, fallback text) -> the posted message's ts.
Post = Callable[[str, list[Block], str], str | None]


def chat_poster(client: WebClient) -> Post:
    """Post with a bot-token WebClient (the app's own, or one built for the CLI)."""

    def post(channel: str, blocks: list[Block], text: str) -> str | None:
        response = client.chat_postMessage(
            channel=channel, blocks=blocks, text=text, unfurl_links=False, unfurl_media=False
        )
        return str(response.get("ts") or "") or None

    return post


def post_daily_digest(
    services: Services, post: Post, *, progress: Callable[[int], None] | None = None
) -> DigestRun:
    """Today's digest, rendered for Slack and posted at most once a day (billing.reports keeps the claim)."""
    settings = services.settings
    settings.require("DIGEST_CHANNEL")
    channel = settings.digest_channel
    assert channel is not None

    def publish(digest: Digest, day: date) -> str | None:
        blocks = digest_blocks(digest, redact=settings.billing_redact_digest, day=day.isoformat())
        return post(channel, blocks, digest_fallback_text(digest, day.isoformat()))

    return services.reports.run_daily_digest(channel, publish, progress=progress)


def digest_trigger(settings: Settings) -> CronTrigger:
    zone = settings.digest_zone
    return CronTrigger(hour=settings.digest_time.hour, minute=settings.digest_time.minute, timezone=zone)


def todays_fire_time(settings: Settings, now: datetime) -> datetime:
    local_now = now.astimezone(settings.digest_zone)
    return datetime.combine(local_now.date(), settings.digest_time, tzinfo=settings.digest_zone)


def build_scheduler(services: Services, post: Post) -> BackgroundScheduler:
    """Not started: the caller starts it. Also queues a catch-up run if the bot (re)starts within the
    grace period after today's time; the SQLite claim makes that a no-op when the day was already posted."""
    settings = services.settings
    scheduler = BackgroundScheduler(timezone=settings.digest_zone)

    def run() -> None:
        post_daily_digest(services, post)

    scheduler.add_job(
        run,
        digest_trigger(settings),
        id=DIGEST_JOB_ID,
        name="Daily churn-risk digest",
        replace_existing=True,
        coalesce=True,
        max_instances=1,
        misfire_grace_time=int(MISFIRE_GRACE.total_seconds()),
    )
    now = services.clock.now()
    fire_time = todays_fire_time(settings, now)
    if fire_time <= now <= fire_time + MISFIRE_GRACE:
        scheduler.add_job(
            run,
            DateTrigger(run_date=now, timezone=settings.digest_zone),
            id=CATCH_UP_JOB_ID,
            name="Churn-risk digest catch-up after a restart",
            replace_existing=True,
            misfire_grace_time=int(MISFIRE_GRACE.total_seconds()),
        )
    return scheduler
