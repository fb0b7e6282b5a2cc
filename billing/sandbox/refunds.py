"""Refunds: by charge or payment intent, full or partial, never more than what is left on the charge."""

from __future__ import annotations

from billing.money import format_money
from billing.sandbox.disputes import open_dispute_on
from billing.sandbox.encoding import Params, as_int, as_metadata, as_str, merge_metadata
from billing.sandbox.errors import invalid_request
from billing.sandbox.events import changed, emit
from billing.sandbox.listing import page_where, range_matches
from billing.sandbox.rendering import present
from billing.sandbox.routing import EXPAND, PAGINATION, Call, route
from billing.sandbox.state import Json, State, new_id
from billing.sandbox.templates import new_object

REASONS = ("duplicate", "fraudulent", "requested_by_customer")


def create_refund(call: Call) -> Json:
    state, params = call.state, call.params
    charge = _charge_to_refund(state, params)
    remaining = charge["amount"] - charge["amount_refunded"]
    amount = as_int(params, "amount", remaining) or 0
    refund = refund_charge(state, charge, amount, as_str(params, "reason"), as_metadata(params) or {})
    return present(state, refund, call.expand)


def refund_charge(
    state: State,
    charge: Json,
    amount: int,
    reason: str | None,
    metadata: dict[str, str],
    param: str = "amount",
) -> Json:
    """Refund part or all of a charge (also what a credit note's `refund_amount` does)."""
    remaining = charge["amount"] - charge["amount_refunded"]
    amount = _validated_amount(charge, amount, remaining, reason, param)
    _refuse_if_charged_back(state, charge)
    refund = new_object(
        "refund",
        {
            "id": new_id("re"),
            "amount": amount,
            "balance_transaction": new_id("txn"),
            "charge": charge["id"],
            "created": state.now_for_customer(charge["customer"]),
            "currency": charge["currency"],
            "customer": charge["customer"],
            "destination_details": {
                "card": {
                    "reference_status": "pending",
                    "reference_type": "acquirer_reference_number",
                    "type": "refund",
                    "reference": None,
                },
                "type": "card",
            },
            "metadata": metadata,
            "payment_intent": charge["payment_intent"],
            "payment_method": charge["payment_method"],
            "reason": reason,
            "receipt_number": None,
            "source_transfer_reversal": None,
            "status": "succeeded",
            "transfer_reversal": None,
        },
    )
    state.add(refund)
    emit(state, "refund.created", refund)
    _apply_to_charge(state, charge, amount)
    return refund


def _charge_to_refund(state: State, params: Params) -> Json:
    charge_id, intent_id = as_str(params, "charge"), as_str(params, "payment_intent")
    if charge_id:
        return state.get("charge", charge_id, param="charge")
    if intent_id:
        intent = state.get("payment_intent", intent_id, param="payment_intent")
        if intent["status"] != "succeeded" or not intent["latest_charge"]:
            raise invalid_request(
                f"This PaymentIntent ({intent_id}) does not have a successful charge to refund.",
                param="payment_intent",
            )
        return state.get("charge", intent["latest_charge"])
    raise invalid_request(
        "One of the following params should be provided for this request: payment_intent or charge."
    )


def _validated_amount(charge: Json, amount: int, remaining: int, reason: str | None, param: str) -> int:
    if reason is not None and reason not in REASONS:
        raise invalid_request(f"Invalid reason: must be one of {', '.join(REASONS)}", param="reason")
    if charge["status"] != "succeeded":
        raise invalid_request(f"Charge {charge['id']} has no successful payment to refund.", param="charge")
    if remaining == 0:
        raise invalid_request(
            f"Charge {charge['id']} has already been refunded.",
            code="charge_already_refunded",
            param="charge",
        )
    if amount <= 0:
        raise invalid_request("Invalid positive integer", param=param, code="parameter_invalid_integer")
    if amount > remaining:
        currency = charge["currency"]
        raise invalid_request(
            f"Refund amount ({format_money(amount, currency)}) is greater than unrefunded amount on charge "
            f"({format_money(remaining, currency)})",
            param=param,
            code="amount_too_large",
        )
    return amount


def _refuse_if_charged_back(state: State, charge: Json) -> None:
    dispute = open_dispute_on(state, charge["id"])
    # Inquiries (warning_*) can still be refunded; chargebacks cannot.
    if dispute is not None and not dispute["status"].startswith("warning_"):
        raise invalid_request(
            f"Charge {charge['id']} has been charged back; cannot issue a refund.",
            code="charge_disputed",
            param="charge",
        )


def _apply_to_charge(state: State, charge: Json, amount: int) -> None:
    before = dict(charge)
    charge["amount_refunded"] += amount
    charge["refunded"] = charge["amount_refunded"] == charge["amount"]
    emit(state, "charge.refunded", charge, changed(before, charge))


def retrieve_refund(call: Call) -> Json:
    return present(call.state, call.state.get("refund", call.arg("id")), call.expand)


def update_refund(call: Call) -> Json:
    refund = call.state.get("refund", call.arg("id"))
    before = dict(refund)
    refund["metadata"] = merge_metadata(refund["metadata"], as_metadata(call.params))
    emit(call.state, "refund.updated", refund, changed(before, refund))
    return present(call.state, refund, call.expand)


def list_refunds(call: Call) -> Json:
    params = call.params
    charge, intent = as_str(params, "charge"), as_str(params, "payment_intent")

    def keep(refund: Json) -> bool:
        if charge and refund["charge"] != charge:
            return False
        if intent and refund["payment_intent"] != intent:
            return False
        return range_matches(refund["created"], params.get("created"), "created")

    among = call.state.related("refund", "charge", charge) if charge else None
    return page_where(call.state, "refund", keep, params, "/v1/refunds", among)


ROUTES = [
    route(
        "POST",
        "/v1/refunds",
        "RefundCreateParams",
        create_refund,
        implements=(*EXPAND, "charge", "payment_intent", "amount", "reason", "metadata"),
    ),
    route(
        "GET",
        "/v1/refunds",
        "RefundListParams",
        list_refunds,
        implements=(*PAGINATION, "charge", "payment_intent", "created"),
    ),
    route("GET", "/v1/refunds/{id}", "RefundRetrieveParams", retrieve_refund, implements=EXPAND),
    route("POST", "/v1/refunds/{id}", "RefundUpdateParams", update_refund, implements=(*EXPAND, "metadata")),
]
