"""Triage decisions and safe money actions: plan -> claim -> re-verify -> execute (the ladder and the
plans themselves are billing/ladder.py).

The first click stores a PendingAction and shows its exact effect; the second click claims it atomically,
re-reads every target from Stripe, and calls Stripe with an idempotency key derived from the nonce, so a
double click, a Slack retry, a restart or a race moves money at most once.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any, Protocol

from pydantic import Field

from billing.clock import Clock
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
from billing.ladder import (
    BUCKET_GAPS,
    NO_CHANGE_ACTIONS,
    PORTAL_FEATURE_GAPS,
    ActionKind,
    Step,
    idempotency_key,
    missing_portal_features,
    plan_action,
    portal_configuration,
    verify_charge,
    verify_invoice,
    verify_subscription,
)
from billing.models import (
    Bucket,
    Charge,
    Invoice,
    Model,
    PortalSession,
    Refund,
    Subscription,
    WriteResult,
)
from billing.money import Money
from billing.ports import BillingGateway
from billing.reconcile import find_effect, key_expired, request_params
from billing.snapshot import CustomerSnapshot
from billing.store import Store

PENDING_TTL = timedelta(minutes=10)
# A 'running' claim older than this belongs to a process that died mid-action; the same idempotency key
# makes a re-run replay Stripe's original answer instead of moving money again.
STALE_CLAIM = timedelta(minutes=2)


class Case(Model):
    id: str
    customer_id: str
    matched_on: str = ""
    complaint: str = ""
    suggested_bucket: Bucket | None = None
    bucket: Bucket | None = None
    bucket_by: str | None = None
    status: str
    channel: str | None = None
    message_ts: str | None = None
    thread_ts: str | None = None
    acted_by: str | None = None

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> Case:
        return cls.model_validate({key: value for key, value in row.items() if value is not None})


class PendingAction(Model):
    nonce: str
    case_id: str
    kind: ActionKind
    requested_by: str
    customer_id: str
    target_ids: list[str]
    amount: int | None = None
    currency: str | None = None
    summary: str
    steps: list[Step]
    needs_second_operator: bool = False
    status: str
    expires_at: datetime
    claimed_by: str | None = None
    last_error: str | None = None
    attempts: int = 0
    progress: dict[str, Any] = Field(default_factory=dict)

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> PendingAction:
        params = row["params"]
        return cls(
            nonce=row["nonce"],
            case_id=row["case_id"],
            kind=ActionKind(row["kind"]),
            requested_by=row["requested_by"],
            customer_id=row["customer_id"],
            target_ids=row["target_ids"],
            amount=row["amount"],
            currency=row["currency"],
            summary=row["summary"],
            steps=[Step.model_validate(step) for step in params.get("steps", [])],
            needs_second_operator=bool(params.get("needs_second_operator")),
            status=row["status"],
            expires_at=datetime.fromisoformat(row["expires_at"]),
            claimed_by=row["claimed_by"],
            last_error=row["last_error"],
            attempts=row["attempts"] or 0,
            progress=row["result"],
        )


class ActionOutcome(Model):
    """What was done, for the card's final state and the handoff."""

    kind: ActionKind
    case_id: str
    actor: str
    requested_by: str | None = None
    nonce: str | None = None
    refund: Refund | None = None
    subscription: Subscription | None = None
    invoice: Invoice | None = None
    portal: PortalSession | None = None
    request_ids: list[str] = Field(default_factory=list)
    # The targets as re-read just before Stripe was changed (billing.before_state rebuilds the handoff's
    # "before" from them and the state after, so a Confirm reads only what its re-check needs).
    targets_before: list[Subscription | Charge | Invoice] = Field(default_factory=list)


class PortalCheck(Model):
    """A portal session, or the reason the portal cannot do what this bucket needs."""

    configuration_id: str | None = None
    missing_features: list[str] = Field(default_factory=list)
    gaps: list[str] = Field(default_factory=list)
    outcome: ActionOutcome | None = None


@dataclass(frozen=True)
class ActionPolicy:
    operators: Collection[str]
    refund_approval_above: Decimal | None = None
    main_currency: str = "usd"

    def is_operator(self, user_id: str) -> bool:
        return user_id in self.operators

    def refund_needs_second_operator(self, refund: Money | None) -> bool:
        """Above the threshold in the main currency. Without exchange rates a refund in any other
        currency cannot be compared, so once a threshold is set every such refund needs a second operator."""
        if refund is None or self.refund_approval_above is None:
            return False
        if refund.currency != self.main_currency.lower():
            return True
        return refund.major() > self.refund_approval_above


class SnapshotSource(Protocol):
    def snapshot(self, customer_id: str, *, matched_on: str, complaint: str = "") -> CustomerSnapshot: ...


# --- the service -----------------------------------------------------------------------------------


class ActionService:
    def __init__(
        self,
        gateway: BillingGateway,
        store: Store,
        snapshots: SnapshotSource,
        clock: Clock,
        policy: ActionPolicy,
    ) -> None:
        self.gateway = gateway
        self.store = store
        self.snapshots = snapshots
        self.clock = clock
        self.policy = policy

    # --- cases -------------------------------------------------------------------------------------
    def case(self, case_id: str) -> Case:
        row = self.store.get_case(case_id)
        if row is None:
            raise ActionExpired("This card's case is unknown to the bot (was the database reset?).")
        return Case.from_row(row)

    def refundable_charge(self, case: Case, charge_id: str) -> Charge:
        """One Stripe read: enough to open the refund modal; Confirm re-checks everything anyway."""
        charge = self.gateway.get_charge(charge_id)
        if charge.customer_id != case.customer_id:
            raise PreconditionFailed(f"{charge_id} is not a charge of this customer.")
        if charge.refundable_amount <= 0:
            raise PreconditionFailed(f"{charge_id} has nothing left to refund.")
        return charge

    def open_case(self, case_id: str) -> Case:
        case = self.case(case_id)
        if case.status == "acted":
            who = f" by <@{case.acted_by}>" if case.acted_by else ""
            raise ActionAlreadyTaken(f"This case was already handled{who}; look the customer up again.")
        return case

    def snapshot(self, case: Case) -> CustomerSnapshot:
        return self.snapshots.snapshot(case.customer_id, matched_on=case.matched_on, complaint=case.complaint)

    def _audit(self, event: str, case: Case, actor: str | None, **fields: Any) -> None:
        self.store.audit(event, actor=actor, case_id=case.id, customer_id=case.customer_id, **fields)

    def _require_operator(self, actor: str, case: Case, what: str) -> None:
        if not self.policy.is_operator(actor):
            self._audit(
                "not_authorized",
                case,
                actor,
                outcome="denied",
                detail={"attempted": what},
            )
            raise NotAuthorized(
                "Only billing operators (BILLING_OPERATORS) can do that; nothing was changed."
            )

    def classify(self, case_id: str, bucket: Bucket, actor: str) -> Case:
        case = self.open_case(case_id)
        self._require_operator(actor, case, f"classify:{bucket}")
        self.store.update_case(case_id, bucket=bucket.value, bucket_by=actor, status="classified")
        self._audit(
            "classified",
            case,
            actor,
            outcome="ok",
            detail={
                "bucket": bucket.value,
                "suggested": case.suggested_bucket.value if case.suggested_bucket else None,
                "agrees_with_suggestion": case.suggested_bucket == bucket,
            },
        )
        return self.case(case_id)

    def reclassify(self, case_id: str, actor: str) -> Case:
        case = self.open_case(case_id)
        self._require_operator(actor, case, "reclassify")
        self.store.update_case(case_id, bucket=None, bucket_by=None, status="open")
        self._audit(
            "reclassify_requested",
            case,
            actor,
            detail={"previous_bucket": case.bucket.value if case.bucket else None},
        )
        return self.case(case_id)

    # --- first click -------------------------------------------------------------------------------
    def request(
        self,
        case_id: str,
        kind: ActionKind,
        target: str,
        actor: str,
        *,
        amount: int | None = None,
        snapshot: CustomerSnapshot | None = None,
    ) -> PendingAction:
        """Store the action and its exact effect; nothing is sent to Stripe."""
        case = self.open_case(case_id)
        self._require_operator(actor, case, f"request:{kind}")
        snapshot = snapshot or self.snapshot(case)
        if snapshot.customer.id != case.customer_id:
            raise PreconditionFailed("The snapshot is for another customer; nothing was changed.")
        plan = plan_action(kind, target, snapshot, amount=amount)
        needs_second = self.policy.refund_needs_second_operator(plan.refund_amount)
        nonce = self.store.create_pending(
            case_id=case_id,
            kind=kind.value,
            requested_by=actor,
            customer_id=case.customer_id,
            target_ids=plan.target_ids,
            amount=plan.amount,
            currency=plan.currency,
            params={
                "steps": [step.model_dump() for step in plan.steps],
                "needs_second_operator": needs_second,
                "bucket": case.bucket.value if case.bucket else None,
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
                "kind": kind.value,
                "amount": plan.amount,
                "currency": plan.currency,
                "summary": plan.summary,
                "needs_second_operator": needs_second,
            },
        )
        return self.pending(nonce)

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
                detail={"nonce": nonce, "kind": pending.kind.value},
            )
        else:
            self._explain_unclaimable(self.pending(nonce))
        return case

    # --- second click ------------------------------------------------------------------------------
    def confirm(self, nonce: str, actor: str) -> ActionOutcome:
        pending = self.pending(nonce)
        case = self.case(pending.case_id)
        self._require_operator(actor, case, f"confirm:{pending.kind}")
        if pending.needs_second_operator and actor == pending.requested_by:
            self._audit(
                "approval_required",
                case,
                actor,
                stripe_ids=pending.target_ids,
                outcome="denied",
                detail={"nonce": nonce},
            )
            raise NotAuthorized(
                "This refund is above the approval threshold: another operator must click Confirm. "
                "Nothing was changed."
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
            detail={"nonce": nonce, "kind": pending.kind.value, "attempt": pending.attempts},
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
            detail={"nonce": nonce, "kind": pending.kind.value, "attempt": pending.attempts},
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
        if pending.status == "done":
            raise ActionAlreadyTaken(f"Already done by <@{pending.claimed_by}>; nothing else was changed.")
        if pending.status == "running":
            raise ActionAlreadyTaken(f"In progress: <@{pending.claimed_by}> confirmed it a moment ago.")
        if case.status == "acted":
            raise ActionAlreadyTaken(
                f"This case was already handled by <@{case.acted_by}>; nothing was changed."
            )
        if pending.status == "cancelled":
            raise ActionExpired("This action was withdrawn (Back); nothing was changed.")
        if pending.status == "pending" and pending.progress.get("in_flight"):
            raise ActionAlreadyTaken(
                "Stripe has not confirmed whether this action's last call went through. Click Confirm to "
                "finish it: Stripe replays the same request, so money moves at most once."
            )
        if pending.status == "failed":
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
        try:
            checked = self._reverify(pending, progress)
            outcome = self._execute(pending, actor, progress).model_copy(update={"targets_before": checked})
        except (StripeUnavailable, StripeRefused) as error:
            self.store.release_pending(pending.nonce, error=error.message, result=progress)
            self._audit_failure(pending, case, actor, error, retryable=True)
            raise
        except PreconditionFailed as error:
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
        self.store.close_case(case.id, actor=actor, resolution=pending.kind.value)
        self._record_bucket_gap(case)
        self._audit(
            "action_succeeded",
            case,
            actor,
            stripe_ids=_outcome_ids(outcome),
            stripe_request_id=",".join(outcome.request_ids) or None,
            outcome="success",
            detail={
                "nonce": pending.nonce,
                "kind": pending.kind.value,
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
            detail={"nonce": pending.nonce, "kind": pending.kind.value, "error": message},
        )

    def _reverify(
        self, pending: PendingAction, progress: dict[str, Any]
    ) -> list[Subscription | Charge | Invoice]:
        """Re-read each target not yet done, and return them as read. A step whose earlier call has an unknown
        outcome is left to the idempotency key: Stripe replays it if it ran, and runs it once if it did not."""
        checked: list[Subscription | Charge | Invoice] = []
        for step in pending.steps:
            if step.name in progress["completed"] or step.name == progress["in_flight"]:
                continue
            if step.name == "cancel":
                sub = self.gateway.get_subscription(step.object_id)
                verify_subscription(sub, customer_id=pending.customer_id, at_period_end=step.at_period_end)
                checked.append(sub)
            elif step.name == "refund":
                charge = self.gateway.get_charge(step.object_id)
                verify_charge(
                    charge,
                    customer_id=pending.customer_id,
                    amount=step.amount or 0,
                    refunded_before=step.refunded_before,
                )
                checked.append(charge)
            elif step.name == "pay":
                invoice = self.gateway.get_invoice(step.object_id)
                verify_invoice(invoice, customer_id=pending.customer_id)
                checked.append(invoice)
        return checked

    def _execute(self, pending: PendingAction, actor: str, progress: dict[str, Any]) -> ActionOutcome:
        results: dict[str, Any] = {}
        uncertain = progress["in_flight"]
        for step in pending.steps:
            if step.name in progress["completed"] or step.name == uncertain:
                # Resuming: Stripe's state says whether the step happened (billing/reconcile.py).
                found = find_effect(self.gateway, step, nonce=pending.nonce)
                if found is not None:
                    results[step.name] = found
                    self._record_step(pending, progress, step, found)
                    continue
                if step.name in progress["completed"]:
                    continue
            request = self._request_for(step, pending, actor, progress)
            progress["in_flight"] = step.name
            self.store.save_pending_progress(pending.nonce, progress)
            try:
                results[step.name] = self._call(step, request["params"], request["key"])
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
            refund=results.get("refund"),
            subscription=results.get("cancel"),
            invoice=results.get("pay"),
            request_ids=[rid for result in results.values() if (rid := _request_id(result))],
        )

    def _record_step(self, pending: PendingAction, progress: dict[str, Any], step: Step, result: Any) -> None:
        key = (progress["requests"].get(step.name) or {}).get("key")
        progress["completed"][step.name] = {"id": result.id, "key": key}
        progress["in_flight"] = None
        self.store.save_pending_progress(pending.nonce, progress)

    def _request_for(
        self, step: Step, pending: PendingAction, actor: str, progress: dict[str, Any]
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
                "params": request_params(
                    step,
                    kind=pending.kind,
                    case_id=pending.case_id,
                    nonce=pending.nonce,
                    requested_by=pending.requested_by,
                    first_confirmed_by=actor,
                ),
                "first_sent_at": now.isoformat(),
            }
            progress["requests"][step.name] = stored
        return dict(stored)

    def _call(self, step: Step, params: dict[str, Any], key: str) -> Refund | Subscription | Invoice:
        if step.name == "cancel":
            return self.gateway.cancel_subscription(
                params["subscription"],
                at_period_end=params["at_period_end"],
                idempotency_key=key,
                comment=params["comment"],
            )
        if step.name == "refund":
            return self.gateway.refund_charge(
                params["charge"],
                amount=params["amount"],
                reason=params["reason"],
                metadata=params["metadata"],
                idempotency_key=key,
            )
        if step.name == "pay":
            return self.gateway.pay_invoice(params["invoice"], idempotency_key=key)
        raise ValueError(f"unknown step {step.name}")

    # --- choices that move no money ----------------------------------------------------------------
    def resolve_without_change(self, case_id: str, kind: ActionKind, actor: str) -> ActionOutcome:
        if kind not in NO_CHANGE_ACTIONS:
            raise ValueError(f"{kind} changes billing; it needs request + confirm")
        case = self.open_case(case_id)
        self._require_operator(actor, case, str(kind))
        self._close(case, actor, kind)
        self._audit(
            "resolved_without_change",
            case,
            actor,
            outcome="success",
            detail={"kind": kind.value, "bucket": case.bucket.value if case.bucket else None},
        )
        return ActionOutcome(kind=kind, case_id=case_id, actor=actor)

    def _close(self, case: Case, actor: str, kind: ActionKind) -> None:
        if not self.store.close_case(case.id, actor=actor, resolution=kind.value):
            self.open_case(case.id)  # raises with who handled it
            raise ActionAlreadyTaken("This case was already handled.")
        self._record_bucket_gap(case)

    def _record_bucket_gap(self, case: Case) -> None:
        if case.bucket is not None:
            self.store.record_gap(case.id, BUCKET_GAPS[case.bucket])

    def portal_link(self, case_id: str, actor: str) -> PortalCheck:
        """A portal session when the portal can do what the bucket needs; otherwise the gap, recorded."""
        case = self.open_case(case_id)
        self._require_operator(actor, case, "portal_link")
        config = portal_configuration(self.gateway.list_portal_configurations())
        missing = missing_portal_features(case.bucket, config)
        if missing:
            gaps = [
                PORTAL_FEATURE_GAPS.get(feature, "No active customer portal configuration")
                for feature in missing
            ]
            for gap in gaps:
                self.store.record_gap(case_id, gap)
            self._audit(
                "portal_gap",
                case,
                actor,
                stripe_ids=[config.id] if config else [],
                outcome="blocked",
                detail={"missing": missing, "gaps": gaps},
            )
            return PortalCheck(
                configuration_id=config.id if config else None, missing_features=missing, gaps=gaps
            )
        session = self.gateway.create_portal_session(case.customer_id)
        self._close(case, actor, ActionKind.PORTAL_LINK)
        # The URL logs the customer in: it goes to the operator only, never into the audit log.
        self._audit(
            "portal_session_created",
            case,
            actor,
            stripe_ids=[session.id] + ([config.id] if config else []),
            stripe_request_id=session.stripe_request_id,
            outcome="success",
            detail={"bucket": case.bucket.value if case.bucket else None},
        )
        outcome = ActionOutcome(kind=ActionKind.PORTAL_LINK, case_id=case_id, actor=actor, portal=session)
        return PortalCheck(configuration_id=config.id if config else None, outcome=outcome)


def _request_id(result: WriteResult) -> str | None:
    return result.stripe_request_id


def _outcome_ids(outcome: ActionOutcome) -> list[str]:
    ids = [obj.id for obj in (outcome.subscription, outcome.refund, outcome.invoice, outcome.portal) if obj]
    if outcome.refund and outcome.refund.charge_id:
        ids.append(outcome.refund.charge_id)
    return ids
