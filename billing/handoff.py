"""The handoff: six sections and the revenue impact, as data (messages/handoff.py renders it for Slack)."""

from __future__ import annotations

from datetime import datetime

from pydantic import Field

from billing.actions import ActionOutcome, Case
from billing.ladder import BUCKET_GAPS, ActionKind, live_subscriptions
from billing.models import Model, Subscription
from billing.money import Money, format_money
from billing.snapshot import CustomerSnapshot

SECTION_TITLES = ("CUSTOMER", "BILLING STATE", "DECISION", "ACTION TAKEN", "FOLLOW-UP", "PRODUCT GAP")

WHY: dict[ActionKind, str] = {
    ActionKind.CANCEL_AND_REFUND: (
        "The customer pays twice for one product; cancelling the newer subscription and refunding its charge "
        "leaves exactly the original one, with no service interruption."
    ),
    ActionKind.CANCEL_AT_PERIOD_END: (
        "Cancelling at period end is reversible until the renewal date and the customer keeps what they paid for."
    ),
    ActionKind.REFUND: "The customer paid for something that did not work; a refund of that charge makes it right.",
    ActionKind.RETRY_PAYMENT: "The open invoice can be collected now, which reactivates the subscription.",
    ActionKind.PORTAL_LINK: "The customer can fix this themselves in the billing portal; nothing changes without them.",
    ActionKind.EXPLAIN_BILLING: "Billing is working as designed; the customer needs the billing model explained.",
    ActionKind.KEEP_BOTH: "Both subscriptions are intended, so nothing should change.",
    ActionKind.NO_ACTION: "No billing change is warranted; the issue is recorded for the product team.",
}

REFUND_ARRIVAL = "Refunds usually appear on the statement within 5-10 business days."


class RevenueImpact(Model):
    """Per currency, never summed across currencies. mrr_change is negative for lost revenue."""

    refunded: list[Money] = Field(default_factory=list)
    mrr_change: list[Money] = Field(default_factory=list)
    mrr_change_from: datetime | None = None  # set when the change only starts at period end


class HandoffSection(Model):
    title: str
    lines: list[str]


class Handoff(Model):
    case_id: str
    customer_id: str
    sections: list[HandoffSection]
    revenue: RevenueImpact

    def section(self, title: str) -> HandoffSection:
        return next(section for section in self.sections if section.title == title)


def build_handoff(
    snapshot: CustomerSnapshot, case: Case, outcome: ActionOutcome, *, gaps: list[str]
) -> Handoff:
    """`snapshot` is the state before the action; `outcome` is what Stripe returned."""
    return Handoff(
        case_id=case.id,
        customer_id=snapshot.customer.id,
        sections=[
            HandoffSection(title="CUSTOMER", lines=customer_lines(snapshot)),
            HandoffSection(title="BILLING STATE", lines=billing_state_lines(snapshot)),
            HandoffSection(title="DECISION", lines=decision_lines(case, outcome)),
            HandoffSection(title="ACTION TAKEN", lines=action_lines(outcome)),
            HandoffSection(title="FOLLOW-UP", lines=[follow_up_text(snapshot, outcome)]),
            HandoffSection(title="PRODUCT GAP", lines=gap_lines(case, gaps)),
        ],
        revenue=revenue_impact(snapshot, outcome),
    )


def customer_lines(snapshot: CustomerSnapshot) -> list[str]:
    customer = snapshot.customer
    who = " / ".join(part for part in (customer.name, customer.email) if part) or customer.id
    ids = [customer.id] + [sub.id for sub in live_subscriptions(snapshot)]
    return [who, "Stripe IDs: " + ", ".join(ids)]


def subscription_line(sub: Subscription) -> str:
    items = ", ".join(
        f"{item.price.label()} × {item.quantity}" if item.quantity != 1 else item.price.label()
        for item in sub.items
    )
    mrr = sub.monthly_recurring_revenue().format()
    ends = sub.current_period_end
    if sub.cancel_at_period_end and ends:
        when = f"cancels {ends:%Y-%m-%d}"
    elif ends:
        when = f"renews {ends:%Y-%m-%d}"
    else:
        when = "no renewal date"
    return f"{sub.id}: {items}, {sub.status}, {mrr}/mo MRR, {when}"


def billing_state_lines(snapshot: CustomerSnapshot) -> list[str]:
    lines = [subscription_line(sub) for sub in live_subscriptions(snapshot)] or ["No active subscriptions"]
    for invoice in snapshot.records.invoices:
        if invoice.status == "open":
            due = format_money(invoice.amount_remaining, invoice.currency)
            lines.append(f"Invoice {invoice.id} open: {due} due after {invoice.attempt_count} attempt(s)")
    lines.extend(f"Anomaly: {anomaly.summary}" for anomaly in snapshot.anomalies)
    return lines


def decision_lines(case: Case, outcome: ActionOutcome) -> list[str]:
    bucket = case.bucket.label if case.bucket else "Unclassified"
    suggested = case.suggested_bucket.label if case.suggested_bucket else "none"
    by = f" by <@{case.bucket_by}>" if case.bucket_by else ""
    return [f"{bucket}{by} (bot suggested: {suggested})", WHY[outcome.kind]]


def action_lines(outcome: ActionOutcome) -> list[str]:
    lines: list[str] = []
    if outcome.subscription is not None:
        sub = outcome.subscription
        if sub.cancel_at_period_end and sub.current_period_end:
            lines.append(f"Set {sub.id} to cancel at period end ({sub.current_period_end:%Y-%m-%d})")
        else:
            lines.append(f"Cancelled {sub.id} now (status {sub.status})")
    if outcome.refund is not None:
        refund = outcome.refund
        lines.append(
            f"Refunded {refund.money()} of {refund.charge_id} ({refund.id}, {refund.status or 'pending'})"
        )
    if outcome.invoice is not None:
        invoice = outcome.invoice
        lines.append(f"Retried payment of {invoice.id}: {invoice.status}, {invoice.total()} paid")
    if outcome.portal is not None:
        lines.append(
            f"Billing-portal session {outcome.portal.id} created; the link went to the operator privately and "
            "is short-lived, so send it right away (create a new one if it expires)"
        )
    if not lines:
        lines.append(f"No change in Stripe ({outcome.kind.value.replace('_', ' ')})")
    who = f"Confirmed by <@{outcome.actor}>"
    if outcome.requested_by and outcome.requested_by != outcome.actor:
        who += f", requested by <@{outcome.requested_by}>"
    return [*lines, who]


def gap_lines(case: Case, gaps: list[str]) -> list[str]:
    lines = list(dict.fromkeys(gaps))
    if case.bucket is not None and BUCKET_GAPS[case.bucket] not in lines:
        lines.append(BUCKET_GAPS[case.bucket])
    return lines or ["None identified"]


def revenue_impact(snapshot: CustomerSnapshot, outcome: ActionOutcome) -> RevenueImpact:
    refunded = [outcome.refund.money()] if outcome.refund else []
    if outcome.subscription is None:
        return RevenueImpact(refunded=refunded)
    before = next(
        (sub for sub in snapshot.records.subscriptions if sub.id == outcome.subscription.id),
        outcome.subscription,
    )
    lost = -before.monthly_recurring_revenue()
    starts = outcome.subscription.current_period_end if outcome.subscription.cancel_at_period_end else None
    return RevenueImpact(refunded=refunded, mrr_change=[lost], mrr_change_from=starts)


# --- the customer message ------------------------------------------------------------------------


def long_date(moment: datetime) -> str:
    return f"{moment:%B} {moment.day}, {moment.year}"


def greeting(snapshot: CustomerSnapshot) -> str:
    name = snapshot.customer.name
    return f"Hi {name.split()[0]}," if name else "Hi,"


def product_name(sub: Subscription | None) -> str:
    if sub is None or not sub.items:
        return "your subscription"
    price = sub.items[0].price
    return price.product_name or price.nickname or "your subscription"


def follow_up_text(snapshot: CustomerSnapshot, outcome: ActionOutcome) -> str:
    hi = greeting(snapshot)
    live = live_subscriptions(snapshot)
    kind = outcome.kind
    if kind is ActionKind.CANCEL_AND_REFUND and outcome.subscription is not None:
        kept = [sub for sub in live if sub.id != outcome.subscription.id]
        renewal = kept[0].current_period_end if kept else None
        text = f"{hi} you were subscribed twice to {product_name(outcome.subscription)}. I cancelled the newer one"
        if outcome.refund is not None:
            text += f" and refunded its {outcome.refund.money()}. {REFUND_ARRIVAL}"
        else:
            text += "."
        if renewal:
            text += f" Your original subscription continues unchanged and renews on {long_date(renewal)}."
        return text
    if kind is ActionKind.CANCEL_AT_PERIOD_END and outcome.subscription is not None:
        ends = outcome.subscription.current_period_end
        on = f"on {long_date(ends)}" if ends else "at the end of the current period"
        return (
            f"{hi} your {product_name(outcome.subscription)} subscription will end {on}. You keep full access "
            "until then and will not be charged again. If you change your mind before that date, just reply."
        )
    if kind is ActionKind.REFUND and outcome.refund is not None:
        return (
            f"{hi} sorry for the trouble. I refunded {outcome.refund.money()} to your original payment method. "
            f"{REFUND_ARRIVAL}"
        )
    if kind is ActionKind.RETRY_PAYMENT and outcome.invoice is not None:
        status = "went through" if outcome.invoice.status == "paid" else f"is {outcome.invoice.status}"
        return (
            f"{hi} we retried your payment of {outcome.invoice.total()} and it {status}, so your subscription "
            "is active again. Thanks for your patience!"
        )
    if kind is ActionKind.PORTAL_LINK:
        return (
            f"{hi} here is a secure link to manage your billing (payment method, invoices, plan): <link>. "
            "It expires shortly, so please open it soon; reply if it has expired and I will send a new one."
        )
    if kind is ActionKind.EXPLAIN_BILLING:
        return f"{hi} {seat_explanation(live)}"
    if kind is ActionKind.KEEP_BOTH:
        ids = ", ".join(sub.id for sub in live)
        return (
            f"{hi} I checked your subscriptions ({ids}). Both stay active and nothing was changed; if you only "
            "need one of them, reply and I will cancel the other."
        )
    return (
        f"{hi} thanks for reporting this; I passed it on to our product team. Your billing stays as it is, "
        "and we will let you know when it is fixed."
    )


def seat_explanation(live: list[Subscription]) -> str:
    sentences = []
    for sub in live:
        for item in sub.items:
            unit = format_money(item.price.unit_amount or 0, item.price.currency)
            every = item.price.interval or "period"
            sentences.append(
                f"{product_name(sub)} is billed per seat: {item.quantity} seat(s) × {unit} = "
                f"{item.period_amount()} per {every}."
            )
    sentences.append("Adding or removing seats changes the next invoice, prorated to the day.")
    return " ".join(sentences)
