"""A billing-portal session for the customer to fix it themselves, when the portal can do what the bucket
needs; otherwise the missing portal features are recorded as product gaps."""

from __future__ import annotations

from typing import ClassVar

from billing.action_kinds import wording
from billing.action_kinds.base import IdFormat, definition, register
from billing.action_kinds.without_change import WithoutChange
from billing.action_models import ActionKind, ActionOutcome, Interaction
from billing.change_models import PortalFlowType
from billing.models import Bucket, PortalConfiguration
from billing.snapshot import CustomerSnapshot

PORTAL_FEATURES_NEEDED: dict[Bucket, list[str]] = {
    Bucket.FAILED_PAYMENT: ["payment_method_update"],
    Bucket.MISSING_SELF_SERVE: ["subscription_cancel"],
    Bucket.TEAM: ["invoice_history"],
}
PORTAL_FEATURE_GAPS: dict[str, str] = {
    "payment_method_update": "Customer portal does not let customers update their payment method",
    "subscription_cancel": "Customer portal does not let customers cancel their subscription",
    "invoice_history": "Customer portal does not show invoice history",
}


@register
class PortalLink(WithoutChange):
    """Changes nothing in Stripe's billing: the session only lets the customer act."""

    # A deep link into one portal flow (flow_data), or None for the portal's home page.
    flow: ClassVar[PortalFlowType | None] = None

    def features_needed(self, bucket: Bucket | None) -> list[str]:
        """The portal features this link relies on, for this bucket."""
        if self.flow is not None:
            return [self.flow]
        return PORTAL_FEATURES_NEEDED.get(bucket, []) if bucket else []

    kind = ActionKind.PORTAL_LINK
    label = "Portal link"
    button_id = "billing.portal_link"
    offered_in = {Bucket.TEAM: 1, Bucket.FAILED_PAYMENT: 0, Bucket.MISSING_SELF_SERVE: 0}
    interaction = Interaction.PORTAL
    why = "The customer can fix this themselves in the billing portal; nothing changes without them."

    def card_outcome(self, outcome: ActionOutcome, ids: IdFormat) -> str:
        return "sent a billing-portal link" if outcome.portal else wording.no_change(outcome.kind)

    def operator_outcome(self, outcome: ActionOutcome, ids: IdFormat) -> str:
        return "created a billing-portal link" if outcome.portal else wording.recorded(outcome.kind)

    def handoff_outcome(self, outcome: ActionOutcome) -> list[str]:
        if outcome.portal is None:
            return super().handoff_outcome(outcome)
        return [
            f"Billing-portal session {outcome.portal.id} created; the link went to the operator privately and "
            "is short-lived, so send it right away (create a new one if it expires)"
        ]

    def follow_up(self, snapshot: CustomerSnapshot, outcome: ActionOutcome) -> str:
        return (
            f"{wording.greeting(snapshot)} here is a secure link to manage your billing (payment method, "
            "invoices, plan): <link>. It expires shortly, so please open it soon; reply if it has expired and "
            "I will send a new one."
        )


def portal_configuration(configs: list[PortalConfiguration]) -> PortalConfiguration | None:
    active = [config for config in configs if config.active]
    return next((config for config in active if config.is_default), active[0] if active else None)


def missing_portal_features(needed: list[str], config: PortalConfiguration) -> list[str]:
    return [feature for feature in needed if not getattr(config, feature)]


def portal_gaps(missing: list[str]) -> list[str]:
    return [PORTAL_FEATURE_GAPS[feature] for feature in missing]


def portal_definition(kind: str) -> PortalLink:
    action = definition(kind)
    if not isinstance(action, PortalLink):
        raise ValueError(f"{kind} is not a portal link")
    return action
