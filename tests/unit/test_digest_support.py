"""Builders of our models and a listing-only fake gateway, shared by the digest and plan-mix tests."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

from billing.models import (
    CardSummary,
    Customer,
    Dispute,
    Event,
    Invoice,
    PortalConfiguration,
    Price,
    Subscription,
    SubscriptionItem,
    oldest_first,
)
from tests.unit.fake_gateway import FakeGateway as BaseFakeGateway

NOW = datetime(2026, 3, 30, 7, 0, tzinfo=UTC)


def customer(
    cid: str, name: str | None = None, *, email: str | None = None, card: CardSummary | None = None
) -> Customer:
    return Customer(
        id=cid,
        name=name,
        email=email or f"{cid}@example.com",
        created=NOW - timedelta(days=400),
        default_payment_method=card,
    )


def card(exp_month: int = 12, exp_year: int = 2030) -> CardSummary:
    return CardSummary(brand="visa", last4="4242", exp_month=exp_month, exp_year=exp_year)


def price(
    pid: str = "price_pro",
    *,
    product: str = "prod_pro",
    product_name: str = "Pro",
    amount: int = 2000,
    currency: str = "usd",
    interval: str = "month",
) -> Price:
    return Price(
        id=pid,
        product_id=product,
        product_name=product_name,
        unit_amount=amount,
        currency=currency,
        interval=interval,  # type: ignore[arg-type]
    )


def subscription(
    sid: str,
    cid: str,
    *,
    status: str = "active",
    plan: Price | None = None,
    quantity: int = 1,
    created: datetime | None = None,
    period_end: datetime | None = None,
    **fields: object,
) -> Subscription:
    plan = plan or price()
    period_end = period_end or NOW + timedelta(days=20)
    return Subscription(
        id=sid,
        customer_id=cid,
        status=status,  # type: ignore[arg-type]
        created=created or NOW - timedelta(days=100),
        currency=plan.currency,
        items=[
            SubscriptionItem(
                id=f"si_{sid}",
                price=plan,
                quantity=quantity,
                current_period_start=period_end - timedelta(days=30),
                current_period_end=period_end,
            )
        ],
        **fields,  # type: ignore[arg-type]
    )


def raw_subscription(sub: Subscription, **extra: object) -> dict[str, object]:
    """The Stripe-shaped payload an event carries for `sub`."""
    item = sub.items[0]
    return {
        "id": sub.id,
        "object": "subscription",
        "customer": sub.customer_id,
        "status": sub.status,
        "currency": sub.currency,
        "created": int(sub.created.timestamp()),
        "items": {
            "data": [
                {
                    "id": item.id,
                    "quantity": item.quantity,
                    "price": {
                        "id": item.price.id,
                        "product": item.price.product_id,
                        "unit_amount": item.price.unit_amount,
                        "currency": item.price.currency,
                        "recurring": {"interval": item.price.interval, "interval_count": 1},
                    },
                }
            ]
        },
        **extra,
    }


def event(
    eid: str, etype: str, obj: dict[str, object], *, at: datetime, previous: dict[str, object] | None = None
) -> Event:
    return Event(id=eid, type=etype, created=at, data_object=obj, previous_attributes=previous or {})


def same_product_rule(subscriptions: list[Subscription]) -> list[list[Subscription]]:
    """Test stand-in for the card's duplicate rule: live subscriptions sharing a product, each group oldest
    first in Stripe's order, as DuplicateRule requires."""
    by_product: dict[str, list[Subscription]] = {}
    for sub in subscriptions:
        if sub.is_live:
            for product_id in sub.product_ids:
                by_product.setdefault(product_id, []).append(sub)
    return [oldest_first(group) for group in by_product.values() if len(group) > 1]


class FakeGateway(BaseFakeGateway):
    """The one fake, listing from in-memory lists (account-wide, across customers), recording each call."""

    def __init__(
        self,
        subscriptions: list[tuple[Subscription, Customer]] | None = None,
        *,
        events: list[Event] | None = None,
        disputes: list[Dispute] | None = None,
        invoices: list[Invoice] | None = None,
        portal_configurations: list[PortalConfiguration] | None = None,
    ) -> None:
        super().__init__(events=events, portal_configurations=portal_configurations)
        self.subscriptions = subscriptions or []
        self.disputes = disputes or []
        self.invoices = invoices or []

    def iter_subscriptions(
        self, *, status: str = "all", created_gte: datetime | None = None
    ) -> Iterator[tuple[Subscription, Customer]]:
        self.calls.append(("subscriptions", status))
        for sub, cust in self.subscriptions:
            if status not in ("all", sub.status):
                continue
            if created_gte is not None and sub.created < created_gte:
                continue
            yield sub, cust

    def iter_ended_subscriptions(
        self, *, ended_gte: datetime
    ) -> Iterator[tuple[Subscription, Customer | None]]:
        self.calls.append(("ended subscriptions", None))
        for sub, cust in self.subscriptions:
            ends = sub.current_period_end
            if sub.status == "canceled" and ends is not None and ends >= ended_gte:
                yield sub, cust

    def iter_events(self, *, types: list[str], created_gte: datetime | None = None) -> Iterator[Event]:
        self.calls.append(("events", tuple(types)))
        for item in self.events:
            if item.type in types and (created_gte is None or item.created >= created_gte):
                yield item

    def iter_disputes(self, *, created_gte: datetime | None = None) -> Iterator[Dispute]:
        self.calls.append(("disputes", None))
        yield from (d for d in self.disputes if created_gte is None or d.created >= created_gte)

    def iter_invoices(
        self, *, status: str | None = None, created_gte: datetime | None = None
    ) -> Iterator[Invoice]:
        self.calls.append(("invoices", status))
        yield from self.invoices

    def list_portal_configurations(self) -> list[PortalConfiguration]:
        self.calls.append(("portal_configurations", None))
        return list(self.portal_configurations)
