"""The plan mix report's data (pure models)."""

from __future__ import annotations

from datetime import datetime

from pydantic import Field

from billing.models import Model
from billing.money import Money


class PriceLine(Model):
    product_id: str
    product_name: str
    price_id: str
    price_label: str
    interval: str
    subscriptions: int = 0
    seats: int = 0
    mrr: Money


class IntervalShare(Model):
    currency: str
    interval: str  # "month", "year" or "other"
    subscriptions: int = 0
    mrr: Money


class Upgrade(Model):
    subscription_id: str
    customer_id: str
    at: datetime
    from_price: str
    to_price: str
    # Set when the customer cancelled a monthly subscription and started a yearly one (a switch).
    replaced_subscription_id: str | None = None


class SeatConfusion(Model):
    customer_id: str
    customer_name: str | None = None
    product_name: str
    subscription_ids: list[str]


class PlanMix(Model):
    generated_at: datetime
    active_subscriptions: int = 0
    mrr: dict[str, Money] = Field(default_factory=dict)
    prices: list[PriceLine] = Field(default_factory=list)
    intervals: list[IntervalShare] = Field(default_factory=list)
    seats: dict[str, int] = Field(default_factory=dict)
    upgrades: list[Upgrade] = Field(default_factory=list)
    seat_confusion: list[SeatConfusion] = Field(default_factory=list)

    def interval_shares(self, currency: str) -> list[IntervalShare]:
        return [share for share in self.intervals if share.currency == currency]
