"""Who may act on a case and the choices that move no money: classify, reclassify, resolve without a change,
the billing-portal link. The money path (request -> confirm -> execute) is ActionService in billing/actions.py."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, field
from typing import Any, Protocol

from billing.action_kinds import definition
from billing.action_kinds.customer_links import RESULT, link_definition
from billing.action_kinds.portal_link import (
    missing_portal_features,
    portal_configuration,
    portal_definition,
    portal_gaps,
)
from billing.action_kinds.targets import refuse_if_disputed
from billing.action_models import (
    ActionKind,
    ActionOutcome,
    Case,
    CaseStatus,
    Interaction,
    PortalCheck,
)
from billing.approval import ApprovalRule
from billing.clock import Clock
from billing.errors import (
    ActionAlreadyTaken,
    ActionExpired,
    BillingError,
    NotAuthorized,
    PreconditionFailed,
)
from billing.models import Bucket, Charge
from billing.ports import BillingGateway
from billing.snapshot import CustomerSnapshot
from billing.store import Store


@dataclass(frozen=True)
class ActionPolicy:
    operators: Collection[str]
    approval: ApprovalRule = field(default_factory=ApprovalRule)
    portal_return_url: str | None = None  # BILLING_PORTAL_RETURN_URL, sent with every portal session

    def is_operator(self, user_id: str) -> bool:
        return user_id in self.operators


class SnapshotSource(Protocol):
    def snapshot(self, customer_id: str, *, matched_on: str, complaint: str = "") -> CustomerSnapshot: ...


# --- the service -----------------------------------------------------------------------------------


class CaseActions:
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
        refuse_if_disputed(charge)
        if charge.refundable_amount <= 0:
            raise PreconditionFailed(f"{charge_id} has nothing left to refund.")
        return charge

    def open_case(self, case_id: str) -> Case:
        case = self.case(case_id)
        if case.status is CaseStatus.ACTED:
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
        self.store.update_case(
            case_id, bucket=bucket.value, bucket_by=actor, status=CaseStatus.CLASSIFIED.value
        )
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
        self.store.update_case(case_id, bucket=None, bucket_by=None, status=CaseStatus.OPEN.value)
        self._audit(
            "reclassify_requested",
            case,
            actor,
            detail={"previous_bucket": case.bucket.value if case.bucket else None},
        )
        return self.case(case_id)

    # --- choices that move no money ----------------------------------------------------------------
    def resolve_without_change(self, case_id: str, kind: str, actor: str) -> ActionOutcome:
        action = definition(kind)
        if action.step_names or action.interaction is not Interaction.RESOLVE:
            raise ValueError(f"{kind} changes billing; it needs request + confirm")
        case = self.open_case(case_id)
        self._require_operator(actor, case, str(kind))
        self._close(case, actor, kind)
        self._audit(
            "resolved_without_change",
            case,
            actor,
            outcome="success",
            detail={"kind": str(kind), "bucket": case.bucket.value if case.bucket else None},
        )
        return ActionOutcome(kind=kind, case_id=case_id, actor=actor)

    def _close(self, case: Case, actor: str, kind: str) -> None:
        self._claim_case(case, actor, kind)
        self._record_gaps(case, kind)

    def _claim_case(self, case: Case, actor: str, kind: str) -> None:
        """Only one click acts on a case: a second one (a double click) is told who handled it."""
        if not self.store.close_case(case.id, actor=actor, resolution=str(kind)):
            self.open_case(case.id)  # raises with who handled it
            raise ActionAlreadyTaken("This case was already handled.")

    def _record_gaps(self, case: Case, kind: str, noted: list[str] | None = None) -> None:
        if case.bucket is not None:
            self.store.record_gap(case.id, case.bucket.gap)
        if gap := definition(kind).product_gap:
            self.store.record_gap(case.id, gap)
        for gap in noted or []:
            self.store.record_gap(case.id, gap)

    def portal_link(
        self, case_id: str, actor: str, kind: str = ActionKind.PORTAL_LINK, target: str | None = None
    ) -> PortalCheck:
        """A portal session when the portal can do what the link needs; otherwise what is missing: no portal
        set up at all (no gap: nothing to compare with), or the features it lacks (recorded as gaps). Every
        attempt is audited, a failed one too."""
        case = self.open_case(case_id)
        self._require_operator(actor, case, str(kind))
        action = portal_definition(kind)
        try:
            config = portal_configuration(self.gateway.list_portal_configurations())
            if config is None:
                self._audit("portal_not_set_up", case, actor, outcome="blocked", detail={"kind": str(kind)})
                return PortalCheck(not_set_up=True)
            missing = missing_portal_features(action.features_needed(case.bucket), config)
            if missing:
                return self._portal_gap(case, actor, config.id, missing)
            # Claimed before Stripe is called, so a double click makes one session, not two.
            self._claim_case(case, actor, kind)
            try:
                session = self.gateway.create_portal_session(
                    case.customer_id,
                    return_url=self.policy.portal_return_url,
                    flow=action.flow,
                    subscription_id=target if action.flow == "subscription_cancel" else None,
                )
            except BillingError:
                self.store.reopen_case(case.id, actor=actor, status=case.status.value)
                raise
        except BillingError as error:
            self._audit(
                "portal_failed",
                case,
                actor,
                stripe_ids=[target] if target else [],
                stripe_request_id=getattr(error, "request_id", None),
                outcome="error",
                detail={"kind": str(kind), "error": error.message},
            )
            raise
        self._record_gaps(case, kind)
        # The URL logs the customer in: it goes to the operator only, never into the audit log.
        self._audit(
            "portal_session_created",
            case,
            actor,
            stripe_ids=[session.id, config.id, *([target] if target else [])],
            stripe_request_id=session.stripe_request_id,
            outcome="success",
            detail={"bucket": case.bucket.value if case.bucket else None, "kind": str(kind)},
        )
        outcome = ActionOutcome(kind=kind, case_id=case_id, actor=actor, results={"portal": session})
        return PortalCheck(configuration_id=config.id, outcome=outcome)

    def send_link(self, case_id: str, kind: str, target: str, actor: str) -> ActionOutcome:
        """A Stripe page for the customer (hosted invoice, receipt), read now, for the operator to send; the
        case closes. The URL goes to the operator only, never into the audit log."""
        case = self.open_case(case_id)
        self._require_operator(actor, case, str(kind))
        try:
            link = link_definition(kind).read_link(target, self.gateway, customer_id=case.customer_id)
        except BillingError as error:
            self._audit(
                "link_failed",
                case,
                actor,
                stripe_ids=[target],
                outcome="error",
                detail={"kind": str(kind), "error": error.message},
            )
            raise
        self._close(case, actor, kind)
        self._audit(
            "link_sent", case, actor, stripe_ids=[link.id], outcome="success", detail={"kind": str(kind)}
        )
        return ActionOutcome(kind=kind, case_id=case_id, actor=actor, results={RESULT: link})

    def _portal_gap(self, case: Case, actor: str, config_id: str, missing: list[str]) -> PortalCheck:
        gaps = portal_gaps(missing)
        for gap in gaps:
            self.store.record_gap(case.id, gap)
        self._audit(
            "portal_gap",
            case,
            actor,
            stripe_ids=[config_id],
            outcome="blocked",
            detail={"missing": missing, "gaps": gaps},
        )
        return PortalCheck(configuration_id=config_id, missing_features=missing, gaps=gaps)
