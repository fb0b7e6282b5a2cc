"""Money in minor units with its currency, and the one place that formats it."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from decimal import Decimal

from pydantic import BaseModel, ConfigDict, field_validator

# Stripe's lists: https://docs.stripe.com/currencies#zero-decimal and #three-decimal
ZERO_DECIMAL = frozenset(
    [
        "bif",
        "clp",
        "djf",
        "gnf",
        "jpy",
        "kmf",
        "krw",
        "mga",
        "pyg",
        "rwf",
        "ugx",
        "vnd",
        "vuv",
        "xaf",
        "xof",
        "xpf",
    ]
)
THREE_DECIMAL = frozenset(["bhd", "jod", "kwd", "omr", "tnd"])

SYMBOLS = {"usd": "$", "eur": "€", "gbp": "£", "jpy": "¥", "krw": "₩", "inr": "₹", "cny": "¥"}


def decimals_for(currency: str) -> int:
    code = currency.lower()
    if code in ZERO_DECIMAL:
        return 0
    if code in THREE_DECIMAL:
        return 3
    return 2


class Money(BaseModel):
    """An amount in the currency's minor unit (cents, yen, fils)."""

    model_config = ConfigDict(frozen=True)

    amount: int
    currency: str

    @field_validator("currency")
    @classmethod
    def _lower(cls, value: str) -> str:
        return value.lower()

    def __add__(self, other: Money) -> Money:
        if other.currency != self.currency:
            raise ValueError(f"cannot add {other.currency} to {self.currency}")
        return Money(amount=self.amount + other.amount, currency=self.currency)

    def __neg__(self) -> Money:
        return Money(amount=-self.amount, currency=self.currency)

    def major(self) -> Decimal:
        return Decimal(self.amount).scaleb(-decimals_for(self.currency))

    def format(self) -> str:
        return format_money(self.amount, self.currency)

    def __str__(self) -> str:
        return self.format()


def format_money(amount: int, currency: str) -> str:
    """`1999, "usd"` -> `$19.99`; `3000, "jpy"` -> `¥3,000`; `1500, "bhd"` -> `1.500 BHD`."""
    code = currency.lower()
    places = decimals_for(code)
    sign = "-" if amount < 0 else ""
    value = Decimal(abs(amount)).scaleb(-places)
    number = f"{value:,.{places}f}"
    symbol = SYMBOLS.get(code)
    if symbol:
        return f"{sign}{symbol}{number}"
    return f"{sign}{number} {code.upper()}"


def parse_major(text: str, currency: str) -> int:
    """`"12.50"` in usd -> 1250. Raises ValueError on anything that is not a plain positive amount."""
    cleaned = text.strip().replace(",", "")
    for symbol in SYMBOLS.values():
        cleaned = cleaned.removeprefix(symbol)
    value = Decimal(cleaned)
    places = decimals_for(currency)
    minor = value.scaleb(places)
    if minor != minor.to_integral_value() or minor <= 0:
        raise ValueError(f"{text!r} is not a positive amount in {currency.upper()}")
    return int(minor)


def totals_by_currency(amounts: Iterable[Money]) -> dict[str, Money]:
    """Sums per currency; never adds two currencies together."""
    sums: dict[str, int] = defaultdict(int)
    for money in amounts:
        sums[money.currency] += money.amount
    return {code: Money(amount=total, currency=code) for code, total in sorted(sums.items())}
