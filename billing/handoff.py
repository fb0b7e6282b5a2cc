"""The handoff: six sections and the revenue impact, as data (messages/handoff.py renders it for Slack)."""

from __future__ import annotations

from billing.action_kinds import definition
from billing.action_kinds.targets import live_subscriptions
from billing.action_kinds.wording import no_change
from billing.action_models import ActionOutcome, Case, RevenueImpact, UnfinishedStep
from billing.models import Model, Subscription
from billing.money import format_money
from billing.snapshot import CustomerSnapshot

SECTION_TITLES = ("CUSTOMER", "BILLING STATE", "DECISION", "ACTION TAKEN", "FOLLOW-UP", "PRODUCT GAP")


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
            HandoffSection(title="PRODUCT GAP", lines=gap_lines(case, outcome, gaps)),
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
    return [f"{bucket}{by} (bot suggested: {suggested})", definition(outcome.kind).why]


def action_lines(outcome: ActionOutcome) -> list[str]:
    described = definition(outcome.kind).handoff_outcome(outcome)
    if not described:
        text = no_change(outcome.kind)
        described = [text[0].upper() + text[1:]]
    who = f"Confirmed by <@{outcome.actor}>"
    if outcome.requested_by and outcome.requested_by != outcome.actor:
        who += f", requested by <@{outcome.requested_by}>"
    return [*described, *(unfinished_line(step) for step in outcome.unfinished), who]


def unfinished_line(step: UnfinishedStep) -> str:
    """`Not done: refund of ch_… (Stripe refused, and retrying cannot change that: …)`."""
    return f"Not done: {step.name} of {step.object_id} ({step.reason.rstrip('.')})"


def gap_lines(case: Case, outcome: ActionOutcome, gaps: list[str]) -> list[str]:
    lines = list(dict.fromkeys(gaps))
    for gap in (case.bucket.gap if case.bucket else None, definition(outcome.kind).product_gap):
        if gap and gap not in lines:
            lines.append(gap)
    return lines or ["None identified"]


def revenue_impact(snapshot: CustomerSnapshot, outcome: ActionOutcome) -> RevenueImpact:
    return definition(outcome.kind).revenue_effect(snapshot, outcome)


def follow_up_text(snapshot: CustomerSnapshot, outcome: ActionOutcome) -> str:
    return definition(outcome.kind).follow_up(snapshot, outcome)
