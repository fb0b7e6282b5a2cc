"""The digest's data: risk sections, rows, totals and the digest itself (pure models, no I/O)."""

from __future__ import annotations

import json
from datetime import datetime
from enum import StrEnum

from pydantic import Field

from billing.models import Model
from billing.money import Money


class RiskSection(StrEnum):
    FAILED_RENEWAL = "failed_renewal"
    INCOMPLETE_CHECKOUT = "incomplete_checkout"
    SCHEDULED_CANCELLATION = "scheduled_cancellation"
    TRIAL_ENDING = "trial_ending"
    CARD_EXPIRING = "card_expiring"
    OPEN_DISPUTE = "open_dispute"
    DUPLICATE = "duplicate"
    CHURNED = "churned"

    @property
    def label(self) -> str:
        return SECTION_LABELS[self]


SECTION_LABELS: dict[RiskSection, str] = {
    RiskSection.FAILED_RENEWAL: "Failed renewals",
    RiskSection.INCOMPLETE_CHECKOUT: "Incomplete checkouts",
    RiskSection.SCHEDULED_CANCELLATION: "Scheduled cancellations (next 14 days)",
    RiskSection.TRIAL_ENDING: "Trials ending within 3 days, no payment method",
    RiskSection.CARD_EXPIRING: "Cards expiring before the next renewal",
    RiskSection.OPEN_DISPUTE: "Open disputes",
    RiskSection.DUPLICATE: "Duplicate active subscriptions",
    RiskSection.CHURNED: "Churned or switched plans since the last digest",
}

# Rows in these sections are money that may still be saved; churned is already lost, disputes are one-off.
RECURRING_SECTIONS = frozenset(RiskSection) - {RiskSection.CHURNED, RiskSection.OPEN_DISPUTE}


class RiskRow(Model):
    section: RiskSection
    customer_id: str
    customer_name: str | None = None
    customer_email: str | None = None
    object_id: str
    # MRR of the subscription at risk; for disputes and stray invoices, the amount itself.
    at_stake: Money
    detail: str = ""
    # The same subscription in two sections is counted once in the totals.
    dedupe_key: str = ""
    # A churned row that is a plan switch (a new subscription of the same product followed): not lost MRR.
    switch: bool = False


class DigestTotals(Model):
    at_risk: dict[str, Money] = Field(default_factory=dict)
    churned: dict[str, Money] = Field(default_factory=dict)
    disputed: dict[str, Money] = Field(default_factory=dict)
    customers: int = 0


class Digest(Model):
    generated_at: datetime
    since: datetime
    rows: list[RiskRow]
    totals: DigestTotals
    previous: DigestTotals | None = None

    @property
    def quiet(self) -> bool:
        return not self.rows

    def section(self, section: RiskSection) -> list[RiskRow]:
        return [row for row in self.rows if row.section == section]

    def sections(self) -> list[tuple[RiskSection, list[RiskRow]]]:
        return [(section, rows) for section in RiskSection if (rows := self.section(section))]

    def change(self) -> dict[str, Money]:
        """At-risk MRR now minus at the previous digest, per currency (a currency may appear or vanish)."""
        before = self.previous.at_risk if self.previous else {}
        codes = sorted(set(before) | set(self.totals.at_risk))
        return {
            code: Money(
                amount=_amount(self.totals.at_risk.get(code)) - _amount(before.get(code)), currency=code
            )
            for code in codes
        }


def _amount(money: Money | None) -> int:
    return money.amount if money else 0


def summary_json(totals: DigestTotals) -> str:
    return json.dumps(totals.model_dump(mode="json"), sort_keys=True)


def summary_from_json(raw: str | None) -> DigestTotals | None:
    return DigestTotals.model_validate_json(raw) if raw else None
