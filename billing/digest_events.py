"""Raw Stripe event payloads as the digest and the plan mix read them (events keep plain JSON)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from billing.models import Event, Model, Price, Subscription, SubscriptionItem
from billing.money import Money


def _get(mapping: object, *path: str) -> Any:
    value: Any = mapping
    for key in path:
        if not isinstance(value, Mapping):
            return None
        value = value.get(key)
    return value


def _id_of(value: object) -> str | None:
    """Stripe fields hold either an ID or the expanded object."""
    if isinstance(value, str):
        return value
    found = _get(value, "id")
    return found if isinstance(found, str) else None


def _timestamp(value: object) -> datetime | None:
    return datetime.fromtimestamp(value, UTC) if isinstance(value, int | float) else None


def price_from_event(raw: Mapping[str, Any] | None) -> Price | None:
    if not isinstance(raw, Mapping) or not raw.get("id"):
        return None
    recurring = raw.get("recurring") or {}
    return Price(
        id=str(raw["id"]),
        product_id=_id_of(raw.get("product")) or "",
        product_name=_get(raw, "product", "name"),
        nickname=raw.get("nickname"),
        unit_amount=raw.get("unit_amount"),
        currency=str(raw.get("currency") or "usd"),
        interval=recurring.get("interval"),
        interval_count=int(recurring.get("interval_count") or 1),
    )


def items_from_event(raw_items: object, *, fallback_moment: datetime) -> list[SubscriptionItem]:
    items = []
    for raw in _get(raw_items, "data") or []:
        price = price_from_event(raw.get("price") or raw.get("plan"))
        if price is None:
            continue
        items.append(
            SubscriptionItem(
                id=str(raw.get("id") or ""),
                price=price,
                quantity=int(raw.get("quantity") or 1),
                current_period_start=_timestamp(raw.get("current_period_start")) or fallback_moment,
                current_period_end=_timestamp(raw.get("current_period_end")) or fallback_moment,
            )
        )
    return items


def subscription_from_event(event: Event) -> Subscription | None:
    """The subscription an event carries, in our model; None if the payload is not one."""
    raw = event.data_object
    customer_id = _id_of(raw.get("customer"))
    if raw.get("object") not in (None, "subscription") or not raw.get("id") or not customer_id:
        return None
    details = raw.get("cancellation_details") or {}
    return Subscription(
        id=str(raw["id"]),
        customer_id=customer_id,
        status=raw.get("status") or "canceled",
        created=_timestamp(raw.get("created")) or event.created,
        currency=str(raw.get("currency") or "usd"),
        items=items_from_event(raw.get("items"), fallback_moment=event.created),
        cancel_at_period_end=bool(raw.get("cancel_at_period_end")),
        canceled_at=_timestamp(raw.get("canceled_at")),
        ended_at=_timestamp(raw.get("ended_at")),
        cancellation_reason=_get(details, "reason"),
        cancellation_feedback=_get(details, "feedback"),
        cancellation_comment=_get(details, "comment"),
    )


class FailedInvoice(Model):
    invoice_id: str
    customer_id: str
    subscription_id: str | None = None
    amount_remaining: Money
    attempt_count: int = 0


def failed_invoice_from_event(event: Event) -> FailedInvoice | None:
    raw = event.data_object
    customer_id = _id_of(raw.get("customer"))
    if not raw.get("id") or not customer_id:
        return None
    # Newer API versions moved the subscription under parent.subscription_details.
    subscription_id = _id_of(raw.get("subscription")) or _id_of(
        _get(raw, "parent", "subscription_details", "subscription")
    )
    return FailedInvoice(
        invoice_id=str(raw["id"]),
        customer_id=customer_id,
        subscription_id=subscription_id,
        amount_remaining=Money(
            amount=int(raw.get("amount_remaining") or raw.get("amount_due") or 0),
            currency=str(raw.get("currency") or "usd"),
        ),
        attempt_count=int(raw.get("attempt_count") or 0),
    )
