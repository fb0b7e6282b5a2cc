import pytest

from billing.money import Money, format_money, parse_major, totals_by_currency


@pytest.mark.parametrize(
    ("amount", "currency", "expected"),
    [
        (1999, "usd", "$19.99"),
        (3000, "jpy", "¥3,000"),
        (3000, "JPY", "¥3,000"),
        (1500, "bhd", "1.500 BHD"),
        (123456789, "eur", "€1,234,567.89"),
        (-500, "usd", "-$5.00"),
        (50000, "krw", "₩50,000"),
        (100, "chf", "1.00 CHF"),
    ],
)
def test_format_money_knows_zero_and_three_decimal_currencies(
    amount: int, currency: str, expected: str
) -> None:
    assert format_money(amount, currency) == expected


@pytest.mark.parametrize(
    ("text", "currency", "minor"),
    [("12.50", "usd", 1250), ("3000", "jpy", 3000), ("¥3,000", "jpy", 3000), ("1.5", "bhd", 1500)],
)
def test_parse_major_converts_to_minor_units(text: str, currency: str, minor: int) -> None:
    assert parse_major(text, currency) == minor


@pytest.mark.parametrize(
    ("text", "currency"), [("12.505", "usd"), ("0.5", "jpy"), ("-3", "usd"), ("0", "usd")]
)
def test_parse_major_refuses_amounts_the_currency_cannot_hold(text: str, currency: str) -> None:
    with pytest.raises(ValueError):
        parse_major(text, currency)


def test_money_never_adds_two_currencies() -> None:
    with pytest.raises(ValueError, match="cannot add jpy to usd"):
        Money(amount=100, currency="usd") + Money(amount=100, currency="jpy")


def test_totals_are_kept_per_currency() -> None:
    totals = totals_by_currency(
        [
            Money(amount=2000, currency="usd"),
            Money(amount=3000, currency="jpy"),
            Money(amount=500, currency="USD"),
        ]
    )
    assert totals == {"jpy": Money(amount=3000, currency="jpy"), "usd": Money(amount=2500, currency="usd")}
