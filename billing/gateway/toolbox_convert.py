"""Converters for the toolbox's Stripe objects (issue 13): an invoice preview."""

from __future__ import annotations

import stripe

from billing.change_models import InvoicePreview, PreviewLine
from billing.gateway.convert import _at


def _to_preview_line(line: stripe.InvoiceLineItem) -> PreviewLine:
    parent = line.parent
    details = parent.subscription_item_details if parent is not None else None
    return PreviewLine(
        description=line.description,
        amount=line.amount,
        proration=bool(details.proration) if details is not None else False,
        period_start=_at(line.period.start),
        period_end=_at(line.period.end),
    )


def _to_invoice_preview(invoice: stripe.Invoice, subscription_id: str) -> InvoicePreview:
    return InvoicePreview(
        subscription_id=subscription_id,
        currency=invoice.currency,
        total=invoice.total,
        amount_due=invoice.amount_due,
        billing_reason=invoice.billing_reason,
        period_start=_at(invoice.period_start),
        lines=[_to_preview_line(line) for line in invoice.lines.data],
    )
