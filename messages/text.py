"""Plain-text renderings of the customer card and the candidates list (CLI, logs): pure functions."""

from __future__ import annotations

from datetime import UTC, datetime

from billing.models import Anomaly, AnomalyKind, Charge, Invoice, Subscription
from billing.money import format_money
from billing.snapshot import CustomerSnapshot, LookupResult, dashboard_url, plan_name

MAX_SUBSCRIPTIONS = 10
MAX_INVOICES = 5
MAX_CHARGES = 5
TEST_MODE_BANNER = "TEST MODE · Stripe test data, no real money moves."
INDENT = "  "


def snapshot_text(snapshot: CustomerSnapshot) -> str:
    sections = [
        _title(snapshot),
        _customer_section(snapshot),
        _billing_section(snapshot),
        _anomalies_section(snapshot.anomalies),
        _suggestion_section(snapshot),
    ]
    return "\n\n".join(sections) + "\n"


def candidates_text(result: LookupResult) -> str:
    lines = [f"{len(result.candidates)} customers match {result.query} (matched on {result.matched_on}):"]
    for number, candidate in enumerate(result.candidates, start=1):
        customer = candidate.customer
        subscriptions = _plural(candidate.subscription_count, "subscription")
        lines.append(
            f"{INDENT}{number}. {customer.display_name()} <{customer.email or '—'}> {customer.id}"
            f" · created {_day(customer.created)} · {subscriptions}"
        )
    lines.append("Look one up by its ID, e.g. `billing-bot lookup " + result.candidates[0].customer.id + "`.")
    return "\n".join(lines) + "\n"


# --- sections -----------------------------------------------------------------------------------


def _title(snapshot: CustomerSnapshot) -> str:
    name = snapshot.customer.display_name()
    return name if snapshot.livemode else f"{name}\n{TEST_MODE_BANNER}"


def _customer_section(snapshot: CustomerSnapshot) -> str:
    customer = snapshot.customer
    card = customer.default_payment_method
    lines = [
        "CUSTOMER",
        f"Name: {customer.name or '—'}",
        f"Email: {customer.email or '—'}",
        f"Stripe ID: {customer.id} ({dashboard_url(customer.id, livemode=snapshot.livemode)})",
        f"Created: {_day(customer.created)}",
        f"Default payment method: {card.short_label() if card else 'none on file'}",
        f"Matched on: {snapshot.matched_on or '—'} · as of {_minute(snapshot.taken_at)}",
    ]
    return _block(lines)


def _billing_section(snapshot: CustomerSnapshot) -> str:
    records = snapshot.records
    duplicates = _duplicate_ids(snapshot.anomalies)
    subscriptions = sorted(records.subscriptions, key=lambda sub: sub.created, reverse=True)
    current = [sub for sub in subscriptions if sub.status != "canceled"]
    ended = [sub for sub in subscriptions if sub.status == "canceled"]
    invoices = sorted(records.invoices, key=lambda invoice: invoice.created, reverse=True)
    charges = sorted(records.charges, key=lambda charge: charge.created, reverse=True)

    lines = ["BILLING STATE", "Subscriptions"]
    lines += [_bullet(_subscription_line(sub, sub.id in duplicates)) for sub in current[:MAX_SUBSCRIPTIONS]]
    if not current:
        lines.append(_bullet("No active subscriptions.", marker=""))
    if ended:
        lines.append("Canceled")
        lines += [_bullet(_canceled_line(sub)) for sub in ended[:MAX_SUBSCRIPTIONS]]
    lines.append("Invoices")
    lines += [_bullet(_invoice_line(invoice)) for invoice in invoices[:MAX_INVOICES]]
    lines += _more(len(invoices) - MAX_INVOICES, records.has_more_invoices, "No invoices.", bool(invoices))
    lines.append("Payments")
    lines += [_bullet(_charge_line(charge)) for charge in charges[:MAX_CHARGES]]
    lines += _more(len(charges) - MAX_CHARGES, records.has_more_charges, "No payments.", bool(charges))
    return _block(lines)


def _anomalies_section(anomalies: list[Anomaly]) -> str:
    lines = ["ANOMALIES"]
    for anomaly in anomalies:
        ids = f" ({', '.join(anomaly.object_ids)})" if anomaly.object_ids else ""
        lines.append("• " + anomaly.summary + ids)
    if not anomalies:
        lines.append("None found.")
    return _block(lines)


def _suggestion_section(snapshot: CustomerSnapshot) -> str:
    judgement = snapshot.judgement
    quotes = [f"> “{quote}”" for quote in judgement.quotes] if judgement else []
    if judgement is not None and judgement.unread_language:
        return _block(["SUGGESTED CLASSIFICATION", f"None — {judgement.reason}"])
    if snapshot.suggestion is None:
        return _block(["SUGGESTED CLASSIFICATION", "No suggestion; classify by hand."])
    label = snapshot.suggestion.label
    if judgement is not None and judgement.runner_up is not None:
        label = f"Unsure between {label} and {judgement.runner_up.label} (leaning {label})"
    reason = f" — {snapshot.suggestion_reason}" if snapshot.suggestion_reason else ""
    return _block(["SUGGESTED CLASSIFICATION", f"{label}{reason}", *quotes])


# --- lines --------------------------------------------------------------------------------------


def _subscription_line(sub: Subscription, is_duplicate: bool) -> str:
    parts = [
        f"{sub.id} {plan_name(sub)} × {sub.quantity}",
        sub.period_amount().format() + _per(sub),
        sub.status,
    ]
    period_end = sub.current_period_end
    if period_end is not None:
        parts.append(f"{'cancels' if sub.cancel_at_period_end else 'renews'} {_day(period_end)}")
    if is_duplicate:
        parts.append("DUPLICATE")
    return " — ".join(parts)


def _canceled_line(sub: Subscription) -> str:
    ended = sub.ended_at or sub.canceled_at
    return f"{sub.id} {plan_name(sub)} — canceled" + (f" {_day(ended)}" if ended else "")


def _invoice_line(invoice: Invoice) -> str:
    number = invoice.number or "(no number)"
    status = invoice.status or "unknown"
    return f"{invoice.id} {number} — {status} — {invoice.total().format()} — {_day(invoice.created)}"


def _charge_line(charge: Charge) -> str:
    parts = [f"{charge.id} {charge.money().format()}", charge.status, _day(charge.created)]
    if charge.card is not None:
        parts.append(charge.card.short_label())
    if charge.amount_refunded:
        parts.append(f"refunded {format_money(charge.amount_refunded, charge.currency)}")
    if charge.disputed:
        parts.append("disputed")
    if charge.status == "failed" and (charge.failure_message or charge.failure_code):
        parts.append(charge.failure_message or charge.failure_code or "")
    return " — ".join(parts)


def _per(sub: Subscription) -> str:
    if not sub.items or sub.items[0].price.interval is None:
        return ""
    price = sub.items[0].price
    return (
        f" / {price.interval}"
        if price.interval_count == 1
        else f" / {price.interval_count} {price.interval}s"
    )


def _more(hidden: int, open_ended: bool, empty: str, any_shown: bool) -> list[str]:
    if not any_shown:
        return [_bullet(empty, marker="")]
    if hidden > 0 or open_ended:
        count = "" if hidden <= 0 else f"{hidden}+ " if open_ended else f"{hidden} "
        return [_bullet(f"…and {count}more in the Stripe Dashboard", marker="")]
    return []


def _duplicate_ids(anomalies: list[Anomaly]) -> set[str]:
    return {
        object_id
        for anomaly in anomalies
        if anomaly.kind == AnomalyKind.DUPLICATE_SUBSCRIPTIONS
        for object_id in anomaly.object_ids
    }


# --- formatting ---------------------------------------------------------------------------------


def _block(lines: list[str]) -> str:
    heading, *body = lines
    return "\n".join([heading, *(INDENT + line for line in body)])


def _bullet(text: str, *, marker: str = "• ") -> str:
    return INDENT + marker + text


def _day(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%d")


def _minute(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")


def _plural(count: int, noun: str) -> str:
    return f"{count} {noun}" if count == 1 else f"{count} {noun}s"
