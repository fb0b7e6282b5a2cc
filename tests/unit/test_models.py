from datetime import UTC, datetime

from billing.models import CardSummary, Interval, Price, Subscription, SubscriptionItem

T0 = datetime(2026, 11, 1, tzinfo=UTC)
T1 = datetime(2026, 12, 1, tzinfo=UTC)


def _subscription(
    *,
    unit_amount: int,
    currency: str = "usd",
    interval: Interval = "month",
    quantity: int = 1,
    **extra: object,
) -> Subscription:
    price = Price(
        id="price_1", product_id="prod_1", unit_amount=unit_amount, currency=currency, interval=interval
    )
    item = SubscriptionItem(
        id="si_1", price=price, quantity=quantity, current_period_start=T0, current_period_end=T1
    )
    return Subscription(
        id="sub_1",
        customer_id="cus_1",
        status="active",
        created=T0,
        currency=currency,
        items=[item],
        **extra,  # type: ignore[arg-type]
    )


def test_yearly_price_is_normalised_to_a_month() -> None:
    assert _subscription(unit_amount=20000, interval="year").monthly_recurring_revenue().amount == 1667


def test_quantity_multiplies_mrr() -> None:
    assert _subscription(unit_amount=2000, quantity=5).monthly_recurring_revenue().amount == 10000


def test_zero_decimal_currency_mrr_stays_in_yen() -> None:
    mrr = _subscription(unit_amount=3000, currency="jpy").monthly_recurring_revenue()
    assert (mrr.amount, mrr.currency, mrr.format()) == (3000, "jpy", "¥3,000")


def test_percent_discount_reduces_mrr() -> None:
    assert (
        _subscription(unit_amount=2000, discount_percent_off=25.0).monthly_recurring_revenue().amount == 1500
    )


def test_current_period_end_comes_from_the_items() -> None:
    assert _subscription(unit_amount=2000).current_period_end == T1


def test_card_expiring_in_the_renewal_month_is_still_valid() -> None:
    card = CardSummary(brand="visa", last4="4242", exp_month=12, exp_year=2026)
    assert not card.expires_before(T1)
    assert card.expires_before(datetime(2027, 1, 1, tzinfo=UTC))
    assert card.label() == "Visa •••• 4242 exp 12/26"
    assert CardSummary(brand="jcb", last4="0000", exp_month=1, exp_year=2030).short_label() == "JCB •••• 0000"
