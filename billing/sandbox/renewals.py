"""What time does to subscriptions, run by test clocks: renewal each period, payment retries, trial end,
expiry of incomplete checkouts after 23 hours, cancellations scheduled for the period end, and paused
collection (each renewal's invoice voided, kept as a draft or marked uncollectible; resumed at `resumes_at`)."""

from __future__ import annotations

from billing.sandbox.events import changed, emit
from billing.sandbox.invoicing import (
    default_payment_method_for,
    finalize_invoice,
    subscription_of,
    void_invoice,
)
from billing.sandbox.payments import collect
from billing.sandbox.periods import add_interval, days
from billing.sandbox.rendering import present
from billing.sandbox.state import Json, State
from billing.sandbox.subscriptions import (
    end_subscription,
    invoice_current_period,
    items_of,
    period_end,
    set_status,
)

INCOMPLETE_EXPIRY = 23 * 3600
# Stripe's default retry schedule is "smart"; a fixed 3-day spacing keeps tests predictable.
RETRY_DELAY = days(3)
MAX_ATTEMPTS = 4


def _open_retry_invoices(state: State, subscription: Json) -> list[Json]:
    return [
        invoice
        for invoice in state.related("invoice", "customer", subscription["customer"])
        if subscription_of(invoice) == subscription["id"]
        and invoice["status"] == "open"
        and invoice["next_payment_attempt"] is not None
    ]


def next_transition(state: State, subscription: Json) -> int | None:
    status = subscription["status"]
    moments: list[int] = []
    if status == "incomplete":
        moments.append(subscription["created"] + INCOMPLETE_EXPIRY)
    if status in ("trialing", "active", "past_due"):
        moments.append(period_end(state, subscription))
        if subscription["cancel_at"]:
            moments.append(subscription["cancel_at"])
        resumes_at = _resumes_at(subscription)
        if resumes_at is not None:
            moments.append(resumes_at)
        moments.extend(
            invoice["next_payment_attempt"] for invoice in _open_retry_invoices(state, subscription)
        )
    return min(moments) if moments else None


def run_transition(state: State, subscription: Json, at: int) -> None:
    resumes_at = _resumes_at(subscription)
    if subscription["status"] == "incomplete":
        _expire_incomplete(state, subscription, at)
    elif resumes_at is not None and resumes_at <= at:
        _resume_collection(state, subscription)
    elif subscription["cancel_at"] and subscription["cancel_at"] <= at:
        end_subscription(state, subscription, subscription["cancel_at"], reason="cancellation_requested")
    elif period_end(state, subscription) <= at:
        _renew(state, subscription)
    else:
        for invoice in _open_retry_invoices(state, subscription):
            if invoice["next_payment_attempt"] <= at:
                attempt_payment(state, subscription, invoice, at)


def _expire_incomplete(state: State, subscription: Json, at: int) -> None:
    latest = state.find(subscription["latest_invoice"] or "")
    if latest and latest["status"] == "open":
        void_invoice(state, latest)
    set_status(state, subscription, "incomplete_expired", ended_at=at)


def _renew(state: State, subscription: Json) -> None:
    start = period_end(state, subscription)
    if subscription["status"] == "trialing":
        subscription["billing_cycle_anchor"] = start
    for item in items_of(state, subscription):
        recurring = state.get("price", item["price"])["recurring"]
        item["current_period_start"] = start
        item["current_period_end"] = add_interval(
            start, recurring["interval"], recurring["interval_count"], subscription["billing_cycle_anchor"]
        )
    pause = subscription["pause_collection"]
    invoice = invoice_current_period(
        state, subscription, "subscription_cycle", (start, start), finalize=pause is None
    )
    if pause is not None:
        settle_paused(state, invoice, pause["behavior"], start)
        return
    attempt_payment(state, subscription, invoice, start)


def _resumes_at(subscription: Json) -> int | None:
    pause = subscription["pause_collection"]
    return int(pause["resumes_at"]) if pause and pause.get("resumes_at") else None


def _resume_collection(state: State, subscription: Json) -> None:
    before = present(state, subscription)
    subscription["pause_collection"] = None
    emit(state, "customer.subscription.updated", subscription, changed(before, present(state, subscription)))


def settle_paused(state: State, invoice: Json, behavior: str, at: int) -> None:
    """A paused subscription's invoice is never collected: kept as a draft, voided, or marked uncollectible."""
    if behavior == "keep_as_draft":
        invoice["auto_advance"] = False
        return
    invoice["auto_advance"] = False
    finalize_invoice(state, invoice, collect=False)
    if behavior == "void":
        void_invoice(state, invoice)
        return
    before = dict(invoice)
    invoice.update(
        status="uncollectible",
        status_transitions={**invoice["status_transitions"], "marked_uncollectible_at": at},
    )
    emit(state, "invoice.marked_uncollectible", invoice, changed(before, invoice))


def attempt_payment(state: State, subscription: Json, invoice: Json, at: int) -> None:
    if invoice["collection_method"] == "send_invoice":
        # Nothing is charged: the customer pays the sent invoice by its due date.
        if subscription["status"] == "trialing":
            set_status(state, subscription, "active")
        return
    if invoice["status"] == "open":
        collect(state, invoice, default_payment_method_for(state, invoice))
    if invoice["status"] == "paid":
        if subscription["status"] == "trialing":
            set_status(state, subscription, "active")
        return
    invoice["next_payment_attempt"] = at + RETRY_DELAY if invoice["attempt_count"] < MAX_ATTEMPTS else None
    if subscription["status"] in ("active", "trialing"):
        set_status(state, subscription, "past_due")
