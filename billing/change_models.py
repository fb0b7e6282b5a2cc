"""Plan-change and link models (issue 13): a change's invoice preview, what a subscription item change did,
the portal flows, and a Stripe-hosted page for the customer."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import Field

from billing.models import Model, Subscription, WriteResult
from billing.money import Money


class PreviewLine(Model):
    description: str | None = None
    amount: int
    proration: bool = False
    period_start: datetime
    period_end: datetime


class InvoicePreview(Model):
    """What `invoices.create_preview` says a subscription change would invoice (nothing is stored)."""

    subscription_id: str
    currency: str
    total: int
    amount_due: int
    billing_reason: str | None = None
    # When that invoice is made: at once for an immediate change, else at the next renewal.
    period_start: datetime
    lines: list[PreviewLine] = Field(default_factory=list)

    def prorations_since(self, moment: datetime) -> Money:
        """The change's own prorations: the proration lines starting at its proration date (earlier pending
        prorations on the same invoice start before it)."""
        amount = sum(line.amount for line in self.lines if line.proration and line.period_start >= moment)
        return Money(amount=amount, currency=self.currency)


class ItemChange(WriteResult):
    """A subscription item's quantity or price changed, with the proration Stripe previewed for it at the same
    proration date (what it adds to the next invoice, or what the invoice made at once came to)."""

    id: str  # the subscription
    subscription: Subscription
    item_id: str
    quantity_before: int
    quantity: int
    price_before: str
    price: str
    proration: Money | None = None


PortalFlowType = Literal["payment_method_update", "subscription_cancel"]


class CustomerLink(WriteResult):
    """A Stripe-hosted page for the customer: an open invoice's payment page, or a payment's receipt."""

    id: str  # the invoice or the charge
    kind: Literal["hosted_invoice", "receipt"]
    url: str
    amount: Money
    number: str | None = None  # the invoice number the customer sees
    created: datetime
