"""Credit notes on finalized invoices: create, preview, list, retrieve.

As in Stripe, a credit note first lowers what is still due on the invoice (`pre_payment_amount`, invoice
`amount_due`/`amount_remaining` and `pre_payment_credit_notes_amount`); the rest (`post_payment_amount`, invoice
`post_payment_credit_notes_amount`) must be exactly split into `refund_amount` (a refund of the invoice's charge),
`credit_amount` (a customer balance transaction) and `out_of_band_amount` (recorded only).
"""

from __future__ import annotations

from dataclasses import dataclass

from billing.sandbox.balances import record
from billing.sandbox.encoding import Params, as_int, as_list, as_metadata, as_str
from billing.sandbox.errors import invalid_request, missing_param
from billing.sandbox.events import changed, emit
from billing.sandbox.invoicing import mark_paid
from billing.sandbox.listing import page_where, range_matches
from billing.sandbox.refunds import refund_charge
from billing.sandbox.rendering import present
from billing.sandbox.routing import EXPAND, PAGINATION, Call, route
from billing.sandbox.state import Json, State, new_id
from billing.sandbox.templates import new_object

REASONS = ("duplicate", "fraudulent", "order_change", "product_unsatisfactory")
LINE_TYPES = ("invoice_line_item", "custom_line_item")


@dataclass(frozen=True)
class Plan:
    invoice: Json
    note: Json
    pre: int
    post: int
    refund_amount: int
    credit_amount: int
    charge: Json | None


def create_credit_note(call: Call) -> Json:
    state = call.state
    plan = _plan(state, call.params)
    note, invoice = plan.note, plan.invoice
    at = note["created"]
    if plan.refund_amount and plan.charge is not None:
        refund = refund_charge(state, plan.charge, plan.refund_amount, None, {}, "refund_amount")
        note["refunds"] = [
            {
                "amount_refunded": plan.refund_amount,
                "payment_record_refund": None,
                "refund": refund["id"],
                "type": "refund",
            }
        ]
    state.add(note)
    if plan.credit_amount:
        customer = state.get("customer", invoice["customer"])
        transaction = record(
            state,
            customer,
            -plan.credit_amount,
            "credit_note",
            currency=invoice["currency"],
            at=at,
            invoice=invoice["id"],
            credit_note=note["id"],
        )
        note["customer_balance_transaction"] = transaction["id"]
    _adjust_invoice(state, plan, at)
    emit(state, "credit_note.created", note)
    return present(state, note, call.expand)


def preview_credit_note(call: Call) -> Json:
    """The credit note `create` would issue, nothing stored or moved (so no refund or balance transaction IDs)."""
    return present(call.state, _plan(call.state, call.params).note, call.expand)


def _adjust_invoice(state: State, plan: Plan, at: int) -> None:
    invoice = plan.invoice
    before = dict(invoice)
    invoice.update(
        pre_payment_credit_notes_amount=invoice["pre_payment_credit_notes_amount"] + plan.pre,
        post_payment_credit_notes_amount=invoice["post_payment_credit_notes_amount"] + plan.post,
        amount_due=invoice["amount_due"] - plan.pre,
        amount_remaining=invoice["amount_remaining"] - plan.pre,
    )
    emit(state, "invoice.updated", invoice, changed(before, invoice))
    if invoice["status"] == "open" and invoice["amount_remaining"] == 0:
        mark_paid(state, invoice, at)


def _plan(state: State, params: Params) -> Plan:
    invoice_id = as_str(params, "invoice")
    if invoice_id is None:
        raise missing_param("invoice")
    invoice = state.get("invoice", invoice_id, param="invoice")
    if invoice["status"] not in ("open", "paid"):
        raise invalid_request(
            f"Credit notes can only be issued on open or paid invoices; {invoice_id} is {invoice['status']}.",
            param="invoice",
        )
    note_id = new_id("cn")
    lines, amount = _lines(state, invoice, params, note_id)
    credited = invoice["pre_payment_credit_notes_amount"] + invoice["post_payment_credit_notes_amount"]
    creditable = invoice["total"] - credited - _refunded_outside_credit_notes(state, invoice)
    if amount <= 0:
        raise invalid_request("The credit note amount must be greater than 0.", param="amount")
    if amount > creditable:
        raise invalid_request(
            f"The credit note amount ({amount}) is greater than the amount that can still be credited on the "
            f"invoice ({creditable}).",
            param="amount",
        )
    pre = min(amount, invoice["amount_remaining"]) if invoice["status"] == "open" else 0
    post = amount - pre
    refund_amount, credit_amount, out_of_band = (
        as_int(params, key, 0) or 0 for key in ("refund_amount", "credit_amount", "out_of_band_amount")
    )
    if refund_amount + credit_amount + out_of_band != post:
        raise invalid_request(
            f"The sum of refund_amount, credit_amount and out_of_band_amount ({refund_amount + credit_amount + out_of_band}) "
            f"must equal the credit note's post-payment amount ({post})."
        )
    charge = _charge_of(state, invoice) if refund_amount else None
    if refund_amount and charge is None:
        raise invalid_request(f"Invoice {invoice_id} has no charge to refund.", param="refund_amount")
    reason = as_str(params, "reason")
    if reason is not None and reason not in REASONS:
        raise invalid_request(f"Invalid reason: must be one of {', '.join(REASONS)}", param="reason")
    note = _note(state, invoice, note_id, lines, amount, pre, post, params)
    note["out_of_band_amount"] = out_of_band or None
    return Plan(invoice, note, pre, post, refund_amount, credit_amount, charge)


def _lines(state: State, invoice: Json, params: Params, note_id: str) -> tuple[list[Json], int]:
    amount = as_int(params, "amount")
    if "lines" not in params:
        if amount is None:
            raise invalid_request("One of amount, lines, or shipping_cost must be provided.")
        return [], amount
    by_id = {line["id"]: line for line in invoice["lines"]["data"]}
    lines = []
    for index, raw in enumerate(as_list(params, "lines")):
        name = f"lines[{index}]"
        if not isinstance(raw, dict):
            raise invalid_request(f"Invalid hash for {name}", param=name)
        lines.append(_line(raw, name, by_id, note_id))
    total = sum(line["amount"] for line in lines)
    if amount is not None and amount != total:
        raise invalid_request(
            f"The amount ({amount}) must equal the sum of the lines ({total}).", param="amount"
        )
    return lines, total


def _line(raw: Params, name: str, by_id: dict[str, Json], note_id: str) -> Json:
    kind = as_str(raw, "type")
    if kind not in LINE_TYPES:
        raise invalid_request(
            f"Invalid {name}[type]: must be one of {', '.join(LINE_TYPES)}", param=f"{name}[type]"
        )
    quantity = as_int(raw, "quantity")
    if kind == "invoice_line_item":
        line_id = as_str(raw, "invoice_line_item")
        if line_id is None or line_id not in by_id:
            raise invalid_request(
                f"No such invoice line item: '{line_id}'",
                param=f"{name}[invoice_line_item]",
                code="resource_missing",
            )
        source = by_id[line_id]
        unit = source["amount"] // max(1, source["quantity"] or 1)
        amount = as_int(raw, "amount")
        if amount is None:
            amount = unit * (quantity or source["quantity"] or 1)
        if amount > source["amount"]:
            raise invalid_request(
                f"The amount for {name} ({amount}) is greater than the invoice line's amount ({source['amount']}).",
                param=f"{name}[amount]",
            )
        description, unit_amount = source["description"], unit
    else:
        description = as_str(raw, "description")
        if description is None:
            raise missing_param(f"{name}[description]")
        unit_amount = as_int(raw, "unit_amount") or 0
        amount = unit_amount * (quantity or 1)
        line_id = None
    return new_object(
        "credit_note_line_item",
        {
            "id": new_id("cnli"),
            "amount": amount,
            "description": description,
            "discount_amount": 0,
            "discount_amounts": [],
            "invoice_line_item": line_id,
            "metadata": {},
            "pretax_credit_amounts": [],
            "quantity": quantity or 1,
            "tax_rates": [],
            "taxes": [],
            "type": kind,
            "unit_amount": unit_amount,
            "unit_amount_decimal": str(unit_amount),
        },
    )


def _note(
    state: State,
    invoice: Json,
    note_id: str,
    lines: list[Json],
    amount: int,
    pre: int,
    post: int,
    params: Params,
) -> Json:
    now = state.now_for_customer(invoice["customer"])
    issued = len(state.related("credit_note", "invoice", invoice["id"]))
    kind = "mixed" if pre and post else ("pre_payment" if pre else "post_payment")
    return new_object(
        "credit_note",
        {
            "id": note_id,
            "amount": amount,
            "amount_shipping": 0,
            "created": now,
            "currency": invoice["currency"],
            "customer": invoice["customer"],
            "customer_account": None,
            "customer_balance_transaction": None,
            "discount_amount": 0,
            "discount_amounts": [],
            "effective_at": now,
            "invoice": invoice["id"],
            "lines": {
                "object": "list",
                "data": lines,
                "has_more": False,
                "url": f"/v1/credit_notes/{note_id}/lines",
            },
            "memo": as_str(params, "memo"),
            "metadata": as_metadata(params) or {},
            "number": f"{invoice['number']}-CN-{issued + 1:02d}",
            "out_of_band_amount": None,
            "pdf": f"{state.base_url}/cn/{note_id}/pdf",
            "post_payment_amount": post,
            "pre_payment_amount": pre,
            "pretax_credit_amounts": [],
            "reason": as_str(params, "reason"),
            "refunds": [],
            "shipping_cost": None,
            "status": "issued",
            "subtotal": amount,
            "subtotal_excluding_tax": amount,
            "total": amount,
            "total_excluding_tax": amount,
            "total_taxes": [],
            "type": kind,
            "voided_at": None,
        },
    )


def _refunded_outside_credit_notes(state: State, invoice: Json) -> int:
    """As Stripe does: refunds made with the Refund API on the invoice's charge lower what credit notes may
    still credit, so notes and refunds together never exceed what was paid."""
    charge = _charge_of(state, invoice)
    if charge is None:
        return 0
    by_notes = {
        entry["refund"]
        for note in state.related("credit_note", "invoice", invoice["id"])
        for entry in note["refunds"]
    }
    return sum(
        refund["amount"]
        for refund in state.related("refund", "charge", charge["id"])
        if refund["id"] not in by_notes and refund["status"] in ("pending", "succeeded")
    )


def _charge_of(state: State, invoice: Json) -> Json | None:
    for payment in state.related("invoice_payment", "invoice", invoice["id"]):
        if payment["status"] == "paid":
            intent = state.get("payment_intent", payment["payment"]["payment_intent"])
            return state.find(intent["latest_charge"] or "")
    return None


def retrieve_credit_note(call: Call) -> Json:
    return present(call.state, call.state.get("credit_note", call.arg("id")), call.expand)


def list_credit_notes(call: Call) -> Json:
    params = call.params
    invoice, customer = as_str(params, "invoice"), as_str(params, "customer")

    def keep(note: Json) -> bool:
        if customer and note["customer"] != customer:
            return False
        return range_matches(note["created"], params.get("created"), "created")

    among = call.state.related("credit_note", "invoice", invoice) if invoice else None
    return page_where(call.state, "credit_note", keep, params, "/v1/credit_notes", among)


_CREATE = (
    *EXPAND,
    "invoice",
    "amount",
    "lines.type",
    "lines.invoice_line_item",
    "lines.amount",
    "lines.quantity",
    "lines.description",
    "lines.unit_amount",
    "refund_amount",
    "credit_amount",
    "out_of_band_amount",
    "reason",
    "memo",
    "metadata",
)

ROUTES = [
    route("POST", "/v1/credit_notes", "CreditNoteCreateParams", create_credit_note, implements=_CREATE),
    route(
        "GET", "/v1/credit_notes/preview", "CreditNotePreviewParams", preview_credit_note, implements=_CREATE
    ),
    route(
        "GET",
        "/v1/credit_notes",
        "CreditNoteListParams",
        list_credit_notes,
        implements=(*PAGINATION, "invoice", "customer", "created"),
    ),
    route(
        "GET", "/v1/credit_notes/{id}", "CreditNoteRetrieveParams", retrieve_credit_note, implements=EXPAND
    ),
]
