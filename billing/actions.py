"""Safe money actions: plan -> claim -> re-verify -> execute. What each action plans, re-checks and calls is
its definition's (billing/action_kinds/); choices that move no money are CaseActions (billing/case_actions.py).

The first click stores a PendingAction and shows its exact effect; the second click claims it atomically,
re-reads every target from Stripe, and calls Stripe with an idempotency key derived from the nonce, so a
double click, a Slack retry, a restart or a race moves money at most once.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from billing.action_kinds import ActionDefinition, definition
from billing.action_kinds.steps import idempotency_key
from billing.action_models import (
    TARGET_FIELD,
    ActionOutcome,
    Case,
    CaseStatus,
    Choices,
    Interaction,
    PendingAction,
    PendingStatus,
    Step,
    TargetRead,
)
from billing.approval import APPROVAL_WINDOW
from billing.errors import (
    ActionAlreadyTaken,
    ActionExpired,
    BillingError,
    NotAuthorized,
    PreconditionFailed,
    StripeRefused,
    StripeUnavailable,
    TargetBusy,
)
from billing.models import WriteResult
from billing.money import Money
from billing.partial import PartlyDoneActions
from billing.reconcile import key_expired
from billing.snapshot import CustomerSnapshot

PENDING_TTL = timedelta(minutes=10)
# makes a re-run replay Stripe's original answer instead of moving money again.
STALE_CLAIM = timedelta(minutes=2)


class ActionService(PartlyDoneActions):
    # --- first click -------------------------------------------------------------------------------
    def request(
        self,
        case_id: str,
        kind: str,
        target: str,
        actor: str,
        *,
        amount: int | None = None,
        choices: Choices | None = None,
        snapshot: CustomerSnapshot | None = None,
    ) -> PendingAction:
        """Store the action and its exact effect; nothing is sent to Stripe. A form's "target" choice replaces
        the button's target."""
        action = definition(kind)
        if action.interaction is not Interaction.CONFIRM:
            raise ValueError(f"{kind} has no confirm step")
        case = self.open_case(case_id)
        self._require_operator(actor, case, f"request:{kind}")
        snapshot = snapshot or self.snapshot(case)
        if snapshot.customer.id != case.customer_id:
            raise PreconditionFailed("The snapshot is for another customer; nothing was changed.")
        target = (choices or {}).get(TARGET_FIELD) or target
        plan = action.preview(action.plan(target, snapshot, amount=amount, choices=choices), self.gateway)
        needs_second = self._needs_second_operator(plan.impact, case.customer_id, actor, excluding="")
        nonce = self.store.create_pending(
            case_id=case_id,
            kind=str(kind),
            requested_by=actor,
            customer_id=case.customer_id,
            target_ids=plan.target_ids,
            amount=plan.amount,
            currency=plan.currency,
            params={
                "steps": [step.model_dump() for step in plan.steps],
                "needs_second_operator": needs_second,
                "bucket": case.bucket.value if case.bucket else None,
                "impact": plan.impact.model_dump() if plan.impact else None,
                "gaps": plan.gaps,
            },
            summary=plan.summary,
            ttl=PENDING_TTL,
        )
        self._audit(
            "action_requested",
            case,
            actor,
            stripe_ids=plan.target_ids,
            outcome="pending",
            detail={
                "nonce": nonce,
                "kind": str(kind),
                "amount": plan.amount,
                "currency": plan.currency,
                "summary": plan.summary,
                "impact": plan.impact.format() if plan.impact else None,
                "needs_second_operator": needs_second,
            },
        )
        return self.pending(nonce)

    def _needs_second_operator(
        self, impact: Money | None, customer_id: str, operator: str, *, excluding: str
    ) -> bool:
        """The impact with what this operator did for this customer in the approval window (or is doing)."""
        if impact is None or not self.policy.approval.enabled:
            return False
        earlier = [
            Money(amount=amount, currency=currency)
            for amount, currency in self.store.operator_impacts(
                customer_id=customer_id,
                operator=operator,
                since=self.clock.now() - APPROVAL_WINDOW,
                excluding=excluding,
            )
        ]
        return self.policy.approval.needs_second_operator(impact, earlier)

    def pending(self, nonce: str) -> PendingAction:
        row = self.store.get_pending(nonce)
        if row is None:
            raise ActionExpired(
                "This confirmation is unknown (expired or never existed); nothing was changed."
            )
        return PendingAction.from_row(row)

    def back(self, nonce: str, actor: str) -> Case:
        """Withdraw a pending action and return to the bucket's options."""
        pending = self.pending(nonce)
        case = self.open_case(pending.case_id)
        self._require_operator(actor, case, "back")
        if self.store.cancel_pending(nonce):
            self._audit(
                "action_withdrawn",
                case,
                actor,
                stripe_ids=pending.target_ids,
                outcome="cancelled",
                detail={"nonce": nonce, "kind": str(pending.kind)},
            )
        else:
            self._explain_unclaimable(self.pending(nonce))
        return case

    # --- second click ------------------------------------------------------------------------------
    def confirm(self, nonce: str, actor: str) -> ActionOutcome:
        pending = self.pending(nonce)
        case = self.case(pending.case_id)
        self._require_operator(actor, case, f"confirm:{pending.kind}")
        if actor == pending.requested_by and (
            pending.needs_second_operator
            or self._needs_second_operator(pending.impact, pending.customer_id, actor, excluding=nonce)
        ):
            self._audit(
                "approval_required",
                case,
                actor,
                stripe_ids=pending.target_ids,
                outcome="denied",
                detail={"nonce": nonce, "impact": pending.impact.format() if pending.impact else None},
            )
            raise NotAuthorized(
                "This action's impact, with what you did for this customer in the last 24 hours, is above "
                "the approval threshold: another operator must click Confirm. Nothing was changed."
            )
        if not self._claim(pending, case, actor):
            self._explain_unclaimable(self.pending(nonce))
        pending = self.pending(nonce)
        self._audit(
            "action_confirmed",
            case,
            actor,
            stripe_ids=pending.target_ids,
            outcome="running",
            detail={"nonce": nonce, "kind": str(pending.kind), "attempt": pending.attempts},
        )
        return self._run_claimed(pending, case, actor)

    def resume(self, nonce: str, *, stale_after: timedelta) -> ActionOutcome | None:
        """Finish an action a crash, a deploy or an unknown outcome left unfinished, as its own confirmer
        (billing/recovery.py). None if it is not resumable now (finished meanwhile, or a live claim)."""
        pending = self.pending(nonce)
        case = self.case(pending.case_id)
        actor = pending.claimed_by or self._last_confirmer(pending) or pending.requested_by
        try:
            if not self.store.claim_pending(nonce, actor=actor, stale_after=stale_after):
                return None
        except TargetBusy:
            return None
        pending = self.pending(nonce)
        self._audit(
            "action_resumed",
            case,
            actor,
            stripe_ids=pending.target_ids,
            outcome="running",
            detail={"nonce": nonce, "kind": str(pending.kind), "attempt": pending.attempts},
        )
        return self._run_claimed(pending, case, actor)

    def _last_confirmer(self, pending: PendingAction) -> str | None:
        confirmed = [
            row
            for row in self.store.audit_rows(case_id=pending.case_id)
            if row["event"] == "action_confirmed" and pending.nonce in (row["detail"] or "")
        ]
        return str(confirmed[-1]["actor"]) if confirmed and confirmed[-1]["actor"] else None

    def _claim(self, pending: PendingAction, case: Case, actor: str) -> bool:
        try:
            return self.store.claim_pending(pending.nonce, actor=actor, stale_after=STALE_CLAIM)
        except TargetBusy as busy:
            self._audit(
                "action_blocked",
                case,
                actor,
                stripe_ids=pending.target_ids,
                outcome="target_busy",
                detail={"nonce": pending.nonce, "target": busy.target_id, "running": busy.holder_nonce},
            )
            raise

    def _explain_unclaimable(self, pending: PendingAction) -> None:
        case = self.case(pending.case_id)
        if pending.status is PendingStatus.DONE:
            raise ActionAlreadyTaken(f"Already done by <@{pending.claimed_by}>; nothing else was changed.")
        if pending.status is PendingStatus.RUNNING:
            raise ActionAlreadyTaken(f"In progress: <@{pending.claimed_by}> confirmed it a moment ago.")
        if case.status is CaseStatus.ACTED:
            raise ActionAlreadyTaken(
                f"This case was already handled by <@{case.acted_by}>; nothing was changed."
            )
        if pending.status is PendingStatus.CANCELLED:
            raise ActionExpired("This action was withdrawn (Back); nothing was changed.")
        if pending.status is PendingStatus.PENDING and pending.progress.get("in_flight"):
            raise ActionAlreadyTaken(
                "Stripe has not confirmed whether this action's last call went through. Click Confirm to "
                "finish it: Stripe replays the same request, so money moves at most once."
            )
        if pending.status is PendingStatus.FAILED:
            raise ActionExpired(f"This action can no longer run: {pending.last_error}")
        raise ActionExpired(
            "This confirmation expired after 10 minutes; nothing was changed. Choose the action again."
        )

    def _run_claimed(self, pending: PendingAction, case: Case, actor: str) -> ActionOutcome:
        progress: dict[str, Any] = {
            "completed": dict(pending.progress.get("completed", {})),
            "in_flight": pending.progress.get("in_flight"),
            "generation": dict(pending.progress.get("generation", {})),
            "requests": dict(pending.progress.get("requests", {})),
        }
        checked: list[TargetRead] = []
        try:
            checked = self._reverify(pending, progress)
            outcome = self._execute(pending, actor, progress).model_copy(update={"targets_before": checked})
        except (StripeUnavailable, StripeRefused) as error:
            self.store.release_pending(pending.nonce, error=error.message, result=progress)
            self._audit_failure(pending, case, actor, error, retryable=True)
            raise
        except PreconditionFailed as error:
            if partly := self._finish_partly(pending, case, actor, progress, checked, error):
                return partly
            self.store.fail_pending(pending.nonce, error=error.message)
            self._audit_failure(pending, case, actor, error, retryable=False)
            raise
        except Exception as error:
            # Unknown outcome: keep the key generation so a retry replays rather than repeats.
            self.store.release_pending(
                pending.nonce, error=f"unexpected error: {type(error).__name__}", result=progress
            )
            self._audit_failure(pending, case, actor, error, retryable=True)
            raise
        self.store.finish_pending(pending.nonce, result=progress)
        self.store.close_case(case.id, actor=actor, resolution=str(pending.kind))
        self._record_gaps(case, pending.kind, pending.gaps)
        self._audit(
            "action_succeeded",
            case,
            actor,
            stripe_ids=outcome.stripe_ids(),
            stripe_request_id=",".join(outcome.request_ids) or None,
            outcome="success",
            detail={
                "nonce": pending.nonce,
                "kind": str(pending.kind),
                "amount": pending.amount,
                "currency": pending.currency,
                "requested_by": pending.requested_by,
                "confirmed_by": actor,
            },
        )
        return outcome

    def _audit_failure(
        self, pending: PendingAction, case: Case, actor: str, error: Exception, *, retryable: bool
    ) -> None:
        message = (
            error.message if isinstance(error, BillingError) else f"unexpected error: {type(error).__name__}"
        )
        self._audit(
            "action_failed",
            case,
            actor,
            stripe_ids=pending.target_ids,
            stripe_request_id=getattr(error, "request_id", None),
            outcome="error_retryable" if retryable else "error_final",
            detail={"nonce": pending.nonce, "kind": str(pending.kind), "error": message},
        )

    def _reverify(self, pending: PendingAction, progress: dict[str, Any]) -> list[TargetRead]:
        """Re-read each target not yet done, and return them as read. A step whose earlier call has an unknown
        outcome is left to the idempotency key: Stripe replays it if it ran, and runs it once if it did not."""
        action = definition(pending.kind)
        return [
            action.recheck(step, self.gateway, pending)
            for step in pending.steps
            if step.name not in progress["completed"] and step.name != progress["in_flight"]
        ]

    def _execute(self, pending: PendingAction, actor: str, progress: dict[str, Any]) -> ActionOutcome:
        action = definition(pending.kind)
        results: dict[str, WriteResult] = {}
        uncertain = progress["in_flight"]
        for step in pending.steps:
            if step.name in progress["completed"] or step.name == uncertain:
                # Resuming: Stripe's state says whether the step happened (billing/reconcile.py).
                found = action.find_effect(step, self.gateway, nonce=pending.nonce)
                if found is not None:
                    results[step.name] = found
                    self._record_step(pending, progress, step, found)
                    continue
                if step.name in progress["completed"]:
                    continue
            request = self._request_for(action, step, pending, actor, progress)
            progress["in_flight"] = step.name
            self.store.save_pending_progress(pending.nonce, progress)
            try:
                results[step.name] = action.send(step, self.gateway, request["params"], request["key"])
            except StripeRefused:
                # Definitive: Stripe would replay this refusal for the key, so the next attempt needs a new one.
                progress["in_flight"] = None
                progress["generation"][step.name] = int(progress["generation"].get(step.name, 0)) + 1
                progress["requests"].pop(step.name, None)
                raise
            self._record_step(pending, progress, step, results[step.name])
        return ActionOutcome(
            kind=pending.kind,
            case_id=pending.case_id,
            actor=actor,
            requested_by=pending.requested_by,
            nonce=pending.nonce,
            results=results,
            request_ids=[rid for result in results.values() if (rid := result.stripe_request_id)],
        )

    def _record_step(
        self, pending: PendingAction, progress: dict[str, Any], step: Step, result: WriteResult
    ) -> None:
        key = (progress["requests"].get(step.name) or {}).get("key")
        progress["completed"][step.name] = {"id": getattr(result, "id", None), "key": key}
        progress["in_flight"] = None
        self.store.save_pending_progress(pending.nonce, progress)

    def _request_for(
        self,
        action: ActionDefinition,
        step: Step,
        pending: PendingAction,
        actor: str,
        progress: dict[str, Any],
    ) -> dict[str, Any]:
        """The first attempt's key and parameters, stored; a new key only after a refusal (generation) or
        once Stripe has forgotten the first one (and Stripe showed the step did not happen)."""
        now = self.clock.now()
        stored = progress["requests"].get(step.name)
        if stored is not None and key_expired(stored.get("first_sent_at"), now):
            progress["generation"][step.name] = int(progress["generation"].get(step.name, 0)) + 1
            stored = None
        if stored is None:
            generation = int(progress["generation"].get(step.name, 0))
            stored = {
                "key": idempotency_key(pending.nonce, step.name, generation),
                "params": action.request(step, pending, first_confirmed_by=actor),
                "first_sent_at": now.isoformat(),
            }
            progress["requests"][step.name] = stored
        return dict(stored)
