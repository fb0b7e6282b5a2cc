"""Which paid invoices a credit note may target, and how the operator sees them (pure)."""

from __future__ import annotations

from billing.action_kinds.choosing import day_text
from billing.credit_notes import creditable_amount
from billing.models import Charge, Invoice
from billing.money import format_money
from billing.snapshot import CustomerSnapshot


def creditable_invoices(snapshot: CustomerSnapshot) -> list[Invoice]:
    """Paid invoices with something left to credit, newest first. An invoice whose charge is disputed is
    settled in the dispute: crediting it too would pay the customer back twice."""
    paid = [
        invoice
        for invoice in snapshot.records.invoices
        if invoice.status == "paid"
        and invoice.amount_paid > 0
        and credit_left(snapshot, invoice) > 0
        and not paid_by_disputed_charge(snapshot, invoice)
    ]
    return sorted(paid, key=lambda invoice: invoice.created, reverse=True)


def credit_left(snapshot: CustomerSnapshot, invoice: Invoice) -> int:
    """What a credit note may still credit: Stripe also counts refunds made outside credit notes on the
    invoice's charge. Those are at least what the charge had refunded beyond the credit notes' post-payment
    amounts (exact unless a credit note credited the balance too); Stripe's preview has the last word."""
    charge = paying_charge(snapshot, invoice)
    refunded = charge.amount_refunded if charge is not None else 0
    outside = max(0, refunded - invoice.post_payment_credit_notes_amount)
    return max(0, creditable_amount(invoice) - outside)


def paid_by_disputed_charge(snapshot: CustomerSnapshot, invoice: Invoice) -> bool:
    charge = paying_charge(snapshot, invoice)
    return charge is not None and charge.disputed


def paying_charge(snapshot: CustomerSnapshot, invoice: Invoice) -> Charge | None:
    return next(
        (
            charge
            for charge in snapshot.records.charges
            if charge.payment_intent_id in invoice.payment_intent_ids and charge.status == "succeeded"
        ),
        None,
    )


def invoice_name(invoice: Invoice) -> str:
    return f"{invoice.number} ({invoice.id})" if invoice.number else invoice.id


def invoice_label(snapshot: CustomerSnapshot, invoice: Invoice) -> str:
    paid = format_money(invoice.amount_paid, invoice.currency)
    label = f"{invoice.number or invoice.id} · {paid} paid {day_text(invoice.created)}"
    left = credit_left(snapshot, invoice)
    if left < invoice.amount_paid:
        label += f" · {format_money(left, invoice.currency)} left"
    return label
