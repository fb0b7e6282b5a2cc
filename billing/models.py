"""The project's own view of Stripe's objects. Raw Stripe objects stop at billing/gateway/ (convert.py)."""

from __future__ import annotations

from datetime import datetime
from fractions import Fraction
from typing import Any, Literal

from pydantic import Field

from billing.buckets import (  # noqa: F401  (re-exported: the buckets are part of the models)
    BUCKET_GAPS,
    BUCKET_LABELS,
    Anomaly,
    AnomalyKind,
    Bucket,
)
from billing.model_base import Model
from billing.money import Money
from billing.toolbox_models import Coupon, PauseCollection

Interval = Literal["day", "week", "month", "year"]

SubscriptionStatus = Literal[
    "incomplete", "incomplete_expired", "trialing", "active", "past_due", "canceled", "unpaid", "paused"
]
LIVE_SUBSCRIPTION_STATUSES: frozenset[str] = frozenset({"trialing", "active", "past_due", "unpaid", "paused"})

# Months per interval, for normalising any recurring price to a monthly amount (MRR).
_MONTHS_PER_INTERVAL: dict[str, Fraction] = {
    "day": Fraction(12, 365),
    "week": Fraction(12, 52),
    "month": Fraction(1),
    "year": Fraction(12),
}


class WriteResult(Model):
    """An object a write returned. Stripe's Request-Id lets support trace that exact call in the Dashboard."""

    stripe_request_id: str | None = None


# Stripe's `card.brand` values, as people write them.
CARD_BRAND_NAMES: dict[str, str] = {
    "amex": "Amex",
    "cartes_bancaires": "Cartes Bancaires",
    "diners": "Diners Club",
    "discover": "Discover",
    "eftpos_au": "eftpos",
    "jcb": "JCB",
    "link": "Link",
    "mastercard": "Mastercard",
    "unionpay": "UnionPay",
    "visa": "Visa",
    "unknown": "Card",
}


class CardSummary(Model):
    """All the bot ever holds of a card: never the number, only brand, last 4 and expiry."""

    brand: str
    last4: str = Field(pattern=r"^\d{4}$")
    exp_month: int
    exp_year: int

    @property
    def brand_name(self) -> str:
        return CARD_BRAND_NAMES.get(self.brand, self.brand.replace("_", " ").title())

    def short_label(self) -> str:
        """`Visa •••• 4242`."""
        return f"{self.brand_name} •••• {self.last4}"

    def label(self) -> str:
        """`Visa •••• 4242 exp 08/30`: all of a card the bot ever shows."""
        return f"{self.short_label()} exp {self.exp_month:02d}/{self.exp_year % 100:02d}"

    def expires_before(self, moment: datetime) -> bool:
        # A card is valid through the last day of its expiry month.
        return (self.exp_year, self.exp_month) < (moment.year, moment.month)


class Customer(Model):
    id: str
    name: str | None = None
    email: str | None = None
    created: datetime
    livemode: bool = False
    currency: str | None = None
    delinquent: bool = False
    metadata: dict[str, str] = Field(default_factory=dict)
    default_payment_method: CardSummary | None = None
    test_clock: str | None = None
    # Live subscriptions counted from the lookup listing (expand=subscriptions); None when not fetched.
    subscription_count: int | None = None
    balance: int = 0  # minor units, the customer's currency: negative is credit they hold

    def display_name(self) -> str:
        return self.name or self.email or self.id


class Price(Model):
    id: str
    product_id: str
    product_name: str | None = None
    nickname: str | None = None
    unit_amount: int | None = None
    currency: str
    interval: Interval | None = None
    interval_count: int = 1

    def label(self) -> str:
        name = self.product_name or self.nickname or self.product_id
        if self.interval is None:
            return name
        every = self.interval if self.interval_count == 1 else f"{self.interval_count} {self.interval}s"
        return f"{name} ({every}ly)" if self.interval_count == 1 else f"{name} (every {every})"

    def monthly_fraction(self) -> Fraction:
        """How many months one billing period of this price covers, inverted: period amount × this = MRR."""
        if self.interval is None:
            return Fraction(0)
        return 1 / (_MONTHS_PER_INTERVAL[self.interval] * self.interval_count)


class SubscriptionItem(Model):
    id: str
    price: Price
    quantity: int = 1
    # In the pinned API version the billing period lives on the item, not the subscription.
    current_period_start: datetime
    current_period_end: datetime

    def period_amount(self) -> Money:
        return Money(amount=(self.price.unit_amount or 0) * self.quantity, currency=self.price.currency)


class Subscription(WriteResult):
    id: str
    customer_id: str
    status: SubscriptionStatus
    created: datetime
    currency: str
    items: list[SubscriptionItem]
    cancel_at_period_end: bool = False
    cancel_at: datetime | None = None
    canceled_at: datetime | None = None
    ended_at: datetime | None = None
    trial_end: datetime | None = None
    latest_invoice_id: str | None = None
    default_payment_method: CardSummary | None = None
    cancellation_reason: str | None = None
    cancellation_feedback: str | None = None
    cancellation_comment: str | None = None
    # Percent off from subscription-level discounts, 0-100; amount-off coupons are in discount_amount_off.
    discount_percent_off: float = 0.0
    discount_amount_off: int = 0
    coupon_ids: list[str] = Field(default_factory=list)  # its discounts' coupons (discounts expanded)
    pause_collection: PauseCollection | None = None
    test_clock: str | None = None
    # Where Stripe listed it among the customer's subscriptions, newest first (0 = newest). `created` is
    # whole seconds, so a double-clicked checkout gives two subscriptions one `created`: this position,
    # Stripe's own creation order, tells them apart. None when the object was not read from a list.
    list_position: int | None = None

    @property
    def is_live(self) -> bool:
        """Counts toward revenue and can still charge the customer."""
        return self.status in LIVE_SUBSCRIPTION_STATUSES

    @property
    def current_period_end(self) -> datetime | None:
        ends = [item.current_period_end for item in self.items]
        return min(ends) if ends else None

    @property
    def quantity(self) -> int:
        return sum(item.quantity for item in self.items)

    @property
    def product_ids(self) -> frozenset[str]:
        return frozenset(item.price.product_id for item in self.items)

    @property
    def price_ids(self) -> frozenset[str]:
        return frozenset(item.price.id for item in self.items)

    def period_amount(self) -> Money:
        total = sum(item.period_amount().amount for item in self.items)
        return Money(amount=total, currency=self.currency)

    def monthly_recurring_revenue(self) -> Money:
        """Yearly normalised to a month, quantity and discounts included; rounded to the minor unit."""
        return Money(amount=max(0, round(self._monthly())), currency=self.currency)

    def yearly_contract_value(self) -> Money:
        """What a year of this subscription is worth: the value an action that ends it gives up."""
        return Money(amount=max(0, round(self._monthly() * 12)), currency=self.currency)

    def _monthly(self) -> Fraction:
        monthly = sum(
            (Fraction(item.period_amount().amount) * item.price.monthly_fraction() for item in self.items),
            Fraction(0),
        )
        if self.discount_amount_off and self.items:
            monthly -= Fraction(self.discount_amount_off) * self.items[0].price.monthly_fraction()
        return monthly * Fraction(100 - Fraction(str(self.discount_percent_off)), 100)


def oldest_first(subscriptions: list[Subscription]) -> list[Subscription]:
    """Stripe's creation order, oldest first: by `created`, then (same second) by Stripe's list position,
    never by ID (IDs are random). Without a position, the order given is taken as Stripe's (newest first)."""
    positions = {
        sub.id: sub.list_position if sub.list_position is not None else index
        for index, sub in enumerate(subscriptions)
    }
    return sorted(subscriptions, key=lambda sub: (sub.created, -positions[sub.id]))


InvoiceStatus = Literal["draft", "open", "paid", "uncollectible", "void"]


class Invoice(WriteResult):
    id: str
    number: str | None = None
    customer_id: str
    subscription_id: str | None = None
    status: InvoiceStatus | None = None
    currency: str
    amount_due: int
    amount_paid: int
    amount_remaining: int
    created: datetime
    attempt_count: int = 0
    billing_reason: str | None = None
    hosted_invoice_url: str | None = None
    collection_method: str | None = None  # charge_automatically, or send_invoice (Stripe emails it)
    total_amount: int | None = None  # Stripe's `total` (total() is the amount due as Money)
    pre_payment_credit_notes_amount: int = 0
    post_payment_credit_notes_amount: int = 0
    # From invoice.payments (the pinned API version has no invoice.charge / invoice.payment_intent).
    payment_intent_ids: list[str] = Field(default_factory=list)

    def total(self) -> Money:
        return Money(amount=self.amount_due, currency=self.currency)


ChargeStatus = Literal["succeeded", "pending", "failed"]


class Charge(Model):
    id: str
    customer_id: str | None = None
    payment_intent_id: str | None = None
    amount: int
    amount_refunded: int = 0
    currency: str
    status: ChargeStatus
    refunded: bool = False
    disputed: bool = False
    created: datetime
    failure_code: str | None = None
    failure_message: str | None = None
    card: CardSummary | None = None
    description: str | None = None
    receipt_url: str | None = None

    @property
    def refundable_amount(self) -> int:
        if self.status != "succeeded":
            return 0
        return self.amount - self.amount_refunded

    def money(self) -> Money:
        return Money(amount=self.amount, currency=self.currency)


class Refund(WriteResult):
    id: str
    charge_id: str | None = None
    payment_intent_id: str | None = None
    amount: int
    currency: str
    status: str | None = None
    reason: str | None = None
    created: datetime
    metadata: dict[str, str] = Field(default_factory=dict)

    def money(self) -> Money:
        return Money(amount=self.amount, currency=self.currency)


OPEN_DISPUTE_STATUSES: frozenset[str] = frozenset(
    {"warning_needs_response", "warning_under_review", "needs_response", "under_review"}
)


class Dispute(WriteResult):
    id: str
    charge_id: str | None = None
    payment_intent_id: str | None = None
    # From the expanded charge: disputes name a charge, not a customer.
    customer_id: str | None = None
    amount: int
    currency: str
    status: str
    reason: str | None = None
    created: datetime
    # Stripe's `evidence_details.due_by`: the last moment to respond with evidence.
    due_by: datetime | None = None

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_DISPUTE_STATUSES


class PortalConfiguration(Model):
    id: str
    is_default: bool
    active: bool
    payment_method_update: bool
    subscription_cancel: bool
    invoice_history: bool
    subscription_update: bool


class PortalSession(WriteResult):
    id: str
    url: str
    customer_id: str
    created: datetime


class BalanceTransaction(WriteResult):
    """One customer balance transaction: negative `amount` is credit given to the customer."""

    id: str
    customer_id: str
    amount: int
    currency: str
    ending_balance: int
    type: str
    description: str | None = None
    created: datetime
    metadata: dict[str, str] = Field(default_factory=dict)

    def credit(self) -> Money:
        return Money(amount=-self.amount, currency=self.currency)


class Event(Model):
    id: str
    type: str
    created: datetime
    object_id: str | None = None
    # Event payloads vary by type; kept as plain JSON data (never card or key material).
    data_object: dict[str, Any] = Field(default_factory=dict)
    previous_attributes: dict[str, Any] = Field(default_factory=dict)


class BillingRecords(Model):
    """Everything the gateway fetched for one customer, before any judgement."""

    customer: Customer
    subscriptions: list[Subscription]
    invoices: list[Invoice]
    charges: list[Charge]
    refunds: list[Refund] = Field(default_factory=list)
    disputes: list[Dispute] = Field(default_factory=list)
    has_more_invoices: bool = False
    has_more_charges: bool = False
    # Account-wide, fetched in the same parallel round: whether customers can cancel on their own.
    portal_configurations: list[PortalConfiguration] = Field(default_factory=list)
    prices: list[Price] = Field(default_factory=list)  # active recurring prices (cached): plans to switch to
    coupons: list[Coupon] = Field(default_factory=list)  # account-wide, same round; `valid` ones apply
