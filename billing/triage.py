"""Suggest one of the five buckets from a customer's records and anomalies (pure; the operator decides).

Rules, first match wins, and why in this order:
1. DUPLICATE: a duplicate subscription is money taken twice right now, and its fix (cancel one,
   refund it) also settles any dispute or complaint that grew out of it.
2. PRODUCT_FAILURE: an open dispute (a deadline is running and the money is already held), or a
   support note asking for a refund / reporting something broken. An explicit complaint beats the
   automated states below: a customer who stopped paying because the product broke is not a card issue.
3. FAILED_PAYMENT: past_due / unpaid / incomplete subscriptions or unresolved failed payments.
4. MISSING_SELF_SERVE: the support note asks to cancel and the customer portal does not let them
   (or we could not tell). When the portal does allow cancelling, this rule does not fire.
5. TEAM: a subscription with quantity > 1, or several live subscriptions to one product that are not
   duplicates. Last because it is a shape of account, not a problem.
Otherwise no suggestion.
"""

from __future__ import annotations

import re
from collections import Counter

from billing.models import (
    Anomaly,
    AnomalyKind,
    BillingRecords,
    Bucket,
    Customer,
    PortalConfiguration,
)

SUPPORT_NOTE_KEYS = ("support_note",)
PRODUCT_FAILURE_WORDS = re.compile(
    r"\b(broken|bugs?|buggy|refund\w*|not working|(?:does|did|do)(?:n't| not) work|crash\w*|outage)\b",
    re.IGNORECASE,
)
CANCEL_WORDS = re.compile(
    r"\b(cancel\w*|unsubscrib\w*|stop (?:billing|charging|my subscription|the subscription)|close my account)\b",
    re.IGNORECASE,
)
FAILED_PAYMENT_KINDS = (
    AnomalyKind.PAST_DUE,
    AnomalyKind.UNPAID,
    AnomalyKind.INCOMPLETE,
    AnomalyKind.FAILED_PAYMENT,
)


def suggest_bucket(
    records: BillingRecords,
    anomalies: list[Anomaly],
    portal_configurations: list[PortalConfiguration] | None = None,
) -> tuple[Bucket | None, str]:
    """(bucket or None, one-line reason). `portal_configurations` defaults to the records' own."""
    configurations = portal_configurations
    if configurations is None and records.portal_configurations:
        configurations = records.portal_configurations
    note = support_note(records.customer)
    for rule in (
        _duplicate,
        _product_failure,
        _failed_payment,
    ):
        found = rule(anomalies, note)
        if found is not None:
            return found
    self_serve = _missing_self_serve(note, configurations)
    if self_serve is not None:
        return self_serve
    team = _team(records, anomalies)
    if team is not None:
        return team
    return None, "No billing problem detected; classify by hand."


def support_note(customer: Customer) -> str:
    return " ".join(customer.metadata[key] for key in SUPPORT_NOTE_KEYS if customer.metadata.get(key))


def _first(anomalies: list[Anomaly], *kinds: AnomalyKind) -> Anomaly | None:
    return next((anomaly for anomaly in anomalies if anomaly.kind in kinds), None)


def _duplicate(anomalies: list[Anomaly], note: str) -> tuple[Bucket, str] | None:
    anomaly = _first(anomalies, AnomalyKind.DUPLICATE_SUBSCRIPTIONS)
    return (Bucket.DUPLICATE, anomaly.summary) if anomaly else None


def _product_failure(anomalies: list[Anomaly], note: str) -> tuple[Bucket, str] | None:
    dispute = _first(anomalies, AnomalyKind.OPEN_DISPUTE)
    if dispute is not None:
        return Bucket.PRODUCT_FAILURE, dispute.summary
    match = PRODUCT_FAILURE_WORDS.search(note)
    if match:
        return Bucket.PRODUCT_FAILURE, f"Support note mentions “{match[0].lower()}”."
    return None


def _failed_payment(anomalies: list[Anomaly], note: str) -> tuple[Bucket, str] | None:
    anomaly = _first(anomalies, *FAILED_PAYMENT_KINDS)
    return (Bucket.FAILED_PAYMENT, anomaly.summary) if anomaly else None


def _missing_self_serve(
    note: str, configurations: list[PortalConfiguration] | None
) -> tuple[Bucket, str] | None:
    if not CANCEL_WORDS.search(note):
        return None
    if configurations is None:
        return Bucket.MISSING_SELF_SERVE, "Support note asks to cancel (portal settings unknown)."
    if portal_allows_cancel(configurations):
        return None
    return Bucket.MISSING_SELF_SERVE, "Support note asks to cancel; the customer portal does not allow it."


def portal_allows_cancel(configurations: list[PortalConfiguration]) -> bool:
    """The default active configuration is what a portal session uses unless told otherwise."""
    default = [config for config in configurations if config.is_default and config.active]
    return any(config.subscription_cancel for config in default)


def _team(records: BillingRecords, anomalies: list[Anomaly]) -> tuple[Bucket, str] | None:
    live = [sub for sub in records.subscriptions if sub.is_live]
    multi_seat = next((sub for sub in live if sub.quantity > 1), None)
    if multi_seat is not None:
        return Bucket.TEAM, f"{multi_seat.id} has {multi_seat.quantity} seats."
    duplicates = {
        object_id
        for anomaly in anomalies
        if anomaly.kind == AnomalyKind.DUPLICATE_SUBSCRIPTIONS
        for object_id in anomaly.object_ids
    }
    per_product = Counter(product for sub in live if sub.id not in duplicates for product in sub.product_ids)
    product, count = per_product.most_common(1)[0] if per_product else ("", 0)
    if count > 1:
        names = {item.price.product_id: item.price.label() for sub in live for item in sub.items}
        return Bucket.TEAM, f"{count} live subscriptions to {names.get(product, product)} (seats over time)."
    return None
