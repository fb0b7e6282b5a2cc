from __future__ import annotations

from billing.models import PortalConfiguration
from billing.portal_audit import audit_portal, effective_configuration
from messages.reports import portal_blocks, portal_text

GAPS = [
    ("Customer portal does not let customers cancel their subscription", 3),
    ("No duplicate-subscription guard at checkout", 2),
    ("No self-serve cancel / manage-billing link in account settings", 1),
    ("Seat-based pricing is not explained at checkout or on the invoice", 1),
]


def config(
    cid: str, *, default: bool = True, active: bool = True, cancel: bool = False
) -> PortalConfiguration:
    return PortalConfiguration(
        id=cid,
        is_default=default,
        active=active,
        payment_method_update=True,
        subscription_cancel=cancel,
        invoice_history=True,
        subscription_update=False,
    )


def test_default_active_configuration_is_audited() -> None:
    configs = [config("bpc_old", default=False), config("bpc_inactive", active=False), config("bpc_main")]
    assert effective_configuration(configs) == configs[2]
    assert effective_configuration([config("bpc_x", active=False)]) is None


def test_missing_controls_and_named_gaps_with_case_counts() -> None:
    audit = audit_portal([config("bpc_main")], GAPS)
    assert [c.label for c in audit.missing_controls] == ["Cancel subscription", "Switch plans"]
    assert [(g.gap, g.cases, g.confirmed_by_stripe) for g in audit.named_gaps] == [
        ("no billing portal", 0, False),
        ("no cancellation flow", 4, True),
        ("no duplicate-subscription guard", 2, None),
    ]


def test_no_portal_at_all() -> None:
    audit = audit_portal([], [])
    assert not audit.has_portal
    assert len(audit.missing_controls) == 4
    assert audit.named_gaps[0].confirmed_by_stripe is True
    assert "No active billing-portal configuration" in portal_text(audit)


def test_portal_text_and_blocks() -> None:
    audit = audit_portal([config("bpc_main")], GAPS)
    text = portal_text(audit)
    assert "  Customers lack: Cancel subscription, Switch plans" in text.splitlines()
    assert "  no cancellation flow: 4 audited cases · confirmed by the portal settings" in text.splitlines()
    assert "  ✗ Cancel subscription" in text.splitlines()
    blocks = [b.to_dict() for b in portal_blocks(audit)]
    assert blocks[2]["text"]["text"] == (
        "*Self-serve controls*\n```✓ Update payment method\n✗ Cancel subscription\n✓ Invoice history\n✗ Switch plans```"
    )
