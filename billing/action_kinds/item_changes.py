"""What a seat-count change and a monthly <-> yearly switch share: one subscription item's new quantity or price,
previewed with invoices.create_preview at a proration date that the change itself then uses, so the proration
shown before Confirm is the proration Stripe makes."""

from __future__ import annotations

from datetime import UTC, datetime
from fractions import Fraction
from typing import Any

from billing.action_kinds.steps import Params, verify_subscription
from billing.action_models import PendingAction, Plan, Step
from billing.change_models import InvoicePreview, ItemChange
from billing.errors import PreconditionFailed
from billing.models import Price, Subscription, SubscriptionItem
from billing.money import Money
from billing.ports import BillingGateway

STEP = "change_item"


def single_item(sub: Subscription) -> SubscriptionItem:
    if len(sub.items) != 1:
        raise PreconditionFailed(
            f"{sub.id} has {len(sub.items)} items; change it in the Stripe Dashboard. Nothing was changed."
        )
    return sub.items[0]


def yearly_value(price: Price, quantity: int) -> Fraction:
    """What `quantity` of `price` brings in a year, in minor units (monthly x 12, yearly x 1)."""
    return Fraction(price.unit_amount or 0) * quantity * price.monthly_fraction() * 12


def given_up(before: Fraction, after: Fraction, currency: str) -> Money | None:
    """The yearly contract value a change gives up; None when it gives up nothing."""
    lost = round(before - after)
    return Money(amount=lost, currency=currency) if lost > 0 else None


def item_step(
    sub: Subscription, item: SubscriptionItem, *, at: datetime, quantity: int, price: Price
) -> Step:
    return Step(
        name=STEP,
        object_id=sub.id,
        params={
            "item": item.id,
            "quantity_before": item.quantity,
            "quantity": quantity,
            "price_before": item.price.id,
            "price": price.id,
            "proration_date": int(at.timestamp()),
        },
    )


def proration_date(step: Step) -> datetime:
    return datetime.fromtimestamp(int(step.params["proration_date"]), UTC)


def preview(step: Step, gateway: BillingGateway) -> InvoicePreview:
    params = step.params
    price_changes = params["price"] != params["price_before"]
    return gateway.preview_item_change(
        step.object_id,
        item_id=params["item"],
        proration_date=proration_date(step),
        quantity=params["quantity"] if params["quantity"] != params["quantity_before"] else None,
        price_id=params["price"] if price_changes else None,
    )


def with_proration(plan: Plan, shown: InvoicePreview) -> Plan:
    """The plan's step carries the proration Stripe previewed, so the outcome can state it."""
    [step] = plan.steps
    proration = shown.prorations_since(proration_date(step))
    params = {**step.params, "proration": proration.amount, "currency": proration.currency}
    return plan.model_copy(update={"steps": [step.model_copy(update={"params": params})]})


def recheck(step: Step, gateway: BillingGateway, pending: PendingAction) -> Subscription:
    sub = gateway.get_subscription(step.object_id)
    verify_subscription(sub, customer_id=pending.customer_id, at_period_end=False)
    params = step.params
    item = next((item for item in sub.items if item.id == params["item"]), None)
    if item is None:
        raise PreconditionFailed(f"{sub.id} no longer has item {params['item']}; nothing was changed.")
    if (item.quantity, item.price.id) != (params["quantity_before"], params["price_before"]):
        raise PreconditionFailed(
            f"{sub.id} changed since this was planned (now {item.quantity} × {item.price.label()}); "
            "nothing was changed. Look the customer up again."
        )
    # A renewal since planning starts a new period: the proration shown on the prompt is not Stripe's any more.
    if item.current_period_start > proration_date(step):
        raise PreconditionFailed(
            f"{sub.id} renewed on {item.current_period_start:%Y-%m-%d} after the proration was shown; nothing "
            "was changed. Look the customer up again for the new figures."
        )
    return sub


def request(step: Step) -> Params:
    params = step.params
    return {
        "subscription": step.object_id,
        "item": params["item"],
        "quantity": params["quantity"] if params["quantity"] != params["quantity_before"] else None,
        "price": params["price"] if params["price"] != params["price_before"] else None,
        "proration_date": params["proration_date"],
    }


def send(step: Step, gateway: BillingGateway, params: Params, key: str) -> ItemChange:
    sub = gateway.change_subscription_item(
        params["subscription"],
        item_id=params["item"],
        proration_date=datetime.fromtimestamp(int(params["proration_date"]), UTC),
        idempotency_key=key,
        quantity=params["quantity"],
        price_id=params["price"],
    )
    return _change(step, sub)


def find_effect(step: Step, gateway: BillingGateway) -> ItemChange | None:
    sub = gateway.get_subscription(step.object_id)
    item = next((item for item in sub.items if item.id == step.params["item"]), None)
    done = item is not None and (item.quantity, item.price.id) == (
        step.params["quantity"],
        step.params["price"],
    )
    return _change(step, sub) if done else None


def _change(step: Step, sub: Subscription) -> ItemChange:
    params: dict[str, Any] = step.params
    proration = params.get("proration")
    return ItemChange(
        id=sub.id,
        stripe_request_id=sub.stripe_request_id,
        subscription=sub,
        item_id=params["item"],
        quantity_before=params["quantity_before"],
        quantity=params["quantity"],
        price_before=params["price_before"],
        price=params["price"],
        proration=None if proration is None else Money(amount=proration, currency=params["currency"]),
    )
