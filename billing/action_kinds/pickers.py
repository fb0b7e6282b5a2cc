"""Which object the operator may pick for an action (the form's "target" SELECT), and how each is named in
the picker (pure).

A duplicate group and an overlap are read in Stripe's creation order (billing.models.oldest_first), never by
ID; labels name the role (original / newer, monthly / yearly), the price, the card that pays and the ID.
"""

from __future__ import annotations

from billing.action_kinds.choosing import CHOICE_LABEL_LIMIT
from billing.action_kinds.targets import live_subscriptions, same_plan
from billing.action_kinds.wording import product_name
from billing.action_models import TARGET_FIELD, Choice, FieldKind, FormField
from billing.models import AnomalyKind, CardSummary, Invoice, Subscription, oldest_first
from billing.money import format_money
from billing.snapshot import CustomerSnapshot

LABEL_LIMIT = CHOICE_LABEL_LIMIT

_PER = {"day": "day", "week": "week", "month": "mo", "year": "yr"}
_LENGTH = {"day": 1, "week": 7, "month": 30, "year": 365}


def fit(text: str, limit: int = LABEL_LIMIT) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


# --- duplicates ----------------------------------------------------------------------------------


def duplicate_group(snapshot: CustomerSnapshot, subscription_id: str) -> list[Subscription]:
    """The live subscriptions on the same plan as `subscription_id` (itself included), original first."""
    live = live_subscriptions(snapshot)
    chosen = next((sub for sub in live if sub.id == subscription_id), None)
    if chosen is None:
        return []
    return oldest_first([sub for sub in live if sub.id == chosen.id or same_plan(sub, chosen)])


def duplicate_role(group: list[Subscription], sub: Subscription, *, short: bool = False) -> str:
    """`original`, `newer duplicate` (`duplicate` when short, for a picker's label), or `duplicate 2`."""
    if group and group[0].id == sub.id:
        return "original"
    if len(group) == 2:
        return "duplicate" if short else "newer duplicate"
    return f"duplicate {group.index(sub)}"


# --- overlaps (one product, monthly and yearly) ----------------------------------------------------


def overlap_pair(snapshot: CustomerSnapshot) -> list[Subscription]:
    """The first overlap the snapshot found, original first; [] when there is none."""
    live = {sub.id: sub for sub in live_subscriptions(snapshot)}
    for anomaly in snapshot.anomalies:
        if anomaly.kind == AnomalyKind.OVERLAPPING_PLANS:
            pair = [live[object_id] for object_id in anomaly.object_ids if object_id in live]
            if len(pair) == 2:
                return oldest_first(pair)
    return []


def overlapping(snapshot: CustomerSnapshot, subscription_id: str) -> list[Subscription]:
    """The overlap `subscription_id` belongs to, original first; [] when it is in none."""
    live = {sub.id: sub for sub in live_subscriptions(snapshot)}
    for anomaly in snapshot.anomalies:
        if anomaly.kind == AnomalyKind.OVERLAPPING_PLANS and subscription_id in anomaly.object_ids:
            pair = [live[object_id] for object_id in anomaly.object_ids if object_id in live]
            if len(pair) == 2:
                return oldest_first(pair)
    return []


def shortest_period(subs: list[Subscription]) -> Subscription:
    """The one billed most often (the monthly of a monthly + yearly): what an accidental switch usually ends."""
    return min(subs, key=_period_days)


def _period_days(sub: Subscription) -> int:
    return max(
        (_LENGTH.get(item.price.interval or "", 0) * item.price.interval_count for item in sub.items),
        default=0,
    )


def billing_period(sub: Subscription) -> str:
    every = {item.price.interval for item in sub.items}
    names = {"day": "daily", "week": "weekly", "month": "monthly", "year": "yearly"}
    return names.get(every.pop() or "", "") if len(every) == 1 else ""


# --- labels ----------------------------------------------------------------------------------------


def price_text(sub: Subscription) -> str:
    amount = format_money(sub.period_amount().amount, sub.currency)
    every = {item.price.interval for item in sub.items}
    per = _PER.get(every.pop() or "", "") if len(every) == 1 else ""
    return f"{amount}/{per}" if per else amount


def paid_by(sub: Subscription, default_card: CardSummary | None) -> str:
    card = sub.default_payment_method or default_card
    return card.short_label() if card else "no card on file"


def subscription_label(sub: Subscription, role: str, default_card: CardSummary | None) -> str:
    """`Duplicate · $20.00/mo · Visa •••• 4242 · sub_…`: over Slack's limit, the end of the description is
    clipped, never the ID."""
    tail = f" · {sub.id}"
    body = f"{role[:1].upper()}{role[1:]} · {price_text(sub)} · {paid_by(sub, default_card)}"
    return fit(body, LABEL_LIMIT - len(tail)) + tail


def invoice_label(invoice: Invoice) -> str:
    """`$20.00 due · 2026-11-02 · INV-0042 · in_…`."""
    due = format_money(invoice.amount_remaining, invoice.currency)
    name = f" · {invoice.number}" if invoice.number else ""
    return fit(f"{due} due · {invoice.created:%Y-%m-%d}{name} · {invoice.id}")


# --- the "target" field of a form ------------------------------------------------------------------------


def target_field(label: str, choices: list[Choice], *, initial: str | None) -> FormField:
    """The form's "target" SELECT: which subscription, invoice, charge or dispute the action acts on. Every
    action builds it here; the caller decides the choices' labels and which one is chosen at first."""
    return FormField(name=TARGET_FIELD, label=label, kind=FieldKind.SELECT, choices=choices, initial=initial)


def subscription_field(
    snapshot: CustomerSnapshot, subs: list[Subscription], roles: dict[str, str], *, initial: str, label: str
) -> FormField:
    """A select of subscriptions (value: the ID the action acts on), each named by its role, price and card."""
    card = snapshot.customer.default_payment_method
    return target_field(
        label,
        [Choice(value=sub.id, label=subscription_label(sub, roles[sub.id], card)) for sub in subs],
        initial=initial if any(sub.id == initial for sub in subs) else subs[0].id,
    )


def plan_roles(snapshot: CustomerSnapshot, subs: list[Subscription]) -> dict[str, str]:
    """`Pro monthly`, and for a duplicate `Pro monthly, newer duplicate`: how the operator tells them apart."""
    roles = {}
    for sub in subs:
        role = f"{product_name(sub)} {billing_period(sub)}".strip()
        group = duplicate_group(snapshot, sub.id)
        roles[sub.id] = f"{role}, {duplicate_role(group, sub, short=True)}" if len(group) > 1 else role
    return roles


def invoice_field(invoices: list[Invoice], *, initial: str) -> FormField:
    return target_field(
        "Invoice to charge",
        [Choice(value=invoice.id, label=invoice_label(invoice)) for invoice in invoices],
        initial=initial if any(invoice.id == initial for invoice in invoices) else invoices[0].id,
    )
