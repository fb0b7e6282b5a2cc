"""`/billing digest|plans|portal-check` (ephemeral reports) and the digest's Investigate button."""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt import Ack, App, BoltContext
from slack_bolt.context.respond import Respond
from slack_sdk import WebClient

from billing.errors import BillingError
from billing.snapshot import LookupResult
from handlers.access import may_use
from handlers.lookup_actions import (
    LookupFlow,
    allowed_channels_text,
    first_billing_channel,
    tell_where_posted,
)
from handlers.middleware import Operator, require_button
from handlers.ports import Services
from handlers.work import Lane, run_later
from messages.digest import digest_blocks, digest_fallback_text
from messages.ids import ActionId, ButtonValue
from messages.reports import plans_blocks, plans_text, portal_blocks, portal_text

log = logging.getLogger(__name__)

REPORTS = ("digest", "plans", "portal-check")
FROM_DIGEST = "from the churn-risk digest"


def register(app: App, services: Services) -> None:
    @app.action(ActionId.INVESTIGATE.value)
    def investigate(
        ack: Ack,
        operator: Operator,
        button: ButtonValue | None,
        body: dict[str, Any],
        client: WebClient,
        respond: Respond,
        context: BoltContext,
    ) -> None:
        ack()

        def investigate_if_allowed() -> None:
            if may_use(services, operator, "the digest's Investigate button", in_billing_channel=False):
                handle_investigate(services, client, operator, require_button(button))

        run_later(
            services.work, Lane.INTERACTIVE, body, client, respond, investigate_if_allowed, context=context
        )


def handle_investigate(services: Services, client: WebClient, operator: Operator, value: ButtonValue) -> None:
    """Open the lookup card in the ops channel (the digest channel is usually wider than ops)."""
    target = value.target or ""
    destination = first_billing_channel(services)
    if destination is None or not target:
        operator.tell(allowed_channels_text(services))
        return

    def find() -> LookupResult:
        if target.startswith("cus_"):
            snapshot = services.lookup.snapshot(target, matched_on=FROM_DIGEST)
            return LookupResult(query=target, matched_on=FROM_DIGEST, snapshot=snapshot)
        return services.lookup.lookup(target)

    posted = LookupFlow(services, client).run(
        operator, query=target, destination=destination, find=find, retry=ButtonValue(target=target)
    )
    if posted is not None and posted.channel != operator.channel_id:
        tell_where_posted(client, operator, posted, what=f"the card for `{target}`")


def handle(services: Services, report_name: str, command: dict[str, Any], respond: Respond) -> None:
    """Every report answers only the operator who asked (ephemeral); nothing is posted to the channel.
    Who may ask, and where, is checked before (handlers/access.py)."""
    try:
        text, blocks = _report(services, report_name)
    except BillingError as error:
        respond(text=f"`/billing {report_name}` failed: {error.message}", response_type="ephemeral")
        return
    respond(text=text, blocks=blocks, response_type="ephemeral")


def _report(services: Services, report_name: str) -> tuple[str, list[Any]]:
    if report_name == "digest":
        day = services.reports.digest_day()
        digest = services.reports.digest(channel=services.settings.digest_channel, day=day)
        redact = services.settings.billing_redact_digest
        return digest_fallback_text(digest, day.isoformat()), digest_blocks(
            digest, redact=redact, day=day.isoformat()
        )
    if report_name == "plans":
        mix = services.reports.plan_mix()
        return plans_text(mix), plans_blocks(mix)
    if report_name == "portal-check":
        audit = services.reports.portal_audit()
        return portal_text(audit), portal_blocks(audit)
    raise ValueError(f"unknown report {report_name!r}; expected one of {', '.join(REPORTS)}")
