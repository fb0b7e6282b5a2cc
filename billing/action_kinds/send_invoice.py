"""Have Stripe email an open invoice again (invoices.send_invoice), where the customer pays by invoice
(collection_method send_invoice) and cannot find the email. Changes Stripe (an email goes out), so it has a
Confirm; nothing is charged."""

from __future__ import annotations

from typing import Any

from billing.action_kinds import wording
from billing.action_kinds.base import IdFormat, register
from billing.action_kinds.one_step import OneStepAction
from billing.action_models import (
    ActionKind,
    ActionOutcome,
    Choices,
    Interaction,
    PendingAction,
    Plan,
    RevenueImpact,
    Step,
    TargetRead,
)
from billing.errors import PreconditionFailed
from billing.models import Bucket, Invoice, WriteResult
from billing.money import format_money
from billing.ports import BillingGateway
from billing.snapshot import CustomerSnapshot

STEP = "send"
SENT_BY_EMAIL = "send_invoice"


def emailed_open_invoice(snapshot: CustomerSnapshot) -> Invoice | None:
    candidates = [
        invoice
        for invoice in snapshot.records.invoices
        if invoice.status == "open"
        and invoice.amount_remaining
        and invoice.collection_method == SENT_BY_EMAIL
    ]
    return max(candidates, key=lambda invoice: invoice.created, default=None)


def _name(invoice: Invoice) -> str:
    return f"{invoice.id} ({invoice.number})" if invoice.number else invoice.id


def verify(invoice: Invoice, *, customer_id: str) -> None:
    if invoice.customer_id != customer_id:
        raise PreconditionFailed(f"{invoice.id} is not an invoice of this customer; nothing was sent.")
    if invoice.status != "open":
        raise PreconditionFailed(f"{invoice.id} is now {invoice.status}; nothing was sent.")
    if invoice.collection_method != SENT_BY_EMAIL:
        raise PreconditionFailed(
            f"{invoice.id} is charged automatically, not sent by email; nothing was sent."
        )


@register
class SendInvoice(OneStepAction):
    kind = ActionKind.SEND_INVOICE
    label = "Email the invoice again"
    button_id = "billing.send_invoice"
    changes_mrr = False
    offered_in = {Bucket.FAILED_PAYMENT: 3}
    interaction = Interaction.CONFIRM
    why = (
        "The customer pays by invoice and cannot find it; Stripe emails the open invoice again with its payment "
        "link, and nothing is charged."
    )
    product_gap = None
    step = STEP

    def target(self, bucket: Bucket, snapshot: CustomerSnapshot) -> str | None:
        invoice = emailed_open_invoice(snapshot)
        return invoice.id if invoice else None

    def plan(
        self,
        target: str,
        snapshot: CustomerSnapshot,
        *,
        amount: int | None = None,
        choices: Choices | None = None,
    ) -> Plan:
        invoice = next((inv for inv in snapshot.records.invoices if inv.id == target), None)
        if invoice is None:
            raise PreconditionFailed(f"{target} is not an invoice of this customer.")
        verify(invoice, customer_id=snapshot.customer.id)
        to = snapshot.customer.email or "the customer's billing email"
        due = format_money(invoice.amount_remaining, invoice.currency)
        return Plan(
            kind=self.kind,
            customer_id=snapshot.customer.id,
            steps=[Step(name=STEP, object_id=invoice.id)],
            summary=f"Have Stripe email invoice {_name(invoice)} ({due} due) to {to} again? Nothing is charged.",
        )

    def recheck_step(self, step: Step, gateway: BillingGateway, pending: PendingAction) -> TargetRead:
        invoice = gateway.get_invoice(step.object_id)
        verify(invoice, customer_id=pending.customer_id)
        return invoice

    def request_step(self, step: Step, pending: PendingAction, *, first_confirmed_by: str) -> dict[str, Any]:
        return {"invoice": step.object_id}

    def send_step(self, step: Step, gateway: BillingGateway, params: dict[str, Any], key: str) -> WriteResult:
        return gateway.send_invoice(params["invoice"], idempotency_key=key)

    def find_step_effect(self, step: Step, gateway: BillingGateway, *, nonce: str) -> WriteResult | None:
        """Stripe keeps no "sent" mark on the invoice: an unknown outcome is resent with the same idempotency
        key, which Stripe replays instead of emailing twice."""
        return None

    @staticmethod
    def _sent(outcome: ActionOutcome) -> Invoice | None:
        return outcome.result(STEP, Invoice)

    def card_outcome(self, outcome: ActionOutcome, ids: IdFormat) -> str:
        invoice = self._sent(outcome)
        return (
            f"Stripe emailed invoice {ids(invoice.id)} again" if invoice else wording.no_change(outcome.kind)
        )

    def operator_outcome(self, outcome: ActionOutcome, ids: IdFormat) -> str:
        return self.card_outcome(outcome, ids)

    def handoff_outcome(self, outcome: ActionOutcome) -> list[str]:
        invoice = self._sent(outcome)
        if invoice is None:
            return []
        due = format_money(invoice.amount_remaining, invoice.currency)
        return [
            f"Stripe emailed invoice {_name(invoice)} ({due} due) to the customer again; nothing was charged"
        ]

    def revenue_effect(self, before: CustomerSnapshot, outcome: ActionOutcome) -> RevenueImpact:
        return RevenueImpact()

    def follow_up(self, snapshot: CustomerSnapshot, outcome: ActionOutcome) -> str:
        invoice = self._sent(outcome)
        if invoice is None:
            return wording.reported_to_product(snapshot)
        to = f" to {snapshot.customer.email}" if snapshot.customer.email else ""
        return (
            f"{wording.greeting(snapshot)} I have just re-sent invoice {invoice.number or invoice.id} "
            f"({format_money(invoice.amount_remaining, invoice.currency)}){to}; you can pay it from the link in "
            "that email. Please check your spam folder if it does not arrive in a few minutes."
        )
