"""An action only partly done: exact card, operator and handoff wording (billing/partial.py)."""

from __future__ import annotations

from datetime import UTC, datetime

from billing.action_models import ActionKind, ActionOutcome, UnfinishedStep
from billing.handoff import action_lines
from billing.partial import _reason
from messages.actions import final_blocks, partly_done_text
from tests.unit.fake_gateway import subscription

CANCELLED = subscription("sub_New00001", status="canceled", ended_at=datetime(2026, 11, 20, tzinfo=UTC))
REASON = "Stripe refused, and retrying cannot change that: Charge ch_New00001 has been charged back"


def partly() -> ActionOutcome:
    return ActionOutcome(
        kind=ActionKind.CANCEL_AND_REFUND,
        case_id="case_1",
        actor="U1",
        results={"cancel": CANCELLED},
        unfinished=[UnfinishedStep(name="refund", object_id="ch_New00001", reason=REASON + ".")],
    )


def test_the_card_the_operator_and_the_handoff_say_what_was_done_and_what_was_not() -> None:
    outcome = partly()
    assert [block.to_dict() for block in final_blocks(outcome)] == [
        {
            "type": "section",
            "text": {
                "type": "mrkdwn",
                "text": ":warning: *PARTLY DONE* · Cancelled `sub_New00001`. Not done: the refund of "
                f"`ch_New00001` ({REASON}). Handoff in the thread.",
            },
        }
    ]
    assert partly_done_text(outcome) == (
        f":warning: Partly done: cancelled `sub_New00001`. Not done: the refund of `ch_New00001` ({REASON})."
    )
    assert action_lines(outcome) == [
        "Cancelled sub_New00001 now (status canceled)",
        f"Not done: refund of ch_New00001 ({REASON})",
        "Confirmed by <@U1>",
    ]


def test_a_refusal_saying_nothing_was_changed_is_not_repeated_once_something_was() -> None:
    assert _reason("ch_1 is now disputed; nothing was changed.") == "ch_1 is now disputed"
    assert _reason("in_1 is now paid; nothing was charged.") == "in_1 is now paid"
    assert _reason("Stripe refused: no.") == "Stripe refused: no."
