"""Failed payment: charge the open invoice again now, which reactivates the subscription."""

from __future__ import annotations

from typing import Any

from billing.action_kinds import steps, wording
from billing.action_kinds.base import IdFormat, register
from billing.action_kinds.one_step import OneStepAction
from billing.action_kinds.pickers import invoice_field
from billing.action_kinds.targets import open_invoice, open_invoices
from billing.action_models import (
    ActionKind,
    ActionOutcome,
    Choices,
    Form,
    Interaction,
    PendingAction,
    Plan,
    RevenueImpact,
    Step,
    TargetRead,
)
from billing.errors import PreconditionFailed
from billing.models import Bucket, WriteResult
from billing.money import format_money
from billing.ports import BillingGateway
from billing.snapshot import CustomerSnapshot


@register
class RetryPayment(OneStepAction):
    kind = ActionKind.RETRY_PAYMENT
    label = "Retry payment"
    button_id = "billing.retry_payment"
    changes_mrr = False
    offered_in = {Bucket.FAILED_PAYMENT: 4}
    interaction = Interaction.CONFIRM
    why = "The open invoice can be collected now, which reactivates the subscription."
    product_gap = None
    step = "pay"

    def target(self, bucket: Bucket, snapshot: CustomerSnapshot) -> str | None:
        invoice = open_invoice(snapshot)
        return invoice.id if invoice else None

    def form(self, target: str, snapshot: CustomerSnapshot) -> Form | None:
        invoices = open_invoices(snapshot)
        if len(invoices) < 2:
            return None
        return Form(
            title="Retry payment",
            submit="Review",
            intro=(
                "The customer has several open invoices. Choose the one to charge again now, to the default "
                "payment method. You confirm on the card next; nothing is charged yet."
            ),
            fields=[invoice_field(invoices, initial=target)],
        )

    def plan(
        self,
        target: str,
        snapshot: CustomerSnapshot,
        *,
        amount: int | None = None,
        choices: Choices | None = None,
    ) -> Plan:
        invoice = next((inv for inv in snapshot.records.invoices if inv.id == target), None)
        if invoice is None or invoice.status != "open":
            raise PreconditionFailed(f"{target} is not an open invoice of this customer.")
        card = snapshot.customer.default_payment_method
        method = card.short_label() if card else "the default payment method"
        money = format_money(invoice.amount_remaining, invoice.currency)
        return Plan(
            kind=self.kind,
            customer_id=snapshot.customer.id,
            steps=[Step(name="pay", object_id=invoice.id, amount=invoice.amount_remaining)],
            amount=invoice.amount_remaining,
            currency=invoice.currency,
            summary=f"Charge {money} for invoice {invoice.id} to {method} now?",
        )

    def recheck_step(self, step: Step, gateway: BillingGateway, pending: PendingAction) -> TargetRead:
        return steps.recheck_pay(step, gateway, pending)

    def request_step(self, step: Step, pending: PendingAction, *, first_confirmed_by: str) -> dict[str, Any]:
        return steps.pay_request(step)

    def send_step(self, step: Step, gateway: BillingGateway, params: dict[str, Any], key: str) -> WriteResult:
        return steps.send_pay(gateway, params, key)

    def find_step_effect(self, step: Step, gateway: BillingGateway, *, nonce: str) -> WriteResult | None:
        return steps.find_pay(step, gateway)

    def card_outcome(self, outcome: ActionOutcome, ids: IdFormat) -> str:
        invoice = outcome.invoice
        return f"retried {ids(invoice.id)}: {invoice.status}" if invoice else wording.no_change(outcome.kind)

    def operator_outcome(self, outcome: ActionOutcome, ids: IdFormat) -> str:
        invoice = outcome.invoice
        if invoice is None:
            return wording.recorded(outcome.kind)
        return f"retried payment of {ids(invoice.id)} ({invoice.status})"

    def handoff_outcome(self, outcome: ActionOutcome) -> list[str]:
        invoice = outcome.invoice
        if invoice is None:
            return []
        return [f"Retried payment of {invoice.id}: {invoice.status}, {invoice.total()} paid"]

    def revenue_effect(self, before: CustomerSnapshot, outcome: ActionOutcome) -> RevenueImpact:
        return RevenueImpact()

    def follow_up(self, snapshot: CustomerSnapshot, outcome: ActionOutcome) -> str:
        invoice = outcome.invoice
        if invoice is None:
            return wording.reported_to_product(snapshot)
        status = "went through" if invoice.status == "paid" else f"is {invoice.status}"
        return (
            f"{wording.greeting(snapshot)} we retried your payment of {invoice.total()} and it {status}, so your "
            "subscription is active again. Thanks for your patience!"
        )
