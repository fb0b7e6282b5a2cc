"""Billing-period arithmetic: calendar months and years keep the anchor's day, clamped to the month's end."""

from __future__ import annotations

import calendar
from datetime import UTC, datetime, timedelta

_DAY = 24 * 3600


def add_interval(start: int, interval: str, count: int, anchor: int) -> int:
    if interval == "day":
        return start + count * _DAY
    if interval == "week":
        return start + count * 7 * _DAY
    months = count * (12 if interval == "year" else 1)
    moment = datetime.fromtimestamp(start, UTC)
    anchor_day = datetime.fromtimestamp(anchor, UTC).day
    month_index = moment.month - 1 + months
    year, month = moment.year + month_index // 12, month_index % 12 + 1
    day = min(anchor_day, calendar.monthrange(year, month)[1])
    return int(moment.replace(year=year, month=month, day=day).timestamp())


def days(count: int) -> int:
    return int(timedelta(days=count).total_seconds())
