"""Converters: one Stripe object (or a JsonView of a listed one) in, one of our models out. Raw Stripe
objects stop here."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, TypeVar, cast

import stripe

from billing.credit_notes import CreditNote
from billing.models import (
    BalanceTransaction,
    CardSummary,
    Charge,
    Customer,
    Dispute,
    Event,
    Interval,
    Invoice,
    InvoiceStatus,
    PortalConfiguration,
    Price,
    Refund,
    Subscription,
    SubscriptionItem,
    SubscriptionStatus,
    WriteResult,
)
from billing.toolbox_models import Coupon, CouponDuration, PauseBehavior, PauseCollection

if TYPE_CHECKING:
    pass


_CARD_KEYS = frozenset({"card", "payment_method_details", "source", "sources", "billing_details"})
W = TypeVar("W", bound=WriteResult)


def _request_id_of(obj: stripe.StripeObject) -> str | None:
    response = obj.last_response
    return response.request_id if response is not None else None


def _with_request_id(model: W, obj: stripe.StripeObject) -> W:
    return model.model_copy(update={"stripe_request_id": _request_id_of(obj)})


def _at(timestamp: int) -> datetime:
    return datetime.fromtimestamp(timestamp, UTC)


def _at_or_none(timestamp: int | None) -> datetime | None:
    return None if timestamp is None else _at(timestamp)


def _id_of(field: str | stripe.StripeObject | None) -> str | None:
    if field is None or isinstance(field, str):
        return field
    return cast(str, field["id"])


def _metadata(metadata: stripe.StripeObject | None) -> dict[str, str]:
    if metadata is None:
        return {}
    return {str(key): str(value) for key, value in metadata.to_dict().items()}


def _to_card(payment_method: str | stripe.PaymentMethod | None) -> CardSummary | None:
    """Brand, last 4 and expiry: nothing else of a card leaves this function."""
    if payment_method is None or isinstance(payment_method, str) or payment_method.card is None:
        return None
    card = payment_method.card
    return CardSummary(brand=card.brand, last4=card.last4, exp_month=card.exp_month, exp_year=card.exp_year)


def _charge_card(charge: stripe.Charge) -> CardSummary | None:
    details = charge.payment_method_details
    card = details.card if details is not None else None
    if card is None or card.brand is None or card.last4 is None:
        return None
    return CardSummary(brand=card.brand, last4=card.last4, exp_month=card.exp_month, exp_year=card.exp_year)


def _to_customer(customer: stripe.Customer) -> Customer:
    settings = customer.invoice_settings
    subscriptions = customer.subscriptions if "subscriptions" in customer else None
    return Customer(
        id=customer.id,
        name=customer.name,
        email=customer.email,
        created=_at(customer.created),
        livemode=customer.livemode,
        currency=customer.currency,
        delinquent=bool(customer.delinquent),
        metadata=_metadata(customer.metadata),
        default_payment_method=_to_card(settings.default_payment_method) if settings is not None else None,
        test_clock=_id_of(customer.test_clock),
        subscription_count=len(subscriptions.data) if subscriptions is not None else None,
        balance=customer.balance or 0,
    )


def _product_ids_of(subscriptions: list[stripe.Subscription]) -> set[str]:
    ids = set()
    for subscription in subscriptions:
        for item in subscription["items"].data:
            product = item.price.product
            if isinstance(product, str):
                ids.add(product)
    return ids


def _to_price(price: stripe.Price, product_names: dict[str, str]) -> Price:
    product = price.product
    product_id = _id_of(product) or ""
    # Expanded (a retrieve's StripeObject or a listed JsonView), or just the ID: then the cached catalogue.
    product_name = (
        product_names.get(product_id) if isinstance(product, str) or product is None else product.name
    )
    recurring = price.recurring
    return Price(
        id=price.id,
        product_id=product_id,
        product_name=product_name,
        nickname=price.nickname,
        unit_amount=price.unit_amount,
        currency=price.currency,
        interval=cast(Interval, recurring.interval) if recurring is not None else None,
        interval_count=recurring.interval_count if recurring is not None else 1,
    )


def _to_subscription_item(item: stripe.SubscriptionItem, product_names: dict[str, str]) -> SubscriptionItem:
    # The pinned API version keeps the billing period on the item.
    return SubscriptionItem(
        id=item.id,
        price=_to_price(item.price, product_names),
        quantity=item.quantity if item.quantity is not None else 1,
        current_period_start=_at(item.current_period_start),
        current_period_end=_at(item.current_period_end),
    )


def _to_subscription(subscription: stripe.Subscription, product_names: dict[str, str]) -> Subscription:
    details = subscription.cancellation_details
    percent_off, amount_off = _discounts(subscription)
    return Subscription(
        id=subscription.id,
        customer_id=_id_of(subscription.customer) or "",
        status=cast(SubscriptionStatus, subscription.status),
        created=_at(subscription.created),
        currency=subscription.currency,
        items=[_to_subscription_item(item, product_names) for item in subscription.items.data],
        cancel_at_period_end=subscription.cancel_at_period_end,
        cancel_at=_at_or_none(subscription.cancel_at),
        canceled_at=_at_or_none(subscription.canceled_at),
        ended_at=_at_or_none(subscription.ended_at),
        trial_end=_at_or_none(subscription.trial_end),
        latest_invoice_id=_id_of(subscription.latest_invoice),
        default_payment_method=_to_card(subscription.default_payment_method),
        cancellation_reason=details.reason if details is not None else None,
        cancellation_feedback=details.feedback if details is not None else None,
        cancellation_comment=details.comment if details is not None else None,
        discount_percent_off=percent_off,
        discount_amount_off=amount_off,
        coupon_ids=_coupon_ids(subscription),
        pause_collection=_to_pause(subscription.pause_collection),
        test_clock=_id_of(subscription.test_clock),
    )


def _discounts(subscription: stripe.Subscription) -> tuple[float, int]:
    """Only expanded discounts carry their coupon; unexpanded IDs count as no discount."""
    percent_off = 0.0
    amount_off = 0
    for discount in subscription.discounts or []:
        if isinstance(discount, str):
            continue
        coupon = discount.source.coupon if discount.source is not None else None
        if coupon is not None and not isinstance(coupon, str):
            percent_off = max(percent_off, coupon.percent_off or 0.0)
            amount_off += coupon.amount_off or 0
    return percent_off, amount_off


def _coupon_ids(subscription: stripe.Subscription) -> list[str]:
    """From expanded discounts (SUBSCRIPTION_EXPAND); a discount left as an ID names no coupon."""
    ids = []
    for discount in subscription.discounts or []:
        coupon = None if isinstance(discount, str) or discount.source is None else discount.source.coupon
        if coupon is not None:
            ids.append(coupon if isinstance(coupon, str) else coupon.id)
    return ids


def _to_pause(pause: stripe.Subscription.PauseCollection | None) -> PauseCollection | None:
    if pause is None:
        return None
    return PauseCollection(
        behavior=cast(PauseBehavior, pause.behavior), resumes_at=_at_or_none(pause.resumes_at)
    )


def _to_coupon(coupon: stripe.Coupon) -> Coupon:
    return Coupon(
        id=coupon.id,
        name=coupon.name,
        percent_off=coupon.percent_off,
        amount_off=coupon.amount_off,
        currency=coupon.currency,
        duration=cast(CouponDuration, coupon.duration),
        duration_in_months=coupon.duration_in_months,
        valid=coupon.valid,
    )


def _to_balance_transaction(transaction: stripe.CustomerBalanceTransaction) -> BalanceTransaction:
    return BalanceTransaction(
        id=transaction.id,
        customer_id=_id_of(transaction.customer) or "",
        amount=transaction.amount,
        currency=transaction.currency,
        ending_balance=transaction.ending_balance,
        type=transaction.type,
        description=transaction.description,
        created=_at(transaction.created),
        metadata=_metadata(transaction.metadata),
    )


def _to_invoice(invoice: stripe.Invoice) -> Invoice:
    parent = invoice.parent
    details = parent.subscription_details if parent is not None else None
    payments = invoice.payments if "payments" in invoice else None
    payment_intent_ids = [
        payment_intent_id
        for invoice_payment in (payments.data if payments is not None else [])
        if (payment_intent_id := _id_of(invoice_payment.payment.payment_intent)) is not None
    ]
    return Invoice(
        id=cast(str, invoice.id),
        number=invoice.number,
        customer_id=_id_of(invoice.customer) or "",
        subscription_id=_id_of(details.subscription) if details is not None else None,
        status=cast(InvoiceStatus | None, invoice.status),
        currency=invoice.currency,
        amount_due=invoice.amount_due,
        amount_paid=invoice.amount_paid,
        amount_remaining=invoice.amount_remaining,
        created=_at(invoice.created),
        attempt_count=invoice.attempt_count,
        billing_reason=invoice.billing_reason,
        hosted_invoice_url=invoice.hosted_invoice_url,
        collection_method=invoice.collection_method,
        # Absent from some older fixtures' invoices; Stripe always sends them.
        total_amount=getattr(invoice, "total", None),
        pre_payment_credit_notes_amount=getattr(invoice, "pre_payment_credit_notes_amount", 0) or 0,
        post_payment_credit_notes_amount=getattr(invoice, "post_payment_credit_notes_amount", 0) or 0,
        payment_intent_ids=payment_intent_ids,
    )


def _to_charge(charge: stripe.Charge) -> Charge:
    return Charge(
        id=charge.id,
        customer_id=_id_of(charge.customer),
        payment_intent_id=_id_of(charge.payment_intent),
        amount=charge.amount,
        amount_refunded=charge.amount_refunded,
        currency=charge.currency,
        status=cast(Any, charge.status),
        refunded=charge.refunded,
        disputed=charge.disputed,
        created=_at(charge.created),
        failure_code=charge.failure_code,
        failure_message=charge.failure_message,
        card=_charge_card(charge),
        description=charge.description,
        receipt_url=charge.receipt_url,
    )


def _charge_refunds(charge: stripe.Charge) -> list[stripe.Refund]:
    refunds = charge.refunds if "refunds" in charge else None
    return list(refunds.data) if refunds is not None else []


def _to_refund(refund: stripe.Refund) -> Refund:
    return Refund(
        id=refund.id,
        charge_id=_id_of(refund.charge),
        payment_intent_id=_id_of(refund.payment_intent),
        amount=refund.amount,
        currency=refund.currency,
        status=refund.status,
        reason=refund.reason,
        created=_at(refund.created),
        metadata=_metadata(refund.metadata),
    )


def _to_dispute(dispute: stripe.Dispute) -> Dispute:
    charge = dispute.charge
    return Dispute(
        id=dispute.id,
        charge_id=_id_of(charge),
        payment_intent_id=_id_of(dispute.payment_intent),
        customer_id=None if isinstance(charge, str) else _id_of(charge.customer),
        amount=dispute.amount,
        currency=dispute.currency,
        status=dispute.status,
        reason=dispute.reason,
        created=_at(dispute.created),
        due_by=_at_or_none(dispute.evidence_details.due_by) if dispute.evidence_details else None,
    )


def _disputes_of(customer_id: str, charge_ids: set[str], disputes: list[stripe.Dispute]) -> list[Dispute]:
    """A dispute is this customer's if its (expanded) charge names them, or it is on a listed charge."""
    converted = [_to_dispute(dispute) for dispute in disputes]
    return [d for d in converted if d.customer_id == customer_id or d.charge_id in charge_ids]


def _to_credit_note(note: stripe.CreditNote) -> CreditNote:
    refunds = note.refunds or []
    return CreditNote(
        id=note.id,
        number=note.number,
        invoice_id=_id_of(note.invoice) or "",
        customer_id=_id_of(note.customer) or "",
        amount=note.amount,
        currency=note.currency,
        status=note.status,
        type=note.type,
        reason=note.reason,
        memo=note.memo,
        pre_payment_amount=note.pre_payment_amount,
        post_payment_amount=note.post_payment_amount,
        out_of_band_amount=note.out_of_band_amount or 0,
        refund_ids=[refund_id for refund in refunds if (refund_id := _id_of(refund.refund))],
        refunded_amount=sum(refund.amount_refunded for refund in refunds),
        customer_balance_transaction_id=_id_of(note.customer_balance_transaction),
        created=_at(note.created),
        metadata=_metadata(note.metadata),
    )


def _to_portal_configuration(configuration: stripe.billing_portal.Configuration) -> PortalConfiguration:
    features = configuration.features
    return PortalConfiguration(
        id=configuration.id,
        is_default=configuration.is_default,
        active=configuration.active,
        payment_method_update=features.payment_method_update.enabled,
        subscription_cancel=features.subscription_cancel.enabled,
        invoice_history=features.invoice_history.enabled,
        subscription_update=features.subscription_update.enabled,
    )


def _to_event(event: stripe.Event) -> Event:
    payload = _without_card_details(event.data.object.to_dict())
    # Only *.updated events carry previous_attributes.
    previous = event.data.previous_attributes if "previous_attributes" in event.data else None
    return Event(
        id=event.id,
        type=event.type,
        created=_at(event.created),
        object_id=payload.get("id"),
        data_object=payload,
        previous_attributes=_without_card_details(previous.to_dict()) if previous is not None else {},
    )


def _without_card_details(payload: dict[str, Any]) -> dict[str, Any]:
    return {key: _scrub(value) for key, value in payload.items() if key not in _CARD_KEYS}


def _scrub(value: Any) -> Any:
    if isinstance(value, dict):
        return _without_card_details(value)
    if isinstance(value, list):
        return [_scrub(item) for item in value]
    return value


def _distinct_owners(owners: Iterable[Any]) -> list[Customer]:
    """Each live customer once, in the order first seen (search results come newest first)."""
    customers: dict[str, Customer] = {}
    for owner in owners:
        if owner is None or isinstance(owner, str) or getattr(owner, "deleted", False):
            continue
        customers.setdefault(owner.id, _to_customer(owner))
    return list(customers.values())
