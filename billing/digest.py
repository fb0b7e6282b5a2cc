"""Churn-risk digest: risk signals over listed Stripe data, ranked by the money at stake.

`DigestBuilder` is pure: feed it subscriptions, failed invoices, disputes and churn events in any order
and it keeps only the at-risk rows plus per-currency aggregates. `collect_digest` is the small runner that
streams those from the gateway (listing only, 100 a page), so memory stays flat as the account grows.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from datetime import datetime, timedelta

from billing.digest_events import FailedInvoice, failed_invoice_from_event
from billing.digest_models import RECURRING_SECTIONS, Digest, DigestTotals, RiskRow, RiskSection
from billing.digest_spill import SubscriptionSpill
from billing.models import (
    CardSummary,
    Customer,
    Dispute,
    Subscription,
)
from billing.money import Money, totals_by_currency
from billing.ports import BillingGateway
from billing.snapshot import duplicate_subscription_anomalies
from billing.switches import SWITCH_WINDOW, ended_at, successor, switch_text

FAILED_RENEWAL_STATUSES = ("past_due", "unpaid")
INCOMPLETE_STATUSES = ("incomplete", "incomplete_expired")
INCOMPLETE_CHECKOUT_WINDOW = timedelta(hours=23)  # Stripe expires an incomplete subscription after 23h
FAILED_INVOICE_WINDOW = timedelta(hours=24)
CANCELLATION_HORIZON = timedelta(days=14)
TRIAL_HORIZON = timedelta(days=3)
# Disputes stay open for weeks; older ones are long decided, so the listing needs no further history.
DISPUTE_LOOKBACK = timedelta(days=180)
# Events are kept 30 days; a longer gap since the last digest cannot be read back anyway.
MAX_LOOKBACK = timedelta(days=30)

# A duplicate rule takes one customer's live subscriptions and returns groups of duplicates.
# Groups of subscriptions a customer pays twice for, each oldest (the original) first in Stripe's creation
# order: by `created`, then Stripe's own order within a second (billing.models.oldest_first), never by ID.
DuplicateRule = Callable[[list[Subscription]], list[list[Subscription]]]


def card_duplicate_rule(subscriptions: list[Subscription]) -> list[list[Subscription]]:
    """The lookup card's duplicate rule (billing.snapshot), as groups of subscriptions."""
    by_id = {subscription.id: subscription for subscription in subscriptions}
    return [
        [by_id[object_id] for object_id in anomaly.object_ids if object_id in by_id]
        for anomaly in duplicate_subscription_anomalies(subscriptions)
    ]


def rank_key(main_currency: str) -> Callable[[RiskRow], tuple[int, str, int, str]]:
    """Biggest first within a currency; amounts in different currencies are never compared."""

    def key(row: RiskRow) -> tuple[int, str, int, str]:
        currency = row.at_stake.currency
        return (0 if currency == main_currency else 1, currency, -row.at_stake.amount, row.object_id)

    return key


# --- the pure builder ---------------------------------------------------------------------------


def _payment_method(subscription: Subscription, customer: Customer) -> CardSummary | None:
    return subscription.default_payment_method or customer.default_payment_method


def _cancellation_note(subscription: Subscription) -> str:
    parts = [
        part
        for part in (
            subscription.cancellation_feedback,
            subscription.cancellation_reason,
            subscription.cancellation_comment and f"“{subscription.cancellation_comment}”",
        )
        if part
    ]
    return " · ".join(parts)


def _date(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%d")


class DigestBuilder:
    """Accumulates at-risk rows; everything else it is shown is dropped at once."""

    def __init__(
        self,
        *,
        now: datetime,
        since: datetime,
        duplicate_rule: DuplicateRule,
        main_currency: str = "usd",
    ) -> None:
        self.now = now
        self.since = since
        self.duplicate_rule = duplicate_rule
        self.main_currency = main_currency
        self.rows: list[RiskRow] = []
        self._failed_invoices: dict[str, FailedInvoice] = {}  # by subscription (or invoice) id
        self._names: dict[str, Customer | None] = {}  # customers shown without a subscription row yet
        self._ended: list[Subscription] = []  # ended since the last digest, or just before it (switches)
        self._successors: dict[str, list[Subscription]] = {}  # live subscriptions of those customers

    # -- feeds ---------------------------------------------------------------------------------
    def add_failed_invoice(self, invoice: FailedInvoice) -> None:
        self._failed_invoices.setdefault(invoice.subscription_id or invoice.invoice_id, invoice)
        self._names.setdefault(invoice.customer_id, None)

    def add_dispute(self, dispute: Dispute, customer_id: str | None) -> None:
        if not dispute.is_open:
            return
        due = f"{dispute.status.replace('_', ' ')}"
        reason = f" · {dispute.reason.replace('_', ' ')}" if dispute.reason else ""
        self._add(
            RiskSection.OPEN_DISPUTE,
            customer_id or "",
            None,
            object_id=dispute.id,
            at_stake=Money(amount=dispute.amount, currency=dispute.currency),
            detail=f"{due}{reason}",
        )
        if customer_id:
            self._names.setdefault(customer_id, None)

    def add_churn(self, subscription: Subscription, customer: Customer | None = None) -> None:
        """An ended subscription; whether it is churn or a switch is known once live ones are seen."""
        ended = ended_at(subscription)
        if ended is not None and not self.since - SWITCH_WINDOW <= ended <= self.now:
            return
        self._ended.append(subscription)
        if customer is not None:
            self._names[subscription.customer_id] = customer
        else:
            self._names.setdefault(subscription.customer_id, None)
        self._successors.setdefault(subscription.customer_id, [])

    def _within(self, moment: datetime | None) -> bool:
        return moment is None or self.since <= moment <= self.now

    def _churn_rows(self) -> None:
        """Churn, or a switch reported once: when its later half (end or new start) is since the last digest."""
        for subscription in self._ended:
            ended = ended_at(subscription)
            new = successor(subscription, self._successors.get(subscription.customer_id, []))
            if new is not None and ended is not None:
                if self._within(max(ended, new.created)):
                    self._add_churned(subscription, switch_text(subscription, new), switch=True)
            elif self._within(ended):
                self._add_churned(subscription, _cancellation_note(subscription) or "no reason given")

    def _add_churned(self, subscription: Subscription, detail: str, *, switch: bool = False) -> None:
        self._add(
            RiskSection.CHURNED,
            subscription.customer_id,
            None,
            object_id=subscription.id,
            at_stake=subscription.monthly_recurring_revenue(),
            detail=detail,
            switch=switch,
        )

    def add_subscription(self, subscription: Subscription, customer: Customer) -> None:
        """One subscription of any status; only risky ones leave a trace."""
        if customer.id in self._names:
            self._names[customer.id] = customer
        if subscription.is_live and customer.id in self._successors:
            self._successors[customer.id].append(subscription)
        mrr = subscription.monthly_recurring_revenue()
        status = subscription.status
        failed = self._failed_invoices.pop(subscription.id, None)
        # A failed first payment is an incomplete checkout, not a failed renewal.
        renewal_failed = failed is not None and status not in INCOMPLETE_STATUSES
        if status in FAILED_RENEWAL_STATUSES or renewal_failed:
            attempts = (
                f" · invoice {failed.invoice_id} failed ({failed.attempt_count} attempts)" if failed else ""
            )
            self._add(
                RiskSection.FAILED_RENEWAL, customer.id, customer, subscription.id, mrr, f"{status}{attempts}"
            )
        if status == "incomplete" and subscription.created >= self.now - INCOMPLETE_CHECKOUT_WINDOW:
            expires = subscription.created + INCOMPLETE_CHECKOUT_WINDOW
            self._add(
                RiskSection.INCOMPLETE_CHECKOUT, customer.id, customer, subscription.id, mrr,
                f"incomplete · expires {expires:%Y-%m-%d %H:%M} UTC",
            )  # fmt: skip
        if status == "incomplete_expired" and self._expired_since_last(subscription):
            self._add(RiskSection.INCOMPLETE_CHECKOUT, customer.id, customer, subscription.id, mrr, "expired")
        if not subscription.is_live:
            return
        self._scheduled_cancellation(subscription, customer, mrr)
        self._trial_without_card(subscription, customer, mrr)
        self._card_expiring(subscription, customer, mrr)

    def _expired_since_last(self, subscription: Subscription) -> bool:
        expired_at = subscription.ended_at or subscription.created + INCOMPLETE_CHECKOUT_WINDOW
        return self.since <= expired_at <= self.now

    def _scheduled_cancellation(self, subscription: Subscription, customer: Customer, mrr: Money) -> None:
        ends = subscription.cancel_at
        if ends is None and subscription.cancel_at_period_end:
            ends = subscription.current_period_end
        if ends is None or not self.now <= ends <= self.now + CANCELLATION_HORIZON:
            return
        note = _cancellation_note(subscription)
        detail = f"ends {_date(ends)}" + (f" · {note}" if note else "")
        self._add(RiskSection.SCHEDULED_CANCELLATION, customer.id, customer, subscription.id, mrr, detail)

    def _trial_without_card(self, subscription: Subscription, customer: Customer, mrr: Money) -> None:
        trial_end = subscription.trial_end
        if subscription.status != "trialing" or trial_end is None:
            return
        if not self.now <= trial_end <= self.now + TRIAL_HORIZON or _payment_method(subscription, customer):
            return
        detail = f"trial ends {_date(trial_end)}"
        self._add(RiskSection.TRIAL_ENDING, customer.id, customer, subscription.id, mrr, detail)

    def _card_expiring(self, subscription: Subscription, customer: Customer, mrr: Money) -> None:
        card = _payment_method(subscription, customer)
        renewal = subscription.current_period_end
        if card is None or renewal is None or subscription.cancel_at_period_end or subscription.cancel_at:
            return
        if card.expires_before(renewal):
            detail = f"{card.label()} · renews {_date(renewal)}"
            self._add(RiskSection.CARD_EXPIRING, customer.id, customer, subscription.id, mrr, detail)

    def add_customer_subscriptions(self, customer: Customer, subscriptions: list[Subscription]) -> None:
        """A customer's live subscriptions together, for the duplicate rule."""
        for group in self.duplicate_rule(subscriptions):
            if len(group) < 2:
                continue
            # Groups come oldest first in Stripe's own creation order (see DuplicateRule): keep the original.
            kept, *extras = group
            for extra in extras:
                detail = f"duplicates {kept.id}"
                self._add(
                    RiskSection.DUPLICATE,
                    customer.id,
                    customer,
                    extra.id,
                    extra.monthly_recurring_revenue(),
                    detail,
                )

    # -- result --------------------------------------------------------------------------------
    def _add(
        self,
        section: RiskSection,
        customer_id: str,
        customer: Customer | None,
        object_id: str,
        at_stake: Money,
        detail: str,
        *,
        switch: bool = False,
    ) -> None:
        self.rows.append(
            RiskRow(
                section=section,
                customer_id=customer_id,
                customer_name=customer.name if customer else None,
                customer_email=customer.email if customer else None,
                object_id=object_id,
                at_stake=at_stake,
                detail=detail,
                dedupe_key=object_id,
                switch=switch,
            )
        )

    def _stray_invoice_rows(self) -> None:
        """Failed invoices whose subscription was never seen live (one-off invoices, ended subscriptions)."""
        for invoice in self._failed_invoices.values():
            detail = f"invoice failed ({invoice.attempt_count} attempts)"
            self._add(
                RiskSection.FAILED_RENEWAL,
                invoice.customer_id,
                None,
                invoice.invoice_id,
                invoice.amount_remaining,
                detail,
            )
        self._failed_invoices.clear()

    def _with_names(self, row: RiskRow) -> RiskRow:
        if row.customer_name or row.customer_email:
            return row
        customer = self._names.get(row.customer_id)
        if customer is None:
            return row
        return row.model_copy(update={"customer_name": customer.name, "customer_email": customer.email})

    def build(self, previous: DigestTotals | None = None) -> Digest:
        self._stray_invoice_rows()
        self._churn_rows()
        key = rank_key(self.main_currency)
        rows = [self._with_names(row) for row in sorted(self.rows, key=lambda row: key(row))]
        ordered = [row for section in RiskSection for row in rows if row.section == section]
        return Digest(
            generated_at=self.now,
            since=self.since,
            rows=ordered,
            totals=digest_totals(ordered),
            previous=previous,
        )


def digest_totals(rows: Iterable[RiskRow]) -> DigestTotals:
    rows = list(rows)
    at_risk: dict[str, Money] = {}
    seen: set[str] = set()
    recurring = []
    for row in rows:
        if row.section in RECURRING_SECTIONS and row.dedupe_key not in seen:
            seen.add(row.dedupe_key)
            recurring.append(row.at_stake)
    at_risk = totals_by_currency(recurring)
    return DigestTotals(
        at_risk=at_risk,
        churned=totals_by_currency(
            row.at_stake for row in rows if row.section == RiskSection.CHURNED and not row.switch
        ),
        disputed=totals_by_currency(row.at_stake for row in rows if row.section == RiskSection.OPEN_DISPUTE),
        customers=len({row.customer_id for row in rows if row.customer_id}),
    )


# --- the runner: listing from the gateway -------------------------------------------------------

LIVE_LISTING_STATUSES = ("active", "trialing", "past_due", "unpaid", "paused")


def stream_subscriptions(
    gateway: BillingGateway, *, now: datetime, since: datetime
) -> Iterator[tuple[Subscription, Customer]]:
    """Every subscription the digest can act on, by status, with `created` bounds where they help."""
    for status in LIVE_LISTING_STATUSES:
        yield from gateway.iter_subscriptions(status=status)
    yield from gateway.iter_subscriptions(status="incomplete", created_gte=now - INCOMPLETE_CHECKOUT_WINDOW)
    # An incomplete subscription expires 23h after it was created, so ones expiring since `since` are younger.
    yield from gateway.iter_subscriptions(
        status="incomplete_expired", created_gte=since - INCOMPLETE_CHECKOUT_WINDOW
    )


def collect_digest(
    gateway: BillingGateway,
    *,
    now: datetime,
    since: datetime | None,
    duplicate_rule: DuplicateRule = card_duplicate_rule,
    previous: DigestTotals | None = None,
    main_currency: str = "usd",
    progress: Callable[[int], None] | None = None,
) -> Digest:
    since = max(since or now - timedelta(days=1), now - MAX_LOOKBACK)
    builder = DigestBuilder(now=now, since=since, duplicate_rule=duplicate_rule, main_currency=main_currency)
    for event in gateway.iter_events(
        types=["invoice.payment_failed"], created_gte=now - FAILED_INVOICE_WINDOW
    ):
        if invoice := failed_invoice_from_event(event):
            builder.add_failed_invoice(invoice)
    for dispute in gateway.iter_disputes(created_gte=now - DISPUTE_LOOKBACK):
        if dispute.is_open:
            builder.add_dispute(dispute, dispute.customer_id)
    # Ended subscriptions with their customer expanded, so churned rows are named; from a switch window
    # before `since`, as a cancellation then may pair with a new subscription since.
    for ended, customer in gateway.iter_ended_subscriptions(ended_gte=since - SWITCH_WINDOW):
        builder.add_churn(ended, customer)
    with SubscriptionSpill() as spill:
        for count, (subscription, customer) in enumerate(
            stream_subscriptions(gateway, now=now, since=since), 1
        ):
            builder.add_subscription(subscription, customer)
            if subscription.is_live:
                spill.add(subscription, customer)
            if progress and count % 100 == 0:
                progress(count)
        for customer, subscriptions in spill.customers_with_several():
            builder.add_customer_subscriptions(customer, subscriptions)
    return builder.build(previous)
