"""Credit note on a paid invoice: the accountant-correct way to give money back on an invoice, either to the
card that paid it or to the customer's balance (taken off the next invoices). Stripe previews it first."""

from __future__ import annotations

from typing import Any

from billing.action_kinds import steps, wording
from billing.action_kinds.base import IdFormat, register
from billing.action_kinds.choosing import (
    choice,
    chosen_amount,
    chosen_option,
    major_text,
)
from billing.action_kinds.one_step import OneStepAction
from billing.action_kinds.paid_invoices import (
    credit_left,
    creditable_invoices,
    invoice_label,
    invoice_name,
    paid_by_disputed_charge,
    paying_charge,
)
from billing.action_kinds.pickers import target_field
from billing.action_kinds.targets import card_label, refuse_if_disputed
from billing.action_models import (
    ActionKind,
    ActionOutcome,
    Choices,
    FieldKind,
    Form,
    FormField,
    Interaction,
    PendingAction,
    Plan,
    RevenueImpact,
    Step,
    TargetRead,
)
from billing.credit_notes import CreditNote, CreditNoteDraft, creditable_amount
from billing.errors import PreconditionFailed, StripeRefused
from billing.models import Bucket, Charge, Invoice, WriteResult
from billing.money import Money, format_money
from billing.ports import BillingGateway
from billing.reconcile import NONCE_METADATA
from billing.snapshot import CustomerSnapshot

STEP = "credit_note"
METHODS = {
    "refund": "Refund to the card that paid",
    "credit": "Credit the customer's balance (next invoices)",
}
# Stripe's credit note reasons (billing.models.CREDIT_NOTE_REASONS), as the operator reads them.
REASONS = {
    "product_unsatisfactory": "Product unsatisfactory",
    "order_change": "Order change",
    "duplicate": "Duplicate",
    "fraudulent": "Fraudulent",
}


def _reason_words(reason: str) -> str:
    return REASONS.get(reason, reason).lower()


@register
class CreditNoteOnInvoice(OneStepAction):
    kind = ActionKind.CREDIT_NOTE
    label = "Credit note…"
    button_id = "billing.credit_note"
    changes_mrr = False
    # A product failure or seats bought by mistake, on an invoice already paid: after a plain refund (which
    # needs no accounting choices), before anything that ends the subscription.
    offered_in = {Bucket.TEAM: 8, Bucket.PRODUCT_FAILURE: 5}
    interaction = Interaction.CONFIRM
    why = (
        "The customer paid an invoice for something they should not have paid in full; a credit note adjusts "
        "that invoice the way the books need it, with the money back on the card or on the customer's balance."
    )
    product_gap = None
    step = STEP

    def target(self, bucket: Bucket, snapshot: CustomerSnapshot) -> str | None:
        invoices = creditable_invoices(snapshot)
        return invoices[0].id if invoices else None

    def form(self, target: str, snapshot: CustomerSnapshot) -> Form | None:
        invoices = creditable_invoices(snapshot)
        chosen_invoice = next((invoice for invoice in invoices if invoice.id == target), None)
        if chosen_invoice is None:
            return None
        currency = chosen_invoice.currency
        return Form(
            title="Credit note",
            submit="Preview",
            intro="Stripe previews the credit note before you confirm; nothing changes until Confirm.",
            fields=[
                target_field(
                    "Paid invoice",
                    [choice(invoice.id, invoice_label(snapshot, invoice)) for invoice in invoices[:100]],
                    initial=chosen_invoice.id,
                ),
                FormField(
                    name="amount",
                    label=f"Amount ({currency.upper()})",
                    kind=FieldKind.AMOUNT,
                    currency=currency,
                    initial=major_text(credit_left(snapshot, chosen_invoice), currency),
                    hint="A part of the invoice is fine; at most what is left to credit on it.",
                ),
                FormField(
                    name="method",
                    label="Give the money back as",
                    kind=FieldKind.SELECT,
                    choices=[choice(value, label) for value, label in METHODS.items()],
                ),
                FormField(
                    name="reason",
                    label="Reason",
                    kind=FieldKind.SELECT,
                    choices=[choice(value, label) for value, label in REASONS.items()],
                ),
            ],
        )

    def plan(
        self,
        target: str,
        snapshot: CustomerSnapshot,
        *,
        amount: int | None = None,
        choices: Choices | None = None,
    ) -> Plan:
        disputed = next((inv for inv in snapshot.records.invoices if inv.id == target), None)
        if disputed is not None and paid_by_disputed_charge(snapshot, disputed):
            raise PreconditionFailed(
                f"{invoice_name(disputed)} was paid by a disputed charge: the dispute settles it, and a credit "
                "note too would pay the customer back twice. Nothing was changed."
            )
        invoice = next((inv for inv in creditable_invoices(snapshot) if inv.id == target), None)
        if invoice is None:
            raise PreconditionFailed(
                f"{target} is not a paid invoice of this customer with anything left to credit."
            )
        currency = invoice.currency
        credited = amount if amount is not None else chosen_amount(choices, "amount", currency, default=None)
        method = chosen_option(choices, "method", METHODS, "way to give the money back")
        reason = chosen_option(choices, "reason", REASONS, "reason")
        if not 0 < credited <= credit_left(snapshot, invoice):
            limit = format_money(credit_left(snapshot, invoice), currency)
            raise PreconditionFailed(
                f"The credit note must be more than zero and at most {limit} for {invoice_name(invoice)}; "
                "nothing was changed."
            )
        params: dict[str, Any] = {
            "method": method,
            "reason": reason,
            "credited_before": invoice.pre_payment_credit_notes_amount
            + invoice.post_payment_credit_notes_amount,
        }
        where = "to the customer's balance"
        if method == "refund":
            charge = self._refundable(snapshot, invoice, credited)
            params |= {"charge": charge.id, "refunded_before": charge.amount_refunded}
            where = f"refunded to {card_label(charge)}"
        money = format_money(credited, currency)
        of_what = (
            ""
            if credited == invoice.amount_paid
            else f" (of {format_money(invoice.amount_paid, currency)} paid)"
        )
        step = Step(name=STEP, object_id=invoice.id, amount=credited, params=params)
        return Plan(
            kind=self.kind,
            customer_id=snapshot.customer.id,
            steps=[step],
            amount=credited,
            currency=currency,
            impact=Money(amount=credited, currency=currency),
            summary=(
                f"Issue a credit note of {money}{of_what} on invoice {invoice_name(invoice)}, {where}, "
                f"reason: {_reason_words(reason)}?"
            ),
        )

    @staticmethod
    def _refundable(snapshot: CustomerSnapshot, invoice: Invoice, amount: int) -> Charge:
        charge = paying_charge(snapshot, invoice)
        if charge is None:
            raise PreconditionFailed(
                f"{invoice_name(invoice)} was not paid by a charge, so there is no card to refund: credit the "
                "customer's balance instead. Nothing was changed."
            )
        refuse_if_disputed(charge)
        if amount > charge.refundable_amount:
            left = format_money(charge.refundable_amount, charge.currency)
            raise PreconditionFailed(
                f"{charge.id} has only {left} left to refund; credit the balance or a smaller amount. "
                "Nothing was changed."
            )
        return charge

    def preview(self, plan: Plan, gateway: BillingGateway) -> Plan:
        [step] = plan.steps
        draft = _draft(step, metadata={})
        try:
            preview = gateway.preview_credit_note(draft)
        except StripeRefused as refused:
            raise PreconditionFailed(
                f"Stripe would refuse this credit note: {refused.detail}. Nothing was changed."
            ) from None
        if preview.amount != step.amount or preview.post_payment_amount != step.amount:
            raise PreconditionFailed(
                f"Stripe's preview credits {preview.money()} ({format_money(preview.post_payment_amount, preview.currency)} "
                "after payment), not what was asked; nothing was changed."
            )
        shown = f"{plan.summary} Stripe's preview: credit note {preview.money()} on {preview.invoice_id}, all of it after payment."
        return plan.model_copy(update={"summary": shown})

    def recheck_step(self, step: Step, gateway: BillingGateway, pending: PendingAction) -> TargetRead:
        invoice = gateway.get_invoice(step.object_id)
        if invoice.customer_id != pending.customer_id:
            raise PreconditionFailed(f"{invoice.id} no longer belongs to this customer; nothing was changed.")
        if invoice.status != "paid":
            raise PreconditionFailed(f"{invoice.id} is now {invoice.status}; nothing was changed.")
        credited = invoice.pre_payment_credit_notes_amount + invoice.post_payment_credit_notes_amount
        if credited != step.params.get("credited_before", credited):
            raise PreconditionFailed(
                f"{invoice.id} got another credit note since this was planned "
                f"({format_money(credited, invoice.currency)} credited now); nothing was changed. "
                "Look the customer up again if more should be credited."
            )
        if (step.amount or 0) > creditable_amount(invoice):
            raise PreconditionFailed(
                f"{invoice.id} has only {format_money(creditable_amount(invoice), invoice.currency)} left to credit; "
                "nothing was changed."
            )
        if step.params.get("method") != "refund":
            return invoice
        charge = gateway.get_charge(str(step.params["charge"]))
        steps.verify_charge(
            charge,
            customer_id=pending.customer_id,
            amount=step.amount or 0,
            refunded_before=step.params.get("refunded_before"),
        )
        # The charge as it was is what the handoff's "before" needs: the credit note's refund lands on it.
        return charge

    def request_step(self, step: Step, pending: PendingAction, *, first_confirmed_by: str) -> dict[str, Any]:
        metadata = {
            "billing_ops_case": pending.case_id,
            NONCE_METADATA: pending.nonce,
            "requested_by": pending.requested_by,
            "confirmed_by": first_confirmed_by,
        }
        return _draft(step, metadata=metadata).model_dump()

    def send_step(self, step: Step, gateway: BillingGateway, params: dict[str, Any], key: str) -> WriteResult:
        return gateway.create_credit_note(CreditNoteDraft.model_validate(params), idempotency_key=key)

    def find_step_effect(self, step: Step, gateway: BillingGateway, *, nonce: str) -> WriteResult | None:
        notes = gateway.list_credit_notes(step.object_id)
        return next((note for note in notes if note.metadata.get(NONCE_METADATA) == nonce), None)

    def card_outcome(self, outcome: ActionOutcome, ids: IdFormat) -> str:
        note = _note(outcome)
        if note is None:
            return wording.no_change(outcome.kind)
        return f"credit note {ids(note.id)} of {note.money()} on {ids(note.invoice_id)}, {_where(note)}"

    def operator_outcome(self, outcome: ActionOutcome, ids: IdFormat) -> str:
        note = _note(outcome)
        if note is None:
            return wording.recorded(outcome.kind)
        return f"issued credit note {ids(note.id)} of {note.money()}, {_where(note)}"

    def handoff_outcome(self, outcome: ActionOutcome) -> list[str]:
        note = _note(outcome)
        if note is None:
            return []
        line = (
            f"Credit note {note.id}{f' ({note.number})' if note.number else ''} of {note.money()} on invoice "
            f"{note.invoice_id}, reason: {_reason_words(note.reason or '')}"
        )
        lines = [line]
        if note.refunded_amount:
            lines.append(
                f"Refunded {format_money(note.refunded_amount, note.currency)} to the card "
                f"({', '.join(note.refund_ids)})"
            )
        if note.credited_amount:
            balance = (
                f" ({note.customer_balance_transaction_id})" if note.customer_balance_transaction_id else ""
            )
            lines.append(
                f"Credited {format_money(note.credited_amount, note.currency)} to the customer's balance{balance}"
            )
        return lines

    def revenue_effect(self, before: CustomerSnapshot, outcome: ActionOutcome) -> RevenueImpact:
        note = _note(outcome)
        if note is None:
            return RevenueImpact()
        refunded = (
            [Money(amount=note.refunded_amount, currency=note.currency)] if note.refunded_amount else []
        )
        credited = (
            [Money(amount=note.credited_amount, currency=note.currency)] if note.credited_amount else []
        )
        return RevenueImpact(refunded=refunded, credited=credited)

    def follow_up(self, snapshot: CustomerSnapshot, outcome: ActionOutcome) -> str:
        note = _note(outcome)
        if note is None:
            return wording.reported_to_product(snapshot)
        invoice = next((inv for inv in snapshot.records.invoices if inv.id == note.invoice_id), None)
        which = f"invoice {invoice.number}" if invoice and invoice.number else "your invoice"
        text = f"{wording.greeting(snapshot)} I issued a credit note of {note.money()} on {which}."
        if note.refunded_amount:
            text += (
                f" {format_money(note.refunded_amount, note.currency)} goes back to your original payment "
                f"method. {wording.REFUND_ARRIVAL}"
            )
        if note.credited_amount:
            text += (
                f" {format_money(note.credited_amount, note.currency)} is on your account as a credit and comes "
                "off your next invoice automatically."
            )
        return text + " You can find the credit note with the invoice in your billing history."


def _draft(step: Step, *, metadata: dict[str, str]) -> CreditNoteDraft:
    amount = step.amount or 0
    refund = step.params.get("method") == "refund"
    return CreditNoteDraft(
        invoice_id=step.object_id,
        amount=amount,
        refund_amount=amount if refund else 0,
        credit_amount=0 if refund else amount,
        reason=str(step.params.get("reason")),
        metadata=metadata,
    )


def _note(outcome: ActionOutcome) -> CreditNote | None:
    return outcome.result(STEP, CreditNote)


def _where(note: CreditNote) -> str:
    if note.refunded_amount and not note.credited_amount:
        return "refunded to the card"
    if note.credited_amount and not note.refunded_amount:
        return "credited to the customer's balance"
    return (
        f"{format_money(note.refunded_amount, note.currency)} refunded, "
        f"{format_money(note.credited_amount, note.currency)} to the balance"
    )
