"""Who may see what billing data shows in aggregate: reports, the digest's Investigate, the message shortcut.

Money actions are checked by billing's ActionPolicy; this is the read side. Every request that reaches a
gate is audited, granted or not, so `billing-bot audit` shows who looked at the company's numbers.
"""

from __future__ import annotations

from handlers.middleware import Operator
from handlers.ports import Services
from messages.format import channel_mention

NOT_A_VIEWER = (
    "Only billing operators (BILLING_OPERATORS) and billing viewers (BILLING_VIEWERS) can use {what}. "
    "Nothing was posted."
)


def may_use(services: Services, operator: Operator, what: str, *, in_billing_channel: bool) -> bool:
    """True when the user (and, for reports, the channel) is allowed; otherwise tell them why, privately."""
    settings = services.settings
    refusal: str | None = None
    if not settings.may_view_reports(operator.user_id):
        refusal = NOT_A_VIEWER.format(what=what)
    elif in_billing_channel and operator.channel_id not in settings.billing_channels:
        refusal = outside_billing_channels_text(services, what)
    services.store.audit(
        "report_requested" if what.startswith("`/billing") else "access_checked",
        actor=operator.user_id,
        outcome="denied" if refusal else "granted",
        detail={"what": what, "channel": operator.channel_id},
    )
    if refusal:
        operator.tell(refusal)
        return False
    return True


def outside_billing_channels_text(services: Services, what: str) -> str:
    channels = services.settings.billing_channels
    if not channels:
        return "No billing channels are configured (BILLING_CHANNELS), so nothing can be shown yet."
    names = ", ".join(channel_mention(channel) for channel in channels)
    return (
        f"{what} is only answered in {names}, where billing data is shared. Run it there; nothing was posted."
    )
