"""`billing-bot demo`: the whole duplicate flow offline, as the transcript an operator reads."""

from __future__ import annotations

import pytest

from bot.cli import main
from bot.demo import DEMO_BOT_TOKEN

HANDOFF_SECTIONS = ("CUSTOMER", "BILLING STATE", "DECISION", "ACTION TAKEN", "FOLLOW-UP", "PRODUCT GAP")


@pytest.mark.usefixtures("demo_sandbox")  # skips, with the reason, where the sandbox's fixtures are missing
def test_demo_runs_the_whole_flow_and_refunds_once(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["demo"]) == 0
    out = capsys.readouterr().out
    steps = [
        "── 1. /billing jane@example.com",
        "── 2. Classify: [ Duplicate personal subscription ]",
        "── 3. [ Cancel duplicate now + refund ]",
        "── 4. [ Confirm ]",
        "── 5. [ Confirm ] again (a double click)",
        "── 6. Audit trail of case case_",
        "── 7. Stripe afterwards, read back with stripe-python",
    ]
    positions = [out.index(step) for step in steps]
    assert positions == sorted(positions)
    assert "[ Cancel duplicate at period end ]  [ Cancel duplicate now + refund ]" in out
    assert "Confirm: Refund $20.00 of ch_" in out and "[ Confirm ]  [ Back ]" in out
    handoff = out[out.index("── 4.") : out.index("── 5.")]
    for title in HANDOFF_SECTIONS:
        assert f"\n    {title}\n" in handoff
    assert "REVENUE IMPACT" in handoff and "MRR change: -$20.00/mo now" in handoff
    assert "DONE · Cancelled sub_" in handoff
    assert "already done" in out[out.index("── 5.") :].lower()
    audit = out[out.index("── 6.") : out.index("── 7.")]
    for event in ("lookup", "classified", "action_requested", "action_confirmed", "action_succeeded"):
        assert f"  {event}" in audit
    assert ": active\n" in out and ": canceled\n" in out
    assert "1 refund: re_" in out
    assert DEMO_BOT_TOKEN not in out


@pytest.mark.usefixtures("demo_sandbox")
def test_demo_fails_with_one_line_when_a_step_cannot_happen(capsys: pytest.CaptureFixture[str]) -> None:
    # sam@example.com has a failed payment, so the card offers no "Cancel duplicate" to click.
    assert main(["demo", "--customer", "sam@example.com"]) == 1
    captured = capsys.readouterr()
    [reason] = captured.err.strip().splitlines()
    assert reason == (
        "billing-bot demo: the card offers no Cancel duplicate button "
        "(it offers: Invoice payment page, Card update link, Portal link, Retry payment, Pause collection…, "
        "Reclassify)"
    )
    assert "── 2. Classify: [ Failed payment ]" in captured.out
