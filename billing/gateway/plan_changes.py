"""The gateway's calls for plan changes and sent invoices (issue 13): a subscription item's new quantity or price,
previewed with invoices.create_preview and then made at the same proration date; an invoice sent by Stripe;
portal sessions, with a flow (flow_data) when asked."""

from __future__ import annotations

import logging
import time
from datetime import datetime
from typing import TYPE_CHECKING, Any, cast

from billing.change_models import InvoicePreview, PortalFlowType
from billing.errors import StripeUnavailable
from billing.gateway.base import PAGE_SIZE, PRODUCT_CACHE_SECONDS, SUBSCRIPTION_EXPAND, GatewayBase
from billing.gateway.convert import (
    _at,
    _request_id_of,
    _to_invoice,
    _to_price,
    _to_subscription,
    _with_request_id,
)
from billing.gateway.toolbox_convert import _to_invoice_preview
from billing.models import Invoice, PortalSession, Price, Subscription

if TYPE_CHECKING:
    from stripe.params import InvoiceCreatePreviewParams, SubscriptionUpdateParams
    from stripe.params.billing_portal import SessionCreateParams

log = logging.getLogger(__name__)


class PlanChangeCalls(GatewayBase):
    _price_catalogue: tuple[float, list[Any]] | None = None

    def recurring_price_page(self) -> list[Any]:
        """The account's active recurring prices (the plans a subscription can move to), as listed, cached like
        the product catalogue: one page of 100, newest first, which covers any ordinary price list. Converted
        with the product names by the caller (read in parallel)."""
        cached = self._price_catalogue
        if cached is not None and time.monotonic() - cached[0] < PRODUCT_CACHE_SECONDS:
            return cached[1]
        try:
            page = self._list("/v1/prices", {"active": True, "type": "recurring", "limit": PAGE_SIZE})
        except StripeUnavailable:
            log.warning("could not list prices; no plan switch is offered until they can be read")
            return cached[1] if cached else []
        self._price_catalogue = (time.monotonic(), page.data)
        return page.data

    @staticmethod
    def prices_named(listed: list[Any], product_names: dict[str, str]) -> list[Price]:
        return [_to_price(price, product_names) for price in listed]

    def create_portal_session(
        self,
        customer_id: str,
        *,
        return_url: str | None = None,
        flow: PortalFlowType | None = None,
        subscription_id: str | None = None,
    ) -> PortalSession:
        params: SessionCreateParams = {"customer": customer_id}
        if return_url:
            params["return_url"] = return_url
        if flow is not None:
            params["flow_data"] = portal_flow_data(flow, subscription_id)
        session = self._write(
            lambda: self._client.v1.billing_portal.sessions.create(params=params),
            object_id=customer_id,
        )
        return PortalSession(
            id=session.id,
            url=session.url,
            customer_id=session.customer,
            created=_at(session.created),
            stripe_request_id=_request_id_of(session),
        )

    def preview_item_change(
        self,
        subscription_id: str,
        *,
        item_id: str,
        proration_date: datetime,
        quantity: int | None = None,
        price_id: str | None = None,
    ) -> InvoicePreview:
        """invoices.create_preview of one item's new quantity or price, prorated as of `proration_date`."""
        params: InvoiceCreatePreviewParams = {
            "subscription": subscription_id,
            "subscription_details": {
                "items": [cast(Any, _item_change(item_id, quantity, price_id))],
                "proration_behavior": "create_prorations",
                "proration_date": int(proration_date.timestamp()),
            },
        }
        invoice = self._read(
            lambda: self._client.v1.invoices.create_preview(params=params), object_id=subscription_id
        )
        return _to_invoice_preview(invoice, subscription_id)

    def change_subscription_item(
        self,
        subscription_id: str,
        *,
        item_id: str,
        proration_date: datetime,
        idempotency_key: str,
        quantity: int | None = None,
        price_id: str | None = None,
    ) -> Subscription:
        """One item's quantity or price, prorated as of `proration_date` (the date its preview used)."""
        params: SubscriptionUpdateParams = {
            "items": [cast(Any, _item_change(item_id, quantity, price_id))],
            "proration_behavior": "create_prorations",
            "proration_date": int(proration_date.timestamp()),
            "expand": SUBSCRIPTION_EXPAND,
        }
        updated = self._write(
            lambda: self._client.v1.subscriptions.update(
                subscription_id, params=params, options={"idempotency_key": idempotency_key}
            ),
            object_id=subscription_id,
        )
        return _with_request_id(_to_subscription(updated, self._names_for([updated])), updated)

    def send_invoice(self, invoice_id: str, *, idempotency_key: str) -> Invoice:
        invoice = self._write(
            lambda: self._client.v1.invoices.send_invoice(
                invoice_id, params={"expand": ["payments"]}, options={"idempotency_key": idempotency_key}
            ),
            object_id=invoice_id,
        )
        return _with_request_id(_to_invoice(invoice), invoice)


def _item_change(item_id: str, quantity: int | None, price_id: str | None) -> dict[str, Any]:
    change: dict[str, Any] = {"id": item_id}
    if quantity is not None:
        change["quantity"] = quantity
    if price_id is not None:
        change["price"] = price_id
    return change


def portal_flow_data(flow: PortalFlowType, subscription_id: str | None) -> Any:
    """A portal session's `flow_data`: straight into one flow (the cancel flow names the subscription)."""
    if flow == "subscription_cancel":
        return {"type": flow, "subscription_cancel": {"subscription": subscription_id or ""}}
    return {"type": flow}
