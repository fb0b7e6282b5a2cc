"""Cancel now with a prorated refund: the subscription ends today and the customer gets back the unused part
of what they paid for the current period (unused seconds / period length x the amount paid)."""

from __future__ import annotations

from datetime import datetime, timedelta
from fractions import Fraction
from typing import Any

from billing.action_kinds import steps, wording
from billing.action_kinds.base import ActionDefinition, IdFormat, register
from billing.action_kinds.choosing import choice, day_text
from billing.action_kinds.pickers import target_field
from billing.action_kinds.targets import card_label, live_subscriptions
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
from billing.models import Bucket, Charge, Invoice, Model, Subscription, WriteResult
from billing.money import Money, format_money
from billing.ports import BillingGateway
from billing.snapshot import CustomerSnapshot

# Stripe dates a period's invoice at the period's start; a little slack for an invoice finalized just before.
INVOICE_SLACK = timedelta(hours=1)
PRORATION_METADATA = "billing_ops_proration"


class Proration(Model):
    """What the current period cost and how much of it is still unused, at one moment."""

    subscription: Subscription
    invoice: Invoice
    charge: Charge
    start: datetime
    end: datetime
    at: datetime

    @property
    def period_seconds(self) -> int:
        return int((self.end - self.start).total_seconds())

    @property
    def unused_seconds(self) -> int:
        return max(0, min(self.period_seconds, int((self.end - self.at).total_seconds())))

    @property
    def refund(self) -> int:
        """Half up to the minor unit, and never more than is left to refund on the charge."""
        exact = Fraction(self.invoice.amount_paid * self.unused_seconds, self.period_seconds)
        return min(int(exact + Fraction(1, 2)), self.charge.refundable_amount)

    def days(self) -> str:
        return f"{days_text(self.unused_seconds)} of {days_text(self.period_seconds)} days"

    def explanation(self) -> str:
        paid = format_money(self.invoice.amount_paid, self.invoice.currency)
        return (
            f"{self.days()} unused of the {paid} paid ({self.invoice.id}, "
            f"{day_text(self.start)} to {day_text(self.end)})"
        )


def days_text(seconds: int) -> str:
    days = Fraction(seconds, 86400)
    return str(int(days)) if days.denominator == 1 else f"{float(days):.1f}"


def proration(snapshot: CustomerSnapshot, sub: Subscription) -> Proration | None:
    """The current period's paid invoice and charge, or None when nothing paid covers this period."""
    if not sub.items or len({(i.current_period_start, i.current_period_end) for i in sub.items}) != 1:
        return None
    start, end = sub.items[0].current_period_start, sub.items[0].current_period_end
    if end <= start:
        return None
    paid = [
        invoice
        for invoice in snapshot.records.invoices
        if invoice.subscription_id == sub.id
        and invoice.status == "paid"
        and invoice.amount_paid > 0
        and start - INVOICE_SLACK <= invoice.created < end
    ]
    for invoice in sorted(paid, key=lambda inv: inv.created, reverse=True):
        for charge in snapshot.records.charges:
            if (
                charge.payment_intent_id in invoice.payment_intent_ids
                and charge.refundable_amount > 0
                and not charge.disputed
            ):
                return Proration(
                    subscription=sub,
                    invoice=invoice,
                    charge=charge,
                    start=start,
                    end=end,
                    at=snapshot.taken_at,
                )
    return None


def candidates(snapshot: CustomerSnapshot) -> list[Proration]:
    """Live subscriptions whose current period was paid by a refundable charge, newest first."""
    found = [p for sub in live_subscriptions(snapshot) if (p := proration(snapshot, sub)) is not None]
    return sorted(found, key=lambda p: p.subscription.created, reverse=True)


@register
class CancelProrated(ActionDefinition):
    kind = ActionKind.CANCEL_PRORATED
    label = "Cancel now + refund unused time"
    button_id = "billing.cancel_prorated"
    changes_mrr = True
    # After the reversible choices (portal, cancel at period end, a plain refund): it ends the service today.
    offered_in = {Bucket.MISSING_SELF_SERVE: 9, Bucket.PRODUCT_FAILURE: 7}
    interaction = Interaction.CONFIRM
    why = (
        "The customer wants out now and should not pay for time they will not use; cancelling today and "
        "refunding the unused part of the period they paid for is fair to the day."
    )
    product_gap = None
    step_names = ("cancel", "refund")

    def target(self, bucket: Bucket, snapshot: CustomerSnapshot) -> str | None:
        found = candidates(snapshot)
        return found[0].subscription.id if found else None

    def form(self, target: str, snapshot: CustomerSnapshot) -> Form | None:
        found = candidates(snapshot)
        if len(found) < 2:
            return None
        return Form(
            title="Cancel + prorated refund",
            submit="Continue",
            intro="The customer has several live subscriptions: choose the one to cancel today.",
            fields=[
                target_field(
                    "Subscription",
                    [choice(p.subscription.id, _label(p)) for p in found[:100]],
                    initial=target if any(p.subscription.id == target for p in found) else None,
                )
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
        prorated = next((p for p in candidates(snapshot) if p.subscription.id == target), None)
        if prorated is None:
            raise PreconditionFailed(
                f"{target} is not a live subscription of this customer with a paid current period; "
                "nothing was changed."
            )
        sub, charge = prorated.subscription, prorated.charge
        cancel = Step(
            name="cancel", object_id=sub.id, params={"period_start": int(prorated.start.timestamp())}
        )
        refund = prorated.refund
        lost = sub.yearly_contract_value()
        if refund == 0:
            return Plan(
                kind=self.kind,
                customer_id=snapshot.customer.id,
                steps=[cancel],
                impact=lost,
                summary=f"Cancel {sub.id} ({wording.product_name(sub)}) now? Nothing of the period is unused.",
            )
        refund_step = Step(
            name="refund",
            object_id=charge.id,
            amount=refund,
            refunded_before=charge.amount_refunded,
            params={"explanation": prorated.explanation()},
        )
        money = format_money(refund, charge.currency)
        impact = (
            lost + Money(amount=refund, currency=charge.currency)
            if lost.currency == charge.currency
            else lost
        )
        return Plan(
            kind=self.kind,
            customer_id=snapshot.customer.id,
            steps=[cancel, refund_step],
            amount=refund,
            currency=charge.currency,
            impact=impact,
            summary=(
                f"Cancel {sub.id} ({wording.product_name(sub)}) now and refund {money} of {charge.id} to "
                f"{card_label(charge)}: {prorated.explanation()}?"
            ),
        )

    def recheck(self, step: Step, gateway: BillingGateway, pending: PendingAction) -> TargetRead:
        if step.name == "cancel":
            sub = steps.recheck_cancel(step, gateway, pending)
            started = step.params.get("period_start")
            if (
                started is not None
                and sub.items
                and int(sub.items[0].current_period_start.timestamp()) != started
            ):
                raise PreconditionFailed(
                    f"{sub.id} renewed since this was planned, so the refund no longer matches the period; "
                    "nothing was changed. Choose the action again."
                )
            return sub
        if step.name == "refund":
            return steps.recheck_refund(step, gateway, pending)
        raise steps.unknown_step(step)

    def request(self, step: Step, pending: PendingAction, *, first_confirmed_by: str) -> dict[str, Any]:
        if step.name == "cancel":
            return steps.cancel_request(step, pending)
        if step.name == "refund":
            params = steps.refund_request(
                step, pending, first_confirmed_by=first_confirmed_by, reason="requested_by_customer"
            )
            params["metadata"][PRORATION_METADATA] = str(step.params.get("explanation", ""))[:500]
            return params
        raise steps.unknown_step(step)

    def send(self, step: Step, gateway: BillingGateway, params: dict[str, Any], key: str) -> WriteResult:
        return steps.send_cancel_or_refund(step, gateway, params, key)

    def find_effect(self, step: Step, gateway: BillingGateway, *, nonce: str) -> WriteResult | None:
        return steps.find_cancel_or_refund(step, gateway, nonce=nonce)

    def card_outcome(self, outcome: ActionOutcome, ids: IdFormat) -> str:
        return wording.cancel_and_refund_outcome(outcome, ids, refund_note=" (unused time)")

    def operator_outcome(self, outcome: ActionOutcome, ids: IdFormat) -> str:
        return wording.told_cancel_and_refund(outcome, ids)

    def handoff_outcome(self, outcome: ActionOutcome) -> list[str]:
        lines = []
        if outcome.subscription is not None:
            lines.append(wording.cancel_line(outcome.subscription))
        if outcome.refund is not None:
            lines.append(wording.refund_line(outcome.refund))
            if explanation := outcome.refund.metadata.get(PRORATION_METADATA):
                lines.append(f"Prorated: {explanation}")
        return lines

    def revenue_effect(self, before: CustomerSnapshot, outcome: ActionOutcome) -> RevenueImpact:
        if outcome.subscription is None:
            return wording.refunded(outcome.refund)
        return wording.subscription_lost(before, outcome.subscription, outcome.refund)

    def follow_up(self, snapshot: CustomerSnapshot, outcome: ActionOutcome) -> str:
        cancelled = outcome.subscription
        if cancelled is None:
            return wording.reported_to_product(snapshot)
        text = f"{wording.greeting(snapshot)} I cancelled your {wording.product_name(cancelled)} subscription today"
        if outcome.refund is None:
            return text + "; nothing more will be charged."
        return (
            f"{text} and refunded {outcome.refund.money()} for the unused part of the period you had paid for; "
            f"nothing more will be charged. {wording.REFUND_ARRIVAL}"
        )


def _label(prorated: Proration) -> str:
    sub = prorated.subscription
    back = format_money(prorated.refund, prorated.charge.currency)
    return f"{wording.product_name(sub)} · {sub.period_amount()} · {back} back · {sub.id}"
