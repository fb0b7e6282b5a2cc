"""What a classifier returns, and the Protocol every classifier implements."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from pydantic import Field

from billing.models import Anomaly, BillingRecords, Bucket, Model

NO_SUGGESTION = "No billing problem detected; classify by hand."


class Suggestion(Model):
    """A bucket (or none), how sure, and why: the customer's words that mattered and the state facts."""

    bucket: Bucket | None = None
    confidence: float = 0.0
    # Set when the second bucket is close: the card says "unsure between bucket and runner_up".
    runner_up: Bucket | None = None
    reason: str = NO_SUGGESTION
    quotes: list[str] = Field(default_factory=list)
    facts: list[str] = Field(default_factory=list)
    # The language the message seems to be in, when the classifier does not read it.
    unread_language: str | None = None

    @property
    def unsure(self) -> bool:
        return self.bucket is not None and self.runner_up is not None


class Classifier(Protocol):
    def classify(
        self, records: BillingRecords, anomalies: Sequence[Anomaly], complaint: str = ""
    ) -> Suggestion:
        """Deterministic for the same input; `complaint` is already cleaned (clean_complaint)."""
        ...
