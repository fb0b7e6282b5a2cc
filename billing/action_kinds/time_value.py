"""What time and goodwill are worth (pure): the renewals a pause would hold back, the price of free trial
days, a coupon's discount over a year. Plan.impact and the handoff's revenue lines come from here."""

from __future__ import annotations

import calendar
from datetime import datetime, timedelta
from fractions import Fraction

from billing.models import Subscription, SubscriptionItem
from billing.money import Money
from billing.toolbox_models import Coupon

YEAR = timedelta(days=365)


def add_interval(moment: datetime, interval: str | None, count: int = 1) -> datetime:
    """One billing interval later, months clamped to the month's last day (Jan 31 + 1 month = Feb 28/29)."""
    if interval == "day":
        return moment + timedelta(days=count)
    if interval == "week":
        return moment + timedelta(weeks=count)
    months = count * (12 if interval == "year" else 1)
    month_index = moment.month - 1 + months
    year, month = moment.year + month_index // 12, month_index % 12 + 1
    day = min(moment.day, calendar.monthrange(year, month)[1])
    return moment.replace(year=year, month=month, day=day)


def renewals(sub: Subscription, start: datetime, end: datetime) -> list[tuple[datetime, Money]]:
    """The invoices the subscription's items make in [start, end), by date: what Stripe bills at each
    period end (prorations and discounts aside)."""
    amounts: dict[datetime, int] = {}
    for item in sub.items:
        for moment in _item_renewals(item, start, end):
            amounts[moment] = amounts.get(moment, 0) + item.period_amount().amount
    return [(moment, Money(amount=amounts[moment], currency=sub.currency)) for moment in sorted(amounts)]


def _item_renewals(item: SubscriptionItem, start: datetime, end: datetime) -> list[datetime]:
    if item.price.interval is None:
        return []
    moments = []
    moment = item.current_period_end
    count = 0
    while moment < end:
        if moment >= start:
            moments.append(moment)
        count += 1
        moment = add_interval(item.current_period_end, item.price.interval, count * item.price.interval_count)
    return moments


def total(amounts: list[Money], currency: str) -> Money:
    return Money(amount=sum(money.amount for money in amounts), currency=currency)


def value_of_days(sub: Subscription, days: Fraction | int) -> Money:
    """The price of `days` days of the subscription: a free trial day is worth what a paid one costs."""
    yearly = Fraction(sub.yearly_contract_value().amount)
    return Money(amount=round(yearly * days / 365), currency=sub.currency)


def discount_per_invoice(sub: Subscription, coupon: Coupon) -> Money:
    period = sub.period_amount().amount
    if coupon.percent_off is not None:
        off = round(Fraction(period) * Fraction(str(coupon.percent_off)) / 100)
    else:
        off = min(coupon.amount_off or 0, period)
    return Money(amount=off, currency=sub.currency)


def discount_ends(coupon: Coupon, start: datetime) -> datetime | None:
    """When Stripe ends the discount: `repeating` after its months; None for `forever` (and `once`, which
    ends with the first invoice it discounts)."""
    if coupon.duration == "repeating":
        return add_interval(start, "month", coupon.duration_in_months or 0)
    return None


def discounted_invoices(sub: Subscription, coupon: Coupon, now: datetime) -> list[datetime]:
    """The renewals within a year that the coupon discounts."""
    ends = discount_ends(coupon, now) or now + YEAR
    dates = [moment for moment, _ in renewals(sub, now, min(ends, now + YEAR))]
    return dates[:1] if coupon.duration == "once" else dates


def yearly_discount(sub: Subscription, coupon: Coupon, now: datetime) -> Money:
    """What the coupon takes off the next year's invoices (Plan.impact: the contract value given up)."""
    per_invoice = discount_per_invoice(sub, coupon)
    count = len(discounted_invoices(sub, coupon, now))
    return Money(amount=per_invoice.amount * count, currency=sub.currency)


def monthly_discount(sub: Subscription, coupon: Coupon) -> Money:
    """The discount as MRR: a percent of the monthly revenue, or an amount-off per period made monthly."""
    mrr = sub.monthly_recurring_revenue().amount
    if coupon.percent_off is not None:
        off = round(Fraction(mrr) * Fraction(str(coupon.percent_off)) / 100)
    else:
        fraction = sub.items[0].price.monthly_fraction() if sub.items else Fraction(0)
        off = min(round(Fraction(coupon.amount_off or 0) * fraction), mrr)
    return Money(amount=off, currency=sub.currency)
