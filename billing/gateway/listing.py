"""Account-wide listing for the digest and the plan mix: 100 a page, the next page in flight, never a
request per customer."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from typing import TYPE_CHECKING, Any, cast

import stripe

from billing.gateway.base import (
    DISPUTE_EXPAND,
    LISTED_SUBSCRIPTION_EXPAND,
    PAGE_SIZE,
    GatewayBase,
)
from billing.gateway.convert import (
    _to_charge,
    _to_customer,
    _to_dispute,
    _to_event,
    _to_invoice,
    _to_subscription,
)
from billing.models import (
    Charge,
    Customer,
    Dispute,
    Event,
    Invoice,
    Subscription,
)

if TYPE_CHECKING:
    from stripe.params import (
        ChargeListParams,
        DisputeListParams,
        EventListParams,
        InvoiceListParams,
        SubscriptionListParams,
    )


class AccountListing(GatewayBase):
    def iter_subscriptions(
        self, *, status: str = "all", created_gte: datetime | None = None
    ) -> Iterator[tuple[Subscription, Customer]]:
        params: SubscriptionListParams = {
            "status": cast(Any, status),
            "limit": PAGE_SIZE,
            "expand": LISTED_SUBSCRIPTION_EXPAND,
        }
        if created_gte is not None:
            params["created"] = {"gte": int(created_gte.timestamp())}
        batch: list[stripe.Subscription] = []
        for subscription in self._paginate("/v1/subscriptions", params, stripe.Subscription):
            batch.append(subscription)
            if len(batch) == PAGE_SIZE:
                yield from self._with_customers(batch)
                batch = []
        yield from self._with_customers(batch)

    def iter_ended_subscriptions(
        self, *, ended_gte: datetime
    ) -> Iterator[tuple[Subscription, Customer | None]]:
        # No `ended_at` filter exists; a subscription's period never ends before it does, so this bound
        # keeps every one ended since `ended_gte` (and some that ended earlier, filtered by the caller).
        params: SubscriptionListParams = {
            "status": "canceled",
            "limit": PAGE_SIZE,
            "expand": LISTED_SUBSCRIPTION_EXPAND,
            "current_period_end": {"gte": int(ended_gte.timestamp())},
        }
        batch: list[stripe.Subscription] = []
        for subscription in self._paginate("/v1/subscriptions", params, stripe.Subscription):
            batch.append(subscription)
            if len(batch) == PAGE_SIZE:
                yield from self._with_customers_if_kept(batch)
                batch = []
        yield from self._with_customers_if_kept(batch)

    def _with_customers_if_kept(
        self, subscriptions: list[stripe.Subscription]
    ) -> Iterator[tuple[Subscription, Customer | None]]:
        """A deleted customer's subscriptions are still listed (Stripe keeps them), without the customer."""
        product_names = self._names_for(subscriptions)
        for subscription in subscriptions:
            customer = subscription.customer
            if isinstance(customer, str) or getattr(customer, "deleted", False):
                yield _to_subscription(subscription, product_names), None
            else:
                yield _to_subscription(subscription, product_names), _to_customer(customer)

    def _with_customers(
        self, subscriptions: list[stripe.Subscription]
    ) -> Iterator[tuple[Subscription, Customer]]:
        product_names = self._names_for(subscriptions)
        for subscription in subscriptions:
            customer = subscription.customer
            if isinstance(customer, str) or getattr(customer, "deleted", False):
                continue
            yield _to_subscription(subscription, product_names), _to_customer(customer)

    def iter_invoices(
        self, *, status: str | None = None, created_gte: datetime | None = None
    ) -> Iterator[Invoice]:
        params: InvoiceListParams = {"limit": PAGE_SIZE, "expand": ["data.payments"]}
        if status is not None:
            params["status"] = cast(Any, status)
        if created_gte is not None:
            params["created"] = {"gte": int(created_gte.timestamp())}
        for invoice in self._paginate("/v1/invoices", params, stripe.Invoice):
            yield _to_invoice(invoice)

    def iter_disputes(self, *, created_gte: datetime | None = None) -> Iterator[Dispute]:
        params: DisputeListParams = {"limit": PAGE_SIZE, "expand": DISPUTE_EXPAND}
        if created_gte is not None:
            params["created"] = {"gte": int(created_gte.timestamp())}
        for dispute in self._paginate("/v1/disputes", params, stripe.Dispute):
            yield _to_dispute(dispute)

    def iter_events(self, *, types: list[str], created_gte: datetime | None = None) -> Iterator[Event]:
        params: EventListParams = {"limit": PAGE_SIZE, "types": types}
        if created_gte is not None:
            params["created"] = {"gte": int(created_gte.timestamp())}
        for event in self._paginate("/v1/events", params, stripe.Event):
            yield _to_event(event)

    def iter_charges(self, *, created_gte: datetime | None = None) -> Iterator[Charge]:
        params: ChargeListParams = {"limit": PAGE_SIZE}
        if created_gte is not None:
            params["created"] = {"gte": int(created_gte.timestamp())}
        for charge in self._paginate("/v1/charges", params, stripe.Charge):
            yield _to_charge(charge)
