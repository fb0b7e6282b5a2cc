"""Credit notes as the project sees them: the draft the bot asks Stripe for, and the note Stripe issued."""

from __future__ import annotations

from datetime import datetime

from pydantic import Field

from billing.models import Invoice, Model, WriteResult
from billing.money import Money

CREDIT_NOTE_REASONS = ("duplicate", "fraudulent", "order_change", "product_unsatisfactory")


class CreditNoteDraft(Model):
    """A credit note as the bot asks Stripe for it (preview, then create with the same fields)."""

    invoice_id: str
    amount: int
    refund_amount: int = 0  # back to the card that paid the invoice
    credit_amount: int = 0  # to the customer's balance, used by the next invoices
    reason: str
    memo: str | None = None
    metadata: dict[str, str] = Field(default_factory=dict)


class CreditNote(WriteResult):
    """A credit note on an invoice: what it credited, and how (refund to the card, customer balance)."""

    id: str
    number: str | None = None
    invoice_id: str
    customer_id: str
    amount: int
    currency: str
    status: str
    type: str | None = None
    reason: str | None = None
    memo: str | None = None
    pre_payment_amount: int = 0
    post_payment_amount: int = 0
    out_of_band_amount: int = 0
    refund_ids: list[str] = Field(default_factory=list)
    refunded_amount: int = 0
    customer_balance_transaction_id: str | None = None
    created: datetime
    metadata: dict[str, str] = Field(default_factory=dict)

    @property
    def credited_amount(self) -> int:
        """What went to the customer's balance (the post-payment part neither refunded nor out of band)."""
        return max(0, self.post_payment_amount - self.refunded_amount - self.out_of_band_amount)

    def money(self) -> Money:
        return Money(amount=self.amount, currency=self.currency)


def creditable_amount(invoice: Invoice) -> int:
    """What credit notes may still credit on the invoice: its total less what earlier credit notes took."""
    total = invoice.amount_due if invoice.total_amount is None else invoice.total_amount
    return max(0, total - invoice.pre_payment_credit_notes_amount - invoice.post_payment_credit_notes_amount)
