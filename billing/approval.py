"""Two-person approval by impact: the money an action moves now plus the yearly contract value it gives up,
added to what the same operator did for the same customer in the last 24 hours, against a per-currency
threshold (BILLING_APPROVAL_ABOVE=USD:500,EUR:450,JPY:70000)."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from decimal import Decimal, InvalidOperation

from billing.money import Money

# An operator splitting one refund into small ones stays one operator's impact for this long.
APPROVAL_WINDOW = timedelta(hours=24)

_PAIR = re.compile(r"^(?:([A-Za-z]{3})\s*:\s*)?(\S+)$")


def parse_thresholds(text: str, *, main_currency: str) -> dict[str, Decimal]:
    """ "USD:500,EUR:450" -> {"usd": 500, "eur": 450}; a bare "500" is in the main currency. Raises ValueError
    with the part that is wrong."""
    thresholds: dict[str, Decimal] = {}
    for part in (piece.strip() for piece in text.split(",")):
        if not part:
            continue
        match = _PAIR.match(part)
        if match is None:
            raise ValueError(f"expected CURRENCY:AMOUNT like USD:500, got {part!r}")
        currency = (match.group(1) or main_currency).lower()
        try:
            amount = Decimal(match.group(2))
        except InvalidOperation:
            raise ValueError(f"expected CURRENCY:AMOUNT like USD:500, got {part!r}") from None
        if not amount.is_finite() or amount < 0:
            raise ValueError(f"expected a positive amount in {part!r}")
        if currency in thresholds:
            raise ValueError(f"{currency.upper()} is given twice")
        thresholds[currency] = amount
    return thresholds


@dataclass(frozen=True)
class ApprovalRule:
    thresholds: Mapping[str, Decimal] = field(default_factory=dict)

    @property
    def enabled(self) -> bool:
        return bool(self.thresholds)

    def needs_second_operator(self, impact: Money | None, earlier: Iterable[Money] = ()) -> bool:
        """Above the threshold of the impact's currency, counting the operator's earlier impacts in it. Without
        exchange rates a currency with no threshold cannot be compared: once any threshold is set, such an
        impact needs a second operator."""
        if impact is None or not self.enabled or impact.amount <= 0:
            return False
        limit = self.thresholds.get(impact.currency.lower())
        if limit is None:
            return True
        total = impact.amount + sum(m.amount for m in earlier if m.currency == impact.currency)
        return Money(amount=total, currency=impact.currency).major() > limit
