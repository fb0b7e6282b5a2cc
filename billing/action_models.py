"""The data of an action, apart from the service that runs it: cases, plans, pending actions, outcomes.

Pure pydantic models (no store, no gateway), so messages/ can read them without loading SQLite or Stripe.
What each action kind *does* lives in its definition under billing/action_kinds/.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from enum import StrEnum
from typing import Annotated, Any, TypeVar

from pydantic import AfterValidator, Field, SerializeAsAny

from billing.models import (
    Bucket,
    Charge,
    Customer,
    Dispute,
    Invoice,
    Model,
    PortalSession,
    Refund,
    Subscription,
    WriteResult,
)
from billing.money import Money


class ActionKind(StrEnum):
    """The built-in kinds. A kind is a string: a definition registered elsewhere (a test's toy action)
    needs no member here."""

    CANCEL_AND_REFUND = "cancel_and_refund"  # duplicate: cancel the newer one now, refund its charge
    CANCEL_AT_PERIOD_END = "cancel_at_period_end"
    END_OVERLAP = "end_overlap"  # monthly + yearly of one product: end the one chosen now, refund its charge
    REFUND = "refund"
    RETRY_PAYMENT = "retry_payment"
    PORTAL_LINK = "portal_link"
    EXPLAIN_BILLING = "explain_billing"
    KEEP_BOTH = "keep_both"
    NO_ACTION = "no_action"
    CHANGE_SEATS = "change_seats"
    SEND_INVOICE_LINK = "send_invoice_link"
    SEND_RECEIPT = "send_receipt"
    SEND_INVOICE = "send_invoice"
    SWITCH_INTERVAL = "switch_interval"
    PORTAL_PAYMENT_METHOD = "portal_payment_method"
    PORTAL_CANCEL = "portal_cancel"
    CREDIT_NOTE = "credit_note"  # a credit note on a paid invoice: refund to the card or customer balance
    CANCEL_PRORATED = "cancel_prorated"  # cancel now, refund the unused part of the period paid
    ACCEPT_DISPUTE = "accept_dispute"  # close the dispute: the money is lost
    RECORD_GAP = "record_gap"  # the operator's own product gap, counted by `audit --gaps`
    UNDO_CANCELLATION = "undo_cancellation"
    PAUSE_COLLECTION = "pause_collection"
    RESUME_COLLECTION = "resume_collection"
    EXTEND_TRIAL = "extend_trial"
    APPLY_COUPON = "apply_coupon"
    ACCOUNT_CREDIT = "account_credit"


def _known_kind(value: str) -> str:
    try:
        return ActionKind(value)
    except ValueError:
        return value


Kind = Annotated[str, AfterValidator(_known_kind)]


class CaseStatus(StrEnum):
    OPEN = "open"
    CLASSIFIED = "classified"
    ACTED = "acted"


class PendingStatus(StrEnum):
    PENDING = "pending"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"
    CANCELLED = "cancelled"


class Interaction(StrEnum):
    """What a click on the action's button does."""

    CONFIRM = "confirm"  # (ask the definition's form first, if any,) plan, show the exact effect, run on a
    # second click
    PORTAL = "portal"  # a billing-portal session for the customer, or the gap
    RESOLVE = "resolve"  # close the case without changing Stripe
    LINK = (
        "link"  # a Stripe page for the customer (hosted invoice, receipt) handed to the operator; no change
    )


class Option(Model):
    """One button of a bucket's ladder: what it does, the Stripe object it targets, and whether it asks the
    operator's choices in a form before its Confirm prompt."""

    kind: Kind
    target: str | None = None
    asks: bool = False


# --- forms: the choices an operator makes before a Confirm prompt (rendered as a Slack modal by messages/) ---

# A submitted form: field name -> value ("" for an optional field left empty).
Choices = Mapping[str, str]
# The field whose value replaces the button's target (which subscription, invoice or charge).
TARGET_FIELD = "target"


class FieldKind(StrEnum):
    SELECT = "select"
    TEXT = "text"
    AMOUNT = "amount"  # major units of the field's currency, e.g. "12.50"
    DATE = "date"  # YYYY-MM-DD
    NUMBER = "number"  # a whole number


class Choice(Model):
    value: str
    label: str


class FormField(Model):
    name: str
    label: str
    kind: FieldKind
    choices: list[Choice] = Field(default_factory=list)
    initial: str | None = None
    optional: bool = False
    hint: str | None = None
    currency: str | None = None
    multiline: bool = False


class Form(Model):
    title: str
    submit: str = "Continue"
    intro: str | None = None  # plain words above the fields (messages/ escapes everything in a form)
    fields: list[FormField]


class Step(Model):
    name: str  # e.g. "cancel", "refund", "pay": part of the idempotency key
    object_id: str
    amount: int | None = None
    at_period_end: bool = False
    refunded_before: int | None = None  # the charge's amount_refunded when planned; None in older rows
    params: dict[str, Any] = Field(default_factory=dict)  # the action's own planned values (JSON)


class Plan(Model):
    kind: Kind
    customer_id: str
    steps: list[Step]
    amount: int | None = None
    currency: str | None = None
    summary: str
    # What the approval threshold weighs: money moved now, plus the yearly contract value given up.
    impact: Money | None = None
    # Product gaps the Confirm records with the case (e.g. the operator's own words), besides the definition's.
    gaps: list[str] = Field(default_factory=list)

    @property
    def target_ids(self) -> list[str]:
        return [step.object_id for step in self.steps]

    @property
    def refund_amount(self) -> Money | None:
        for step in self.steps:
            if step.name == "refund" and step.amount and self.currency:
                return Money(amount=step.amount, currency=self.currency)
        return None


class Case(Model):
    id: str
    customer_id: str
    matched_on: str = ""
    complaint: str = ""
    suggested_bucket: Bucket | None = None
    bucket: Bucket | None = None
    bucket_by: str | None = None
    status: CaseStatus
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
    kind: Kind
    requested_by: str
    customer_id: str
    target_ids: list[str]
    amount: int | None = None
    currency: str | None = None
    summary: str
    steps: list[Step]
    needs_second_operator: bool = False
    impact: Money | None = None
    gaps: list[str] = Field(default_factory=list)
    status: PendingStatus
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
            kind=row["kind"],
            requested_by=row["requested_by"],
            customer_id=row["customer_id"],
            target_ids=row["target_ids"],
            amount=row["amount"],
            currency=row["currency"],
            summary=row["summary"],
            steps=[Step.model_validate(step) for step in params.get("steps", [])],
            needs_second_operator=bool(params.get("needs_second_operator")),
            impact=Money.model_validate(params["impact"]) if params.get("impact") else None,
            gaps=list(params.get("gaps") or []),
            status=PendingStatus(row["status"]),
            expires_at=datetime.fromisoformat(row["expires_at"]),
            claimed_by=row["claimed_by"],
            last_error=row["last_error"],
            attempts=row["attempts"] or 0,
            progress=row["result"],
        )


R = TypeVar("R", bound=WriteResult)
# A money action's target as its re-check read it from Stripe.
TargetRead = Subscription | Charge | Invoice | Dispute | Customer


class UnfinishedStep(Model):
    """A planned step that never changed Stripe because Stripe refused it for good after an earlier step of
    the same action had already changed Stripe."""

    name: str
    object_id: str
    reason: str


class ActionOutcome(Model):
    """What was done, for the card's final state and the handoff. `results` holds what each step's
    Stripe call returned, by step name; the action's definition knows which steps it has. `unfinished`
    names the steps that did not happen when the action was only partly done."""

    kind: Kind
    case_id: str
    actor: str
    requested_by: str | None = None
    nonce: str | None = None
    results: dict[str, SerializeAsAny[WriteResult]] = Field(default_factory=dict)
    request_ids: list[str] = Field(default_factory=list)
    # The targets as re-read just before Stripe was changed (billing.before_state rebuilds the handoff's
    # "before" from them and the state after, so a Confirm reads only what its re-check needs).
    targets_before: list[TargetRead] = Field(default_factory=list)
    unfinished: list[UnfinishedStep] = Field(default_factory=list)

    def result(self, step: str, of_type: type[R]) -> R | None:
        found = self.results.get(step)
        return found if isinstance(found, of_type) else None

    @property
    def refund(self) -> Refund | None:
        return self.result("refund", Refund)

    @property
    def subscription(self) -> Subscription | None:
        return self.result("cancel", Subscription)

    @property
    def invoice(self) -> Invoice | None:
        return self.result("pay", Invoice)

    @property
    def portal(self) -> PortalSession | None:
        return self.result("portal", PortalSession)

    def stripe_ids(self) -> list[str]:
        ids = [result_id for result in self.results.values() if (result_id := getattr(result, "id", None))]
        ids += [
            refund.charge_id
            for refund in self.results.values()
            if isinstance(refund, Refund) and refund.charge_id
        ]
        return ids


class PortalCheck(Model):
    """A portal session, or the reason the portal cannot do what this bucket needs."""

    configuration_id: str | None = None
    not_set_up: bool = False  # no portal configuration saved in this Stripe account
    missing_features: list[str] = Field(default_factory=list)
    gaps: list[str] = Field(default_factory=list)
    outcome: ActionOutcome | None = None


class RevenueImpact(Model):
    """Per currency, never summed across currencies. mrr_change is negative for lost revenue."""

    refunded: list[Money] = Field(default_factory=list)
    mrr_change: list[Money] = Field(default_factory=list)
    mrr_change_from: datetime | None = None  # set when the change only starts at period end
    credited: list[Money] = Field(default_factory=list)  # account credit given (the customer's balance)
    lost_to_disputes: list[Money] = Field(default_factory=list)  # disputes accepted
    given_up: list[Money] = Field(
        default_factory=list
    )  # billing forgone: paused or free time, a one-off discount
