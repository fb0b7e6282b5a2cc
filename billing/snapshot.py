"""CustomerSnapshot: one customer's billing state as the card shows it, with anomalies and a suggestion."""

from __future__ import annotations

from datetime import datetime, timedelta

from pydantic import Field

from billing.classify import Classifier, RuleClassifier, Suggestion, clean_complaint
from billing.models import (
    Anomaly,
    AnomalyKind,
    BillingRecords,
    Bucket,
    CardSummary,
    Charge,
    Customer,
    Invoice,
    Model,
    PortalConfiguration,
    Subscription,
    oldest_first,
)
from billing.money import format_money

# Two purchases of one plan this close together are a double sign-up, not a deliberate second seat.
DUPLICATE_WINDOW = timedelta(days=7)
# Two cards: a retried checkout happens within the day; later it is more likely a second person.
SAME_PURCHASE_WINDOW = timedelta(days=1)


class CustomerSnapshot(Model):
    records: BillingRecords
    anomalies: list[Anomaly] = Field(default_factory=list)
    suggestion: Bucket | None = None
    suggestion_reason: str = ""
    # The classifier's whole answer (evidence, confidence) and the cleaned complaint it read.
    judgement: Suggestion | None = None
    complaint: str = ""
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
    # The cleaned complaint, carried to the candidates' Open buttons' case.
    complaint: str = ""


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


# --- building a snapshot (pure) -----------------------------------------------------------------


def build_snapshot(
    records: BillingRecords,
    *,
    now: datetime,
    matched_on: str,
    livemode: bool,
    portal_configurations: list[PortalConfiguration] | None = None,
    complaint: str = "",
    classifier: Classifier | None = None,
) -> CustomerSnapshot:
    # Cleaned here too: whatever path the words came by, the snapshot never holds a card number or secret.
    complaint = clean_complaint(complaint)
    if portal_configurations is not None:
        records = records.model_copy(update={"portal_configurations": portal_configurations})
    anomalies = find_anomalies(records, now=now)
    judgement = (classifier or RuleClassifier()).classify(records, anomalies, complaint)
    return CustomerSnapshot(
        records=records,
        anomalies=anomalies,
        suggestion=judgement.bucket,
        suggestion_reason=judgement.reason,
        judgement=judgement,
        complaint=complaint,
        matched_on=matched_on,
        livemode=livemode,
        taken_at=now,
    )


def find_anomalies(records: BillingRecords, *, now: datetime) -> list[Anomaly]:
    """Most urgent first: money taken twice, money not collected, money contested, then notices."""
    status_anomalies = subscription_status_anomalies(records)
    return [
        *duplicate_subscription_anomalies(
            records.subscriptions, default_card=records.customer.default_payment_method
        ),
        *overlapping_plan_anomalies(
            records.subscriptions, default_card=records.customer.default_payment_method
        ),
        *status_anomalies,
        *failed_payment_anomalies(records, already_flagged=status_anomalies),
        *open_dispute_anomalies(records),
        *card_expiry_anomalies(records, now=now),
        *scheduled_cancellation_anomalies(records.subscriptions),
        *refund_anomalies(records),
    ]


def duplicate_subscription_anomalies(
    subscriptions: list[Subscription], *, default_card: CardSummary | None = None
) -> list[Anomaly]:
    """Single-seat subscriptions of one plan bought close together, oldest (the original) first, in Stripe's
    creation order. (The digest's duplicate section uses this rule too.)"""
    groups: list[list[Subscription]] = []
    single_seats = [sub for sub in subscriptions if sub.is_live and sub.quantity == 1]
    for sub in oldest_first(single_seats):
        group = next((group for group in groups if any(_duplicates(sub, other) for other in group)), None)
        if group is None:
            groups.append([sub])
        else:
            group.append(sub)
    return [_duplicate_anomaly(group, default_card) for group in groups if len(group) > 1]


def _duplicates(newer: Subscription, older: Subscription) -> bool:
    """Same plan within a week on the same card; or within a day on another card (a checkout retried with a
    second card after a decline: the anomaly says which card pays for which, the customer's words decide)."""
    same_plan = bool(newer.price_ids & older.price_ids or _same_product_and_interval(newer, older))
    gap = abs(newer.created - older.created)
    if _same_payer(newer.default_payment_method, older.default_payment_method):
        return same_plan and gap <= DUPLICATE_WINDOW
    return same_plan and gap <= SAME_PURCHASE_WINDOW


def _intervals(sub: Subscription) -> frozenset[tuple[str | None, int]]:
    return frozenset((item.price.interval, item.price.interval_count) for item in sub.items)


def _same_product_and_interval(newer: Subscription, older: Subscription) -> bool:
    return bool(newer.product_ids & older.product_ids) and _intervals(newer) == _intervals(older)


def _overlaps(newer: Subscription, older: Subscription) -> bool:
    """One product on two billing intervals (a monthly and a yearly) bought close together."""
    close = abs(newer.created - older.created) <= DUPLICATE_WINDOW
    return bool(newer.product_ids & older.product_ids) and _intervals(newer) != _intervals(older) and close


def overlapping_plan_anomalies(
    subscriptions: list[Subscription], *, default_card: CardSummary | None = None
) -> list[Anomaly]:
    """A monthly and a yearly of one product bought close together: usually a switch, never a duplicate."""
    oldest = oldest_first([sub for sub in subscriptions if sub.is_live and sub.quantity == 1])
    anomalies = []
    for index, newer in enumerate(oldest):
        for older in oldest[:index]:
            if not _overlaps(newer, older):
                continue
            summary = (
                f"{plan_name(older)} on two billing periods, created {_duration(newer.created - older.created)}"
                f" apart: {_paid_by(older, default_card, interval=True)}, then"
                f" {_paid_by(newer, default_card, interval=True)}."
                " An overlap, usually a switch of plan, not a duplicate: the operator chooses which one ends"
            )
            anomalies.append(
                Anomaly(kind=AnomalyKind.OVERLAPPING_PLANS, summary=summary, object_ids=[older.id, newer.id])
            )
    return anomalies


_EVERY = {"day": "daily", "week": "weekly", "month": "monthly", "year": "yearly"}


def _same_payer(card: CardSummary | None, other: CardSummary | None) -> bool:
    """Subscriptions paid with two different cards may be two people sharing a login: not a duplicate."""
    return card is None or other is None or card == other


def _duplicate_anomaly(group: list[Subscription], default_card: CardSummary | None) -> Anomaly:
    gap = group[-1].created - group[0].created
    when = f"{_duration(gap)} apart" if gap else "in the same second"
    duplicates = ", ".join(_paid_by(sub, default_card) for sub in group[1:])
    two_cards = len({sub.default_payment_method or default_card for sub in group}) > 1
    second_card = "; paid by different cards: a checkout retried with a second card, or a second person"
    summary = (
        f"{len(group)} live {plan_name(group[0])} subscriptions, each for 1 seat, created {when}:"
        f" original {_paid_by(group[0], default_card)}; duplicate {duplicates}{second_card if two_cards else ''}"
    )
    return Anomaly(
        kind=AnomalyKind.DUPLICATE_SUBSCRIPTIONS, summary=summary, object_ids=[sub.id for sub in group]
    )


def _paid_by(sub: Subscription, default_card: CardSummary | None, *, interval: bool = False) -> str:
    card = sub.default_payment_method or default_card
    intervals = {_EVERY.get(item.price.interval or "", "") for item in sub.items}
    every = f" {intervals.pop()}".rstrip() if interval and len(intervals) == 1 else ""
    return f"{sub.id}{every} " + (f"paid by {card.short_label()}" if card else "with no card on file")


def subscription_status_anomalies(records: BillingRecords) -> list[Anomaly]:
    invoices = {invoice.id: invoice for invoice in records.invoices}
    anomalies = []
    for sub in records.subscriptions:
        kind, what = _STATUS_PROBLEMS.get(sub.status, (None, ""))
        if kind is None:
            continue
        invoice = invoices.get(sub.latest_invoice_id or "")
        ids = [sub.id, *([sub.latest_invoice_id] if sub.latest_invoice_id else [])]
        summary = f"{plan_name(sub)} subscription {what}" + (_invoice_detail(invoice) if invoice else "")
        anomalies.append(Anomaly(kind=kind, summary=summary, object_ids=ids))
    return anomalies


_STATUS_PROBLEMS: dict[str, tuple[AnomalyKind, str]] = {
    "past_due": (AnomalyKind.PAST_DUE, "is past due: the renewal payment failed and Stripe is retrying"),
    "unpaid": (AnomalyKind.UNPAID, "is unpaid: Stripe stopped retrying the renewal payment"),
    "incomplete": (AnomalyKind.INCOMPLETE, "is incomplete: the first payment never succeeded"),
}


def _invoice_detail(invoice: Invoice) -> str:
    attempts = f" after {invoice.attempt_count} attempt{'s' if invoice.attempt_count != 1 else ''}"
    due = format_money(invoice.amount_remaining, invoice.currency)
    return f" ({due} {invoice.status or 'due'}{attempts if invoice.attempt_count else ''})"


def failed_payment_anomalies(records: BillingRecords, *, already_flagged: list[Anomaly]) -> list[Anomaly]:
    """Open invoices Stripe already tried, then failed charges nothing later made good."""
    flagged = {object_id for anomaly in already_flagged for object_id in anomaly.object_ids}
    anomalies = []
    covered_intents: set[str] = set()
    for invoice in records.invoices:
        if invoice.id in flagged:
            covered_intents.update(invoice.payment_intent_ids)
        elif invoice.status == "open" and invoice.attempt_count > 0:
            covered_intents.update(invoice.payment_intent_ids)
            summary = f"Invoice{_invoice_detail(invoice)}"
            anomalies.append(
                Anomaly(kind=AnomalyKind.FAILED_PAYMENT, summary=summary, object_ids=[invoice.id])
            )
    anomalies += [
        _failed_charge_anomaly(charge)
        for charge in _unresolved_failures(records.charges)
        if charge.payment_intent_id not in covered_intents or charge.payment_intent_id is None
    ]
    return anomalies


def _unresolved_failures(charges: list[Charge]) -> list[Charge]:
    # A failed attempt later retried successfully on the same PaymentIntent is history, not a problem.
    paid_intents = {c.payment_intent_id for c in charges if c.status == "succeeded" and c.payment_intent_id}
    failed = [c for c in charges if c.status == "failed" and c.payment_intent_id not in paid_intents]
    return sorted(failed, key=lambda charge: charge.created, reverse=True)


def _failed_charge_anomaly(charge: Charge) -> Anomaly:
    why = charge.failure_message or charge.failure_code or "no reason given"
    summary = f"Payment of {charge.money().format()} failed on {_day(charge.created)}: {why}"
    return Anomaly(kind=AnomalyKind.FAILED_PAYMENT, summary=summary, object_ids=[charge.id])


def open_dispute_anomalies(records: BillingRecords) -> list[Anomaly]:
    anomalies = []
    for dispute in records.disputes:
        if not dispute.is_open:
            continue
        amount = format_money(dispute.amount, dispute.currency)
        reason = (dispute.reason or "no reason").replace("_", " ")
        summary = (
            f"Open dispute for {amount} ({reason}), status {dispute.status.replace('_', ' ')}"
            + (f", respond by {_day(dispute.due_by)}" if dispute.due_by else "")
            + f". No refund while disputed: respond in the Stripe Dashboard,"
            f" {dashboard_url(dispute.id, livemode=records.customer.livemode)}"
        )
        ids = [dispute.id, *([dispute.charge_id] if dispute.charge_id else [])]
        anomalies.append(Anomaly(kind=AnomalyKind.OPEN_DISPUTE, summary=summary, object_ids=ids))
    return anomalies + unlisted_dispute_anomalies(records)


def unlisted_dispute_anomalies(records: BillingRecords) -> list[Anomaly]:
    """Disputes are listed account-wide in a bounded window, so a disputed charge may have none listed;
    it is still flagged, with no claim about the dispute's status."""
    listed = {dispute.charge_id for dispute in records.disputes}
    return [
        Anomaly(
            kind=AnomalyKind.OPEN_DISPUTE,
            summary=(
                f"Payment of {charge.money().format()} on {_day(charge.created)} was disputed; "
                "the dispute's status is in the Stripe Dashboard"
            ),
            object_ids=[charge.id],
        )
        for charge in records.charges
        if charge.disputed and charge.id not in listed
    ]


def card_expiry_anomalies(records: BillingRecords, *, now: datetime) -> list[Anomaly]:
    """One anomaly per card, naming every subscription that will renew after it expires."""
    renewing_after: dict[CardSummary, list[Subscription]] = {}
    for sub in records.subscriptions:
        card = sub.default_payment_method or records.customer.default_payment_method
        renewal = sub.current_period_end
        if not sub.is_live or _is_cancelling(sub) or card is None or renewal is None:
            continue
        if card.expires_before(renewal):
            renewing_after.setdefault(card, []).append(sub)
    anomalies = []
    for card, subs in renewing_after.items():
        renewal = min(sub.current_period_end or now for sub in subs)
        expiry = f"{card.exp_month:02d}/{card.exp_year % 100:02d}"
        state = "expired" if card.expires_before(now) else "expires"
        summary = f"{card.short_label()} {state} {expiry}, before the renewal on {_day(renewal)}"
        anomalies.append(
            Anomaly(
                kind=AnomalyKind.CARD_EXPIRES_BEFORE_RENEWAL,
                summary=summary,
                object_ids=[sub.id for sub in subs],
            )
        )
    return anomalies


def scheduled_cancellation_anomalies(subscriptions: list[Subscription]) -> list[Anomaly]:
    anomalies = []
    for sub in subscriptions:
        if not sub.is_live or not _is_cancelling(sub):
            continue
        when = sub.cancel_at or sub.current_period_end
        summary = f"{plan_name(sub)} subscription is set to cancel" + (f" on {_day(when)}" if when else "")
        anomalies.append(
            Anomaly(kind=AnomalyKind.SCHEDULED_CANCELLATION, summary=summary, object_ids=[sub.id])
        )
    return anomalies


def refund_anomalies(records: BillingRecords) -> list[Anomaly]:
    anomalies = []
    for charge in records.charges:
        if charge.amount_refunded <= 0:
            continue
        refunded = format_money(charge.amount_refunded, charge.currency)
        extent = "in full" if charge.amount_refunded >= charge.amount else f"of {charge.money().format()}"
        summary = f"Already refunded {refunded} {extent} (payment of {_day(charge.created)})"
        refund_ids = [refund.id for refund in records.refunds if refund.charge_id == charge.id]
        anomalies.append(
            Anomaly(kind=AnomalyKind.REFUNDED, summary=summary, object_ids=[charge.id, *refund_ids])
        )
    return anomalies


def _is_cancelling(sub: Subscription) -> bool:
    return sub.cancel_at_period_end or sub.cancel_at is not None


def plan_name(sub: Subscription) -> str:
    names = [item.price.product_name or item.price.nickname or item.price.product_id for item in sub.items]
    return ", ".join(dict.fromkeys(names)) or sub.id


def _day(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%d")


def _duration(delta: timedelta) -> str:
    seconds = int(delta.total_seconds())
    for unit, size in (("day", 86400), ("hour", 3600), ("minute", 60)):
        if seconds >= size:
            count = seconds // size
            return f"{count} {unit}{'s' if count != 1 else ''}"
    return "seconds"
