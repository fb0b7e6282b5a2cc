"""The project's view of what the operator's toolbox reads besides subscriptions and customers: paused
collection and coupons (billing.models holds them on its subscriptions and records)."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from billing.model_base import Model
from billing.money import format_money

PauseBehavior = Literal["keep_as_draft", "mark_uncollectible", "void"]


class PauseCollection(Model):
    """Stripe's `pause_collection`: the subscription renews, but its invoices are not collected until then."""

    behavior: PauseBehavior
    resumes_at: datetime | None = None


CouponDuration = Literal["once", "repeating", "forever"]


class Coupon(Model):
    id: str
    name: str | None = None
    percent_off: float | None = None
    amount_off: int | None = None
    currency: str | None = None  # amount_off coupons only
    duration: CouponDuration
    duration_in_months: int | None = None
    valid: bool = True

    def label(self) -> str:
        """`Spring (20% off, 3 months)`: what the operator picks from."""
        if self.percent_off is not None:
            off = f"{self.percent_off:g}% off"
        else:
            off = f"{format_money(self.amount_off or 0, self.currency or 'usd')} off"
        if self.duration == "repeating":
            months = self.duration_in_months or 0
            lasts = f"{months} month" + ("" if months == 1 else "s")
        else:
            lasts = "once" if self.duration == "once" else "forever"
        return f"{self.name or self.id} ({off}, {lasts})"
