"""After an action: the card's final state and the threaded handoff go through the outbox, so a Slack
failure delays them instead of losing them, and the operator is told exactly what happened."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from slack_sdk import WebClient
from slack_sdk.models.blocks import Block

from billing.action_models import ActionOutcome, Case
from billing.outbox import OutboxMessage
from billing.snapshot import CustomerSnapshot
from handlers.courier import Courier
from handlers.ports import Services
from messages.actions import acted_note, final_blocks
from messages.card import card_text, customer_card
from messages.format import minute
from messages.handoff import handoff_blocks, handoff_text

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Delivery:
    snapshot: CustomerSnapshot
    # "card update" / "handoff post" parts that Slack did not take yet (queued for the worker).
    delayed: list[str]


def snapshot_after(services: Services, case: Case, outcome: ActionOutcome) -> CustomerSnapshot:
    """The state after the action (one Stripe read; a failure leaves the action done and is reported)."""
    return services.actions.snapshot(case)


def deliver_outcome(services: Services, client: WebClient, outcome: ActionOutcome) -> Delivery:
    """Queue the final card and the handoff (one each per case, however often called), then try them now."""
    case = services.actions.case(outcome.case_id)
    snapshot = snapshot_after(services, case, outcome)
    if not (case.channel and case.message_ts):
        log.warning("case %s has no card message to update", case.id)
        return Delivery(snapshot=snapshot, delayed=[])
    courier = Courier(services.outbox, client)
    note = acted_note(outcome, minute(services.clock.now()))
    card = services.outbox.enqueue(
        f"card:{case.id}",
        kind="card",
        method="chat.update",
        args={
            "channel": case.channel,
            "ts": case.message_ts,
            "blocks": _dicts(
                customer_card(
                    snapshot, case_id=case.id, decision_blocks=final_blocks(outcome), acted_note=note
                )
            ),
            "text": card_text(snapshot),
        },
    )
    handoff = services.cases.handoff(case, outcome, current=snapshot)
    post = services.outbox.enqueue(
        f"handoff:{case.id}",
        kind="handoff",
        method="chat.postMessage",
        args={
            "channel": case.channel,
            "thread_ts": case.thread_ts or case.message_ts,
            "blocks": _dicts(handoff_blocks(handoff)),
            "text": handoff_text(handoff),
            "unfurl_links": False,
            "unfurl_media": False,
        },
        on_sent={
            "event": "handoff_posted",
            "actor": outcome.actor,
            "case_id": case.id,
            "customer_id": case.customer_id,
            "outcome": "ok",
            "detail": {"kind": str(outcome.kind)},
        },
    )
    delayed = [
        name
        for name, message in (("card update", card), ("handoff post", post))
        if not _sent(courier, message)
    ]
    return Delivery(snapshot=snapshot, delayed=delayed)


def _sent(courier: Courier, message: OutboxMessage) -> bool:
    return message.status == "sent" or courier.send(message)


def _dicts(blocks: list[Block]) -> list[dict[str, Any]]:
    return [block.to_dict() for block in blocks]
