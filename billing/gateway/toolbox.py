"""The operator's toolbox in Stripe (issue 13): undo a scheduled cancellation, pause and resume collection,
move a trial's end, apply a coupon, add account credit, and the coupons and balance transactions they read."""

from __future__ import annotations

import logging
from datetime import datetime
from typing import TYPE_CHECKING, Any, cast

import stripe

from billing.errors import StripeUnavailable
from billing.gateway.base import PAGE_SIZE, SUBSCRIPTION_EXPAND, GatewayBase
from billing.gateway.convert import (
    _to_balance_transaction,
    _to_coupon,
    _to_subscription,
    _with_request_id,
)
from billing.models import BalanceTransaction, Subscription
from billing.toolbox_models import Coupon, PauseBehavior

if TYPE_CHECKING:
    from stripe.params import SubscriptionUpdateParams

log = logging.getLogger(__name__)


class ToolboxWrites(GatewayBase):
    def undo_scheduled_cancellation(self, subscription_id: str, *, idempotency_key: str) -> Subscription:
        return self._update_subscription(subscription_id, {"cancel_at_period_end": False}, idempotency_key)

    def pause_collection(
        self,
        subscription_id: str,
        *,
        behavior: PauseBehavior,
        resumes_at: datetime | None,
        idempotency_key: str,
    ) -> Subscription:
        pause: dict[str, Any] = {"behavior": behavior}
        if resumes_at is not None:
            pause["resumes_at"] = int(resumes_at.timestamp())
        return self._update_subscription(subscription_id, {"pause_collection": pause}, idempotency_key)

    def resume_collection(self, subscription_id: str, *, idempotency_key: str) -> Subscription:
        # An empty string unsets pause_collection: Stripe collects again from the next invoice on.
        return self._update_subscription(subscription_id, {"pause_collection": ""}, idempotency_key)

    def set_trial_end(
        self, subscription_id: str, *, trial_end: datetime, idempotency_key: str
    ) -> Subscription:
        params = {"trial_end": int(trial_end.timestamp())}
        return self._update_subscription(subscription_id, params, idempotency_key)

    def apply_coupon(self, subscription_id: str, *, coupon_id: str, idempotency_key: str) -> Subscription:
        return self._update_subscription(
            subscription_id, {"discounts": [{"coupon": coupon_id}]}, idempotency_key
        )

    def _update_subscription(self, subscription_id: str, params: dict[str, Any], key: str) -> Subscription:
        update = cast("SubscriptionUpdateParams", {**params, "expand": SUBSCRIPTION_EXPAND})
        updated = self._write(
            lambda: self._client.v1.subscriptions.update(
                subscription_id, params=update, options={"idempotency_key": key}
            ),
            object_id=subscription_id,
        )
        return _with_request_id(_to_subscription(updated, self._names_for([updated])), updated)

    def list_coupons(self) -> list[Coupon]:
        """The account's newest coupons (one page: a form offers at most 100 choices), `valid` telling which
        can still be redeemed (a used-up one still names the discounts it made)."""
        page = self._list("/v1/coupons", {"limit": PAGE_SIZE})
        return [_to_coupon(coupon) for coupon in page.data]

    def _coupons_or_empty(self) -> list[Coupon]:
        try:
            return self.list_coupons()
        except StripeUnavailable:
            # A restricted key without coupon access must not break a lookup.
            log.warning("could not list coupons; continuing without them")
            return []

    def get_coupon(self, coupon_id: str) -> Coupon:
        coupon = self._read(lambda: self._client.v1.coupons.retrieve(coupon_id), object_id=coupon_id)
        return _to_coupon(coupon)

    def add_customer_credit(
        self,
        customer_id: str,
        *,
        amount: int,
        currency: str,
        description: str,
        metadata: dict[str, str],
        idempotency_key: str,
    ) -> BalanceTransaction:
        """A balance transaction of -amount: credit Stripe applies to the customer's next invoices."""
        transaction = self._write(
            lambda: self._client.v1.customers.balance_transactions.create(
                customer_id,
                params={
                    "amount": -amount,
                    "currency": currency,
                    "description": description,
                    "metadata": metadata,
                },
                options={"idempotency_key": idempotency_key},
            ),
            object_id=customer_id,
        )
        return _with_request_id(_to_balance_transaction(transaction), transaction)

    def list_balance_transactions(self, customer_id: str) -> list[BalanceTransaction]:
        """Every balance transaction of the customer, newest first."""
        params: Any = {"limit": PAGE_SIZE}
        path = f"/v1/customers/{customer_id}/balance_transactions"
        return [
            _to_balance_transaction(transaction)
            for transaction in self._paginate(path, params, stripe.CustomerBalanceTransaction)
        ]
