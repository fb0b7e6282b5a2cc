"""Invoices: created for each subscription period, finalized, paid or voided; list, retrieve, search.

In the pinned API version an invoice has no `charge`/`payment_intent`/`subscription`: payments are
`invoice_payment` objects (`payment.payment_intent`) and the subscription sits in `parent.subscription_details`.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from dataclasses import dataclass

from billing.sandbox.coupons import consume_once_discounts, invoice_discounts
from billing.sandbox.encoding import as_str
from billing.sandbox.errors import invalid_request
from billing.sandbox.events import changed, emit
from billing.sandbox.listing import page_where, range_matches
from billing.sandbox.rendering import list_object, present, presenter
from billing.sandbox.routing import EXPAND, PAGINATION, SEARCH, Call, route
from billing.sandbox.search import search_result
from billing.sandbox.state import Json, State, new_id
from billing.sandbox.templates import new_object, template

# Subscriptions react to an invoice getting paid (e.g. incomplete -> active) without invoicing importing them.
INVOICE_PAID_HOOKS: list[Callable[[State, Json], None]] = []
# Customer balance transactions record what finalization applied: (state, customer, amount, invoice, at).
BALANCE_HOOKS: list[Callable[[State, Json, int, Json, int], None]] = []


@dataclass(frozen=True)
class LineSpec:
    subscription_item: Json
    price: Json
    quantity: int
    period_start: int
    period_end: int
    trial: bool = False
    # A proration (from a pending invoice item): its own amount and description.
    proration_amount: int | None = None
    proration_description: str | None = None
    invoice_item: str | None = None

    @property
    def amount(self) -> int:
        if self.proration_amount is not None:
            return self.proration_amount
        return 0 if self.trial else int(self.price["unit_amount"] or 0) * self.quantity


def create_subscription_invoice(
    state: State,
    subscription: Json,
    lines: list[LineSpec],
    billing_reason: str,
    period: tuple[int, int],
    *,
    finalize: bool = True,
) -> Json:
    invoice = build_invoice(state, subscription, lines, billing_reason, period, new_id("in"))
    consume_once_discounts(state, subscription, invoice.pop("_discounts"), invoice["created"])
    state.add(invoice)
    emit(state, "invoice.created", invoice)
    if finalize:
        finalize_invoice(state, invoice)
    return invoice


def build_invoice(
    state: State,
    subscription: Json,
    lines: list[LineSpec],
    billing_reason: str,
    period: tuple[int, int],
    invoice_id: str,
) -> Json:
    """A draft invoice, not stored: `invoices.create_preview` shows one of these as it is."""
    customer = state.get("customer", subscription["customer"])
    now = state.now_for_customer(customer["id"])
    subtotal = sum(line.amount for line in lines)
    discounts = invoice_discounts(state, subscription, subtotal, now)
    total = subtotal - sum(amount for _, amount in discounts)
    invoice = new_object("invoice", _invoice_fields(state, customer, subscription, invoice_id, total, now))
    invoice.update(
        billing_reason=billing_reason,
        period_start=period[0],
        period_end=period[1],
        lines={
            "object": "list",
            "data": [_line_item(invoice_id, subscription, line) for line in lines],
            "has_more": False,
            "url": f"/v1/invoices/{invoice_id}/lines",
        },
        subtotal=subtotal,
        subtotal_excluding_tax=subtotal,
        discounts=[discount["id"] for discount, _ in discounts],
        total_discount_amounts=[
            {"amount": amount, "discount": discount["id"]} for discount, amount in discounts
        ],
        _discounts=discounts,
    )
    return invoice


def _invoice_fields(
    state: State, customer: Json, subscription: Json, invoice_id: str, total: int, now: int
) -> Json:
    secret = secrets.token_urlsafe(18)
    return {
        "id": invoice_id,
        "account_country": "US",
        "account_name": "Billing Ops Sandbox",
        "amount_due": total,
        "amount_paid": 0,
        "amount_remaining": total,
        "amount_shipping": 0,
        "amount_overpaid": 0,
        "attempt_count": 0,
        "attempted": False,
        "auto_advance": True,
        "automatic_tax": {
            "enabled": False,
            "liability": None,
            "status": None,
            "disabled_reason": None,
            "provider": None,
        },
        "collection_method": subscription["collection_method"],
        "created": now,
        "currency": subscription["currency"],
        "customer": customer["id"],
        "customer_address": customer["address"],
        "customer_email": customer["email"],
        "customer_name": customer["name"],
        "customer_phone": customer["phone"],
        "customer_shipping": None,
        "customer_tax_ids": [],
        "default_payment_method": None,
        "due_date": None,
        "effective_at": None,
        "ending_balance": None,
        "from_invoice": None,
        "hosted_invoice_url": f"{state.base_url}/i/{invoice_id}/test_{secret}",
        "invoice_pdf": f"{state.base_url}/i/{invoice_id}/test_{secret}/pdf",
        "last_finalization_error": None,
        "metadata": {},
        "next_payment_attempt": None,
        "number": None,
        "post_payment_credit_notes_amount": 0,
        "pre_payment_credit_notes_amount": 0,
        "parent": {
            "quote_details": None,
            "subscription_details": {
                "metadata": dict(subscription["metadata"]),
                "subscription": subscription["id"],
            },
            "type": "subscription_details",
        },
        "rendering": None,
        "shipping_cost": None,
        "shipping_details": None,
        "starting_balance": 0,
        "status": "draft",
        "status_transitions": {
            "finalized_at": None,
            "marked_uncollectible_at": None,
            "paid_at": None,
            "voided_at": None,
        },
        "subtotal": total,
        "subtotal_excluding_tax": total,
        "test_clock": customer["test_clock"],
        "total": total,
        "total_discount_amounts": [],
        "total_excluding_tax": total,
        "total_pretax_credit_amounts": [],
        "total_taxes": [],
        "webhooks_delivered_at": now,
    }


def _line_item(invoice_id: str, subscription: Json, line: LineSpec) -> Json:
    item = template("line_item")
    product = line.price["product"]
    item.update(
        id=new_id("il"),
        object="line_item",
        livemode=False,
        amount=line.amount,
        currency=line.price["currency"],
        description=_line_description(line),
        discount_amounts=[],
        discountable=True,
        discounts=[],
        invoice=invoice_id,
        metadata={},
        period={"start": line.period_start, "end": line.period_end},
        quantity=line.quantity,
        subtotal=line.amount,
        pretax_credit_amounts=[],
        taxes=[],
        parent={
            "invoice_item_details": None,
            "subscription_item_details": {
                "invoice_item": line.invoice_item,
                "proration": line.proration_amount is not None,
                "proration_details": {"credited_items": None},
                "subscription": subscription["id"],
                "subscription_item": line.subscription_item["id"],
            },
            "type": "subscription_item_details",
        },
        pricing={
            "price_details": {"price": line.price["id"], "product": product},
            "type": "price_details",
            "unit_amount_decimal": line.price["unit_amount_decimal"],
        },
    )
    item["subscription"] = subscription["id"]
    return item


def _line_description(line: LineSpec) -> str:
    if line.proration_description is not None:
        return line.proration_description
    name = line.price.get("nickname") or line.price["product"]
    return f"Trial period for {name}" if line.trial else f"{line.quantity} × {name}"


def finalize_invoice(state: State, invoice: Json, *, collect: bool = True) -> None:
    """Number it, apply the customer's balance, open it; one with nothing due is paid at once. With `collect`
    off (a paused subscription's invoice, voided or marked uncollectible next) the balance stays untouched."""
    customer = state.get("customer", invoice["customer"])
    now = state.now_for_customer(customer["id"])
    invoice["number"] = f"{customer['invoice_prefix']}-{customer['next_invoice_sequence']:04d}"
    customer["next_invoice_sequence"] += 1
    if collect:
        _apply_customer_balance(state, customer, invoice, now)
    invoice["status"] = "open"
    invoice["effective_at"] = now
    if invoice["collection_method"] == "send_invoice":
        subscription = state.find(subscription_of(invoice) or "")
        days_until_due = int((subscription or {}).get("days_until_due") or 0)
        invoice["due_date"] = now + days_until_due * 24 * 3600
    invoice["status_transitions"] = {**invoice["status_transitions"], "finalized_at": now}
    emit(state, "invoice.finalized", invoice)
    if invoice["amount_due"] == 0 and collect:
        mark_paid(state, invoice, now)


def balance_applied(starting: int, total: int) -> Json:
    """The invoice fields a customer balance of `starting` gives an invoice of `total` (previews show it too)."""
    combined = total + starting
    return {
        "starting_balance": starting,
        "ending_balance": min(0, combined),
        "amount_due": max(0, combined),
        "amount_remaining": max(0, combined),
    }


def _apply_customer_balance(state: State, customer: Json, invoice: Json, now: int) -> None:
    """Stripe applies the customer's balance at finalization: a credit (negative) lowers what is due, a debt
    (positive) raises it, and an invoice whose total is negative leaves the rest as credit."""
    starting = int(customer["balance"])
    invoice.update(balance_applied(starting, int(invoice["total"])))
    ending = int(invoice["ending_balance"])
    if ending != starting:
        for hook in BALANCE_HOOKS:
            hook(state, customer, ending - starting, invoice, now)


def mark_paid(state: State, invoice: Json, now: int) -> None:
    before = dict(invoice)
    invoice.update(
        status="paid",
        amount_paid=invoice["amount_due"],
        amount_remaining=0,
        next_payment_attempt=None,
        status_transitions={**invoice["status_transitions"], "paid_at": now},
    )
    customer = state.get("customer", invoice["customer"])
    customer["delinquent"] = False
    emit(state, "invoice.paid", invoice, changed(before, invoice))
    emit(state, "invoice.payment_succeeded", invoice)
    for hook in INVOICE_PAID_HOOKS:
        hook(state, invoice)


def void_invoice(state: State, invoice: Json) -> None:
    before = dict(invoice)
    now = state.now_for_customer(invoice["customer"])
    invoice.update(
        status="void",
        next_payment_attempt=None,
        status_transitions={**invoice["status_transitions"], "voided_at": now},
    )
    emit(state, "invoice.voided", invoice, changed(before, invoice))


def subscription_of(invoice: Json) -> str | None:
    details = (invoice.get("parent") or {}).get("subscription_details") or {}
    subscription = details.get("subscription")
    return subscription if isinstance(subscription, str) else None


def default_payment_method_for(state: State, invoice: Json) -> str | None:
    subscription_id = subscription_of(invoice)
    subscription = state.find(subscription_id) if subscription_id else None
    if subscription and subscription.get("default_payment_method"):
        return str(subscription["default_payment_method"])
    customer = state.get("customer", invoice["customer"])
    default = customer["invoice_settings"]["default_payment_method"]
    return str(default) if default else None


@presenter("invoice")
def _present_invoice(state: State, invoice: Json, include: frozenset[str]) -> Json:
    body = dict(invoice)
    if "payments" in include:
        payments = state.related("invoice_payment", "invoice", invoice["id"])
        body["payments"] = list_object(
            state, state.newest_first(payments), f"/v1/invoice_payments?invoice={invoice['id']}"
        )
    return body


def send_invoice(call: Call) -> Json:
    """Stripe emails the invoice (test mode sends nothing) and records `invoice.sent`."""
    invoice = call.state.get("invoice", call.arg("id"))
    if invoice["collection_method"] != "send_invoice":
        raise invalid_request(
            "You can only manually send an invoice if its collection method is 'send_invoice'."
        )
    if invoice["status"] not in ("open", "paid"):
        raise invalid_request(f"You can't send an invoice with status {invoice['status']}.")
    emit(call.state, "invoice.sent", invoice)
    return present(call.state, invoice, call.expand)


def retrieve_invoice(call: Call) -> Json:
    return present(call.state, call.state.get("invoice", call.arg("id")), call.expand)


def list_invoices(call: Call) -> Json:
    params = call.params
    customer, subscription, status = (as_str(params, key) for key in ("customer", "subscription", "status"))

    def keep(invoice: Json) -> bool:
        if customer and invoice["customer"] != customer:
            return False
        if subscription and subscription_of(invoice) != subscription:
            return False
        if status and invoice["status"] != status:
            return False
        return range_matches(invoice["created"], params.get("created"), "created")

    among = call.state.related("invoice", "customer", customer) if customer else None
    return page_where(call.state, "invoice", keep, params, "/v1/invoices", among)


def search_invoices(call: Call) -> Json:
    fields = frozenset({"customer", "status", "total", "created", "number", "currency"})
    return search_result(call.state, call.state.all("invoice"), call.params, "/v1/invoices/search", fields)


ROUTES = [
    route(
        "GET",
        "/v1/invoices",
        "InvoiceListParams",
        list_invoices,
        implements=(*PAGINATION, "customer", "subscription", "status", "created"),
    ),
    route("GET", "/v1/invoices/search", "InvoiceSearchParams", search_invoices, implements=SEARCH),
    route("GET", "/v1/invoices/{id}", "InvoiceRetrieveParams", retrieve_invoice, implements=EXPAND),
    route("POST", "/v1/invoices/{id}/send", "InvoiceSendInvoiceParams", send_invoice, implements=EXPAND),
]
