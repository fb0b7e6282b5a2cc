"""CustomerSnapshot: one customer's billing state as the card shows it, with anomalies and a suggestion."""

from __future__ import annotations

from datetime import datetime

from pydantic import Field

from billing.models import Anomaly, BillingRecords, Bucket, Customer, Model


class CustomerSnapshot(Model):
    records: BillingRecords
    anomalies: list[Anomaly] = Field(default_factory=list)
    suggestion: Bucket | None = None
    suggestion_reason: str = ""
    matched_on: str = ""
    livemode: bool = False
    taken_at: datetime

    @property
    def customer(self) -> Customer:
        return self.records.customer


class CustomerCandidate(Model):
    """One of several customers that share an identifier (e.g. two customers with one email)."""

    customer: Customer
    subscription_count: int


class LookupResult(Model):
    """Either one snapshot, or several candidates for the operator to choose from."""

    query: str
    matched_on: str
    snapshot: CustomerSnapshot | None = None
    candidates: list[CustomerCandidate] = Field(default_factory=list)


def dashboard_url(object_id: str, *, livemode: bool) -> str:
    """A Stripe Dashboard link that respects test vs live mode."""
    prefix = "https://dashboard.stripe.com" + ("" if livemode else "/test")
    paths = {
        "cus_": "customers",
        "sub_": "subscriptions",
        "in_": "invoices",
        "ch_": "payments",
        "pi_": "payments",
        "re_": "refunds",
        "dp_": "disputes",
    }
    for id_prefix, path in paths.items():
        if object_id.startswith(id_prefix):
            return f"{prefix}/{path}/{object_id}"
    return prefix
