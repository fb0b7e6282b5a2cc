"""Add account credit: goodwill that stays in the business. A customer balance transaction of -amount;
Stripe applies the balance to the customer's next invoices before charging their card."""

from __future__ import annotations

from typing import Any

from billing.action_kinds import wording
from billing.action_kinds.base import IdFormat, register
from billing.action_kinds.one_step import OneStepAction
from billing.action_kinds.targets import live_subscriptions
from billing.action_kinds.toolbox import chosen
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
from billing.errors import PreconditionFailed
from billing.models import BalanceTransaction, Bucket, WriteResult
from billing.money import Money, format_money, parse_major
from billing.ports import BillingGateway
from billing.reconcile import NONCE_METADATA
from billing.snapshot import CustomerSnapshot

DESCRIPTION_LIMIT = 350  # Stripe's limit on a balance transaction's description


def credit_currency(snapshot: CustomerSnapshot) -> str | None:
    """A balance has one currency: the customer's, or (never billed yet) their live subscription's."""
    if snapshot.customer.currency:
        return snapshot.customer.currency
    live = live_subscriptions(snapshot)
    return live[0].currency if live else None


def balance_text(balance: int, currency: str) -> str:
    if balance < 0:
        return f"{format_money(-balance, currency)} credit"
    if balance > 0:
        return f"{format_money(balance, currency)} owed"
    return "zero"


@register
class AccountCredit(OneStepAction):
    kind = ActionKind.ACCOUNT_CREDIT
    label = "Add account credit…"
    button_id = "billing.account_credit"
    changes_mrr = False
    offered_in = {Bucket.TEAM: 7, Bucket.PRODUCT_FAILURE: 3}
    interaction = Interaction.CONFIRM
    why = (
        "Credit on the account makes up for the trouble on the customer's next invoices, without sending "
        "money back to the card."
    )
    product_gap = None
    step = "credit"

    def target(self, bucket: Bucket, snapshot: CustomerSnapshot) -> str | None:
        return snapshot.customer.id if credit_currency(snapshot) else None

    def form(self, target: str, snapshot: CustomerSnapshot) -> Form | None:
        currency = credit_currency(snapshot) or "usd"
        return Form(
            title="Add account credit",
            submit="Review credit",
            intro=(
                f"Stripe takes the credit off the customer's next invoices before charging their card (balance "
                f"now: {balance_text(snapshot.customer.balance, currency)}). You confirm on the card next; "
                "nothing moves yet."
            ),
            fields=[
                FormField(name="amount", label="Credit", kind=FieldKind.AMOUNT, currency=currency),
                FormField(
                    name="reason",
                    label="Reason (kept on the balance transaction)",
                    kind=FieldKind.TEXT,
                    optional=True,
                    hint="e.g. Export broken for a week",
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
        customer = snapshot.customer
        currency = credit_currency(snapshot)
        if target != customer.id or currency is None:
            raise PreconditionFailed(f"{target} is not a customer the bot can credit; nothing was changed.")
        credit = amount if amount is not None else _amount(chosen(choices, "amount", "an amount"), currency)
        if credit <= 0:
            raise PreconditionFailed("The credit must be more than zero; nothing was changed.")
        reason = (choices or {}).get("reason", "").strip()[:DESCRIPTION_LIMIT] or "Goodwill credit"
        after = customer.balance - credit
        money = format_money(credit, currency)
        return Plan(
            kind=self.kind,
            customer_id=customer.id,
            steps=[
                Step(
                    name=self.step,
                    object_id=customer.id,
                    amount=credit,
                    params={"currency": currency, "balance_before": customer.balance, "description": reason},
                )
            ],
            amount=credit,
            currency=currency,
            summary=(
                f"Add {money} of account credit to {customer.id} ({reason})? Balance "
                f"{balance_text(customer.balance, currency)} → {balance_text(after, currency)}: Stripe applies "
                "it to the next invoices before charging the card; nothing is refunded to the card."
            ),
            impact=Money(amount=credit, currency=currency),
        )

    def recheck_step(self, step: Step, gateway: BillingGateway, pending: PendingAction) -> TargetRead:
        customer = gateway.get_customer(step.object_id)
        currency = step.params["currency"]
        if customer.id != pending.customer_id:
            raise PreconditionFailed(f"{customer.id} is not this case's customer; nothing was changed.")
        if customer.currency not in (None, currency):
            raise PreconditionFailed(
                f"{customer.id} is now billed in {customer.currency.upper()}, not {currency.upper()}; "
                "nothing was changed."
            )
        # Like a refund planned before another landed: a balance that moved since must be looked at again.
        if customer.balance != step.params["balance_before"]:
            raise PreconditionFailed(
                f"The balance of {customer.id} changed since this was planned (now "
                f"{balance_text(customer.balance, currency)}); nothing was changed. Look the customer up again."
            )
        return customer

    def request_step(self, step: Step, pending: PendingAction, *, first_confirmed_by: str) -> dict[str, Any]:
        return {
            "customer": step.object_id,
            "amount": step.amount or 0,
            "currency": step.params["currency"],
            "description": step.params["description"],
            "metadata": {
                "billing_ops_case": pending.case_id,
                NONCE_METADATA: pending.nonce,
                "requested_by": pending.requested_by,
                "confirmed_by": first_confirmed_by,
            },
        }

    def send_step(self, step: Step, gateway: BillingGateway, params: dict[str, Any], key: str) -> WriteResult:
        return gateway.add_customer_credit(
            params["customer"],
            amount=params["amount"],
            currency=params["currency"],
            description=params["description"],
            metadata=params["metadata"],
            idempotency_key=key,
        )

    def find_step_effect(self, step: Step, gateway: BillingGateway, *, nonce: str) -> WriteResult | None:
        transactions = gateway.list_balance_transactions(step.object_id)
        return next((t for t in transactions if t.metadata.get(NONCE_METADATA) == nonce), None)

    def card_outcome(self, outcome: ActionOutcome, ids: IdFormat) -> str:
        credit = self._credit(outcome)
        if credit is None:
            return wording.no_change(outcome.kind)
        return f"added {credit.credit()} of account credit ({ids(credit.id)})"

    def operator_outcome(self, outcome: ActionOutcome, ids: IdFormat) -> str:
        return self.card_outcome(outcome, ids)

    def handoff_outcome(self, outcome: ActionOutcome) -> list[str]:
        credit = self._credit(outcome)
        if credit is None:
            return []
        return [
            f"Added {credit.credit()} of account credit to {credit.customer_id} ({credit.id}); balance now "
            f"{balance_text(credit.ending_balance, credit.currency)}"
        ]

    def revenue_effect(self, before: CustomerSnapshot, outcome: ActionOutcome) -> RevenueImpact:
        credit = self._credit(outcome)
        return RevenueImpact(credited=[credit.credit()] if credit else [])

    def follow_up(self, snapshot: CustomerSnapshot, outcome: ActionOutcome) -> str:
        credit = self._credit(outcome)
        if credit is None:
            return wording.reported_to_product(snapshot)
        return (
            f"{wording.greeting(snapshot)} sorry for the trouble. I added {credit.credit()} of credit to your "
            "account; it is taken off your next invoice(s) automatically, before anything is charged to your card."
        )

    def _credit(self, outcome: ActionOutcome) -> BalanceTransaction | None:
        return outcome.result(self.step, BalanceTransaction)


def _amount(raw: str, currency: str) -> int:
    try:
        return parse_major(raw, currency)
    except (ValueError, ArithmeticError):
        raise PreconditionFailed(
            f"{raw!r} is not an amount in {currency.upper()}; nothing was changed."
        ) from None
