"""Self-serve audit: what the billing portal lets customers do, and how often cases hit each gap."""

from __future__ import annotations

from pydantic import Field

from billing.models import Model, PortalConfiguration

SELF_SERVE_CONTROLS: dict[str, str] = {
    "payment_method_update": "Update payment method",
    "subscription_cancel": "Cancel subscription",
    "invoice_history": "Invoice history",
    "subscription_update": "Switch plans",
}

# The product gaps the workflow names, and the words that tie a recorded gap to each.
NAMED_GAPS: dict[str, tuple[str, ...]] = {
    "no billing portal": ("portal", "self-serve", "manage-billing", "payment method", "card"),
    "no cancellation flow": ("cancel",),
    "no duplicate-subscription guard": ("duplicate",),
}


class ControlStatus(Model):
    control: str
    label: str
    enabled: bool


class NamedGap(Model):
    gap: str
    # Whether the portal configuration shows the gap; None where Stripe cannot tell (a checkout guard).
    confirmed_by_stripe: bool | None
    cases: int


class PortalAudit(Model):
    configuration_id: str | None = None
    configurations: int = 0
    controls: list[ControlStatus] = Field(default_factory=list)
    named_gaps: list[NamedGap] = Field(default_factory=list)
    recorded_gaps: list[tuple[str, int]] = Field(default_factory=list)

    @property
    def has_portal(self) -> bool:
        return self.configuration_id is not None

    @property
    def missing_controls(self) -> list[ControlStatus]:
        return [control for control in self.controls if not control.enabled]


def effective_configuration(configurations: list[PortalConfiguration]) -> PortalConfiguration | None:
    """What a portal session without an explicit configuration uses: the active default."""
    active = [config for config in configurations if config.active]
    defaults = [config for config in active if config.is_default]
    candidates = defaults or active
    return candidates[0] if candidates else None


def named_gap_for(recorded: str) -> str | None:
    text = recorded.lower()
    # Most specific first: "portal does not let customers cancel" is a missing cancellation flow.
    for gap, words in reversed(NAMED_GAPS.items()):
        if any(word in text for word in words):
            return gap
    return None


def audit_portal(configurations: list[PortalConfiguration], gap_counts: list[tuple[str, int]]) -> PortalAudit:
    config = effective_configuration(configurations)
    controls = [
        ControlStatus(control=name, label=label, enabled=bool(config and getattr(config, name)))
        for name, label in SELF_SERVE_CONTROLS.items()
    ]
    cases = dict.fromkeys(NAMED_GAPS, 0)
    for recorded, count in gap_counts:
        if (named := named_gap_for(recorded)) is not None:
            cases[named] += count
    in_stripe = {
        "no billing portal": config is None,
        "no cancellation flow": config is None or not config.subscription_cancel,
        "no duplicate-subscription guard": None,
    }
    return PortalAudit(
        configuration_id=config.id if config else None,
        configurations=len(configurations),
        controls=controls,
        named_gaps=[
            NamedGap(gap=gap, confirmed_by_stripe=in_stripe[gap], cases=cases[gap]) for gap in NAMED_GAPS
        ],
        recorded_gaps=list(gap_counts),
    )
