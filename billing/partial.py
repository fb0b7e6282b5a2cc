"""An action only partly done: an earlier step changed Stripe, then Stripe refused a later one for good
(e.g. the duplicate was cancelled, then its charge turned out charged back). What changed must be reported as
changed, and the rest named with Stripe's reason, never as "nothing was changed"."""

from __future__ import annotations

import re
from typing import Any

from billing.action_kinds import ActionDefinition, definition
from billing.action_models import ActionOutcome, Case, PendingAction, TargetRead, UnfinishedStep
from billing.case_actions import CaseActions
from billing.errors import BillingError, PreconditionFailed
from billing.models import WriteResult
from billing.ports import BillingGateway


class PartlyDoneActions(CaseActions):
    def _finish_partly(
        self,
        pending: PendingAction,
        case: Case,
        actor: str,
        progress: dict[str, Any],
        checked: list[TargetRead],
        error: PreconditionFailed,
    ) -> ActionOutcome | None:
        """If an earlier step changed Stripe, what was done stands and is reported as done (card, handoff,
        audit), and the steps that did not happen are named with Stripe's reason, never retried by a Confirm.
        None when nothing changed: the action simply failed."""
        outcome = partly_done(definition(pending.kind), self.gateway, pending, actor, progress, error)
        if outcome is None:
            return None
        self.store.finish_pending(pending.nonce, result=settled(progress, outcome))
        self.store.close_case(case.id, actor=actor, resolution=str(pending.kind))
        self._record_gaps(case, pending.kind)
        self._audit(
            "action_partly_done",
            case,
            actor,
            stripe_ids=outcome.stripe_ids(),
            stripe_request_id=",".join(outcome.request_ids) or None,
            outcome="partial",
            detail=partial_detail(pending, outcome, actor, error),
        )
        return outcome.model_copy(update={"targets_before": checked})


def partly_done(
    action: ActionDefinition,
    gateway: BillingGateway,
    pending: PendingAction,
    actor: str,
    progress: dict[str, Any],
    error: PreconditionFailed,
) -> ActionOutcome | None:
    """The outcome of the steps that landed, as Stripe shows them (a call whose outcome was unknown too),
    and of the steps that did not; None when none landed."""
    done: dict[str, WriteResult] = {}
    for step in pending.steps:
        if step.name in progress["completed"] or step.name == progress.get("in_flight"):
            try:
                found = action.find_effect(step, gateway, nonce=pending.nonce)
            except BillingError:
                found = None  # a completed step's Stripe ID is still in the stored progress and the audit
            if found is not None:
                done[step.name] = found
    landed = set(done) | set(progress["completed"])
    if not landed:
        return None
    unfinished = [
        UnfinishedStep(name=step.name, object_id=step.object_id, reason=_reason(error.message))
        for step in pending.steps
        if step.name not in landed
    ]
    return ActionOutcome(
        kind=pending.kind,
        case_id=pending.case_id,
        actor=actor,
        requested_by=pending.requested_by,
        nonce=pending.nonce,
        results=done,
        request_ids=[rid for result in done.values() if (rid := result.stripe_request_id)],
        unfinished=unfinished,
    )


def settled(progress: dict[str, Any], outcome: ActionOutcome) -> dict[str, Any]:
    """The progress stored with the finished action: every step that landed (a call of unknown outcome too,
    once Stripe showed it), no call in flight, and the steps that did not happen."""
    completed = dict(progress["completed"])
    for name, result in outcome.results.items():
        completed.setdefault(name, {"id": getattr(result, "id", None), "key": None})
    return {
        **progress,
        "completed": completed,
        "in_flight": None,
        "unfinished": [step.model_dump() for step in outcome.unfinished],
    }


def partial_detail(
    pending: PendingAction, outcome: ActionOutcome, actor: str, error: PreconditionFailed
) -> dict[str, Any]:
    return {
        "nonce": pending.nonce,
        "kind": str(pending.kind),
        "done": sorted(outcome.results),
        "not_done": [step.name for step in outcome.unfinished],
        "error": error.message,
        "requested_by": pending.requested_by,
        "confirmed_by": actor,
    }


# A refusal's own sentence may say "nothing was changed": true of its step, false of the action.
_NOTHING_CHANGED = re.compile(r"[;,.]?\s*nothing (else )?was (changed|charged)\.?", re.IGNORECASE)


def _reason(message: str) -> str:
    return _NOTHING_CHANGED.sub("", message).strip() or message
