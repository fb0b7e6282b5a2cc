"""The five buckets an operator classifies a case into, and the anomalies a snapshot flags."""

from __future__ import annotations

from enum import StrEnum

from pydantic import Field

from billing.model_base import Model


class Bucket(StrEnum):
    """The five classifications an operator chooses from before any action."""

    DUPLICATE = "duplicate"
    TEAM = "team"
    FAILED_PAYMENT = "failed_payment"
    MISSING_SELF_SERVE = "missing_self_serve"
    PRODUCT_FAILURE = "product_failure"

    @property
    def label(self) -> str:
        return BUCKET_LABELS[self]

    @property
    def gap(self) -> str:
        """What the product or website should fix so this kind of ticket never happens."""
        return BUCKET_GAPS[self]


BUCKET_LABELS: dict[Bucket, str] = {
    Bucket.DUPLICATE: "Duplicate personal subscription",
    Bucket.TEAM: "Team / multi-seat",
    Bucket.FAILED_PAYMENT: "Failed payment",
    Bucket.MISSING_SELF_SERVE: "Missing self-serve",
    Bucket.PRODUCT_FAILURE: "Product failure",
}
BUCKET_GAPS: dict[Bucket, str] = {
    Bucket.DUPLICATE: "No duplicate-subscription guard at checkout",
    Bucket.TEAM: "Seat-based pricing is not explained at checkout or on the invoice",
    Bucket.FAILED_PAYMENT: "No in-app prompt to update a failed or expiring card",
    Bucket.MISSING_SELF_SERVE: "No self-serve cancel / manage-billing link in account settings",
    Bucket.PRODUCT_FAILURE: "A product failure turned into a billing ticket",
}


class AnomalyKind(StrEnum):
    DUPLICATE_SUBSCRIPTIONS = "duplicate_subscriptions"
    OVERLAPPING_PLANS = (
        "overlapping_plans"  # one product, monthly and yearly: usually a switch, not a duplicate
    )
    PAST_DUE = "past_due"
    UNPAID = "unpaid"
    INCOMPLETE = "incomplete"
    FAILED_PAYMENT = "failed_payment"
    OPEN_DISPUTE = "open_dispute"
    REFUNDED = "refunded"
    SCHEDULED_CANCELLATION = "scheduled_cancellation"
    CARD_EXPIRES_BEFORE_RENEWAL = "card_expires_before_renewal"
    SHARED_EMAIL = "shared_email"


class Anomaly(Model):
    kind: AnomalyKind
    summary: str
    object_ids: list[str] = Field(default_factory=list)
