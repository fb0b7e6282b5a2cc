"""Plan mix: active subscriptions and MRR by product and price, interval shares, seats, upgrades.

Pure over listed data (`PlanMixBuilder`), plus `collect_plan_mix`, which streams from the gateway.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from fractions import Fraction

from billing.digest_events import items_from_event, subscription_from_event
from billing.digest_spill import SubscriptionSpill
from billing.models import Customer, Event, Subscription
from billing.money import Money, totals_by_currency
from billing.plan_models import IntervalShare, PlanMix, PriceLine, SeatConfusion, Upgrade
from billing.ports import BillingGateway
from billing.switches import SWITCH_WINDOW, successor

UPGRADE_WINDOW = timedelta(days=30)
# Seat-quantity buckets: (label, lowest quantity in it).
SEAT_BUCKETS: list[tuple[str, int]] = [("1", 1), ("2–4", 2), ("5–9", 5), ("10–24", 10), ("25+", 25)]


def seat_bucket(quantity: int) -> str:
    label = SEAT_BUCKETS[0][0]
    for name, lowest in SEAT_BUCKETS:
        if quantity >= lowest:
            label = name
    return label


def interval_name(interval: str | None, interval_count: int) -> str:
    if interval in ("month", "year") and interval_count == 1:
        return interval
    return "other"


def item_mrr_shares(subscription: Subscription) -> list[Money]:
    """The subscription's MRR (discounts included) split over its items in proportion to their amounts."""
    total = subscription.monthly_recurring_revenue()
    raw = [
        Fraction(item.period_amount().amount) * item.price.monthly_fraction() for item in subscription.items
    ]
    whole = sum(raw, Fraction(0))
    if whole == 0:
        return [Money(amount=0, currency=total.currency) for _ in raw]
    return [Money(amount=round(total.amount * part / whole), currency=total.currency) for part in raw]


class PlanMixBuilder:
    def __init__(self, *, now: datetime) -> None:
        self.now = now
        self._prices: dict[str, PriceLine] = {}
        self._intervals: dict[tuple[str, str], IntervalShare] = {}
        self._seats: dict[str, int] = {name: 0 for name, _ in SEAT_BUCKETS}
        self._upgrades: dict[str, Upgrade] = {}
        self._confusion: list[SeatConfusion] = []
        self._count = 0
        self._ended: list[Subscription] = []  # monthly subscriptions ended within the window
        self._successors: dict[str, list[Subscription]] = {}

    def add_ended(self, subscription: Subscription) -> None:
        """A monthly subscription that ended: a yearly one of its product started close by is an upgrade."""
        if any(item.price.interval == "month" for item in subscription.items):
            self._ended.append(subscription)
            self._successors.setdefault(subscription.customer_id, [])

    def _switch_upgrades(self) -> None:
        for old in self._ended:
            new = successor(old, self._successors.get(old.customer_id, []))
            yearly = [item.price for item in new.items if item.price.interval == "year"] if new else []
            if new is None or not yearly or new.created < self.now - UPGRADE_WINDOW:
                continue
            monthly = [item.price for item in old.items if item.price.interval == "month"]
            self._upgrades.setdefault(
                new.id,
                Upgrade(
                    subscription_id=new.id,
                    customer_id=new.customer_id,
                    at=new.created,
                    from_price=monthly[0].id,
                    to_price=yearly[0].id,
                    replaced_subscription_id=old.id,
                ),
            )

    def add_subscription(self, subscription: Subscription) -> None:
        if subscription.status != "active":
            return
        if subscription.customer_id in self._successors:
            self._successors[subscription.customer_id].append(subscription)
        self._count += 1
        self._seats[seat_bucket(subscription.quantity)] += 1
        for item, mrr in zip(subscription.items, item_mrr_shares(subscription), strict=True):
            price = item.price
            interval = interval_name(price.interval, price.interval_count)
            line = self._prices.get(price.id) or PriceLine(
                product_id=price.product_id,
                product_name=price.product_name or price.product_id,
                price_id=price.id,
                price_label=price.nickname or price.label(),
                interval=interval,
                mrr=Money(amount=0, currency=mrr.currency),
            )
            self._prices[price.id] = line.model_copy(
                update={
                    "subscriptions": line.subscriptions + 1,
                    "seats": line.seats + item.quantity,
                    "mrr": line.mrr + mrr,
                }
            )
            key = (mrr.currency, interval)
            share = self._intervals.get(key) or IntervalShare(
                currency=mrr.currency, interval=interval, mrr=Money(amount=0, currency=mrr.currency)
            )
            self._intervals[key] = share.model_copy(
                update={"subscriptions": share.subscriptions + 1, "mrr": share.mrr + mrr}
            )

    def add_update_event(self, event: Event) -> None:
        """`customer.subscription.updated` whose previous items were monthly and current ones yearly."""
        if event.created < self.now - UPGRADE_WINDOW or not event.previous_attributes:
            return
        before = items_from_event(event.previous_attributes.get("items"), fallback_moment=event.created)
        after = items_from_event(event.data_object.get("items"), fallback_moment=event.created)
        old = [item.price for item in before if item.price.interval == "month"]
        new = [item.price for item in after if item.price.interval == "year"]
        customer_id = event.data_object.get("customer")
        subscription_id = event.data_object.get("id")
        if not old or not new or not isinstance(subscription_id, str):
            return
        self._upgrades[subscription_id] = Upgrade(
            subscription_id=subscription_id,
            customer_id=customer_id if isinstance(customer_id, str) else "",
            at=event.created,
            from_price=old[0].id,
            to_price=new[0].id,
        )

    def add_customer_subscriptions(self, customer: Customer, subscriptions: list[Subscription]) -> None:
        """Several active subscriptions to one product: seats bought one subscription at a time."""
        by_product: dict[str, list[Subscription]] = {}
        names: dict[str, str] = {}
        for subscription in subscriptions:
            if subscription.status != "active":
                continue
            for item in subscription.items:
                by_product.setdefault(item.price.product_id, []).append(subscription)
                names[item.price.product_id] = item.price.product_name or item.price.product_id
        for product_id, held in sorted(by_product.items()):
            if len(held) > 1:
                self._confusion.append(
                    SeatConfusion(
                        customer_id=customer.id,
                        customer_name=customer.name,
                        product_name=names[product_id],
                        subscription_ids=[sub.id for sub in held],
                    )
                )

    def build(self) -> PlanMix:
        self._switch_upgrades()
        prices = sorted(
            self._prices.values(), key=lambda line: (line.mrr.currency, -line.mrr.amount, line.price_id)
        )
        return PlanMix(
            generated_at=self.now,
            active_subscriptions=self._count,
            mrr=totals_by_currency(line.mrr for line in prices),
            prices=prices,
            intervals=sorted(self._intervals.values(), key=lambda share: (share.currency, share.interval)),
            seats=dict(self._seats),
            upgrades=sorted(self._upgrades.values(), key=lambda upgrade: upgrade.at),
            seat_confusion=self._confusion,
        )


def collect_plan_mix(
    gateway: BillingGateway, *, now: datetime, progress: Callable[[int], None] | None = None
) -> PlanMix:
    builder = PlanMixBuilder(now=now)
    for event in gateway.iter_events(
        types=["customer.subscription.updated"], created_gte=now - UPGRADE_WINDOW
    ):
        builder.add_update_event(event)
    # A switch made by cancelling and subscribing again; its cancellation may precede the window a little.
    for event in gateway.iter_events(
        types=["customer.subscription.deleted"], created_gte=now - UPGRADE_WINDOW - SWITCH_WINDOW
    ):
        if ended := subscription_from_event(event):
            builder.add_ended(ended)
    with SubscriptionSpill() as spill:
        for count, (subscription, customer) in enumerate(gateway.iter_subscriptions(status="active"), 1):
            builder.add_subscription(subscription)
            spill.add(subscription, customer)
            if progress and count % 100 == 0:
                progress(count)
        for customer, subscriptions in spill.customers_with_several():
            builder.add_customer_subscriptions(customer, subscriptions)
    return builder.build()
