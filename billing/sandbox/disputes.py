"""Disputes: opened by `pm_card_createDispute` charges; list and retrieve."""

from __future__ import annotations

from billing.sandbox.encoding import as_str
from billing.sandbox.errors import invalid_request
from billing.sandbox.events import changed, emit
from billing.sandbox.listing import page_where, range_matches
from billing.sandbox.rendering import present
from billing.sandbox.routing import EXPAND, PAGINATION, Call, route
from billing.sandbox.state import Json, State, new_id
from billing.sandbox.templates import new_object, template

_RESPONSE_WINDOW = 7 * 24 * 3600
OPEN_STATUSES = frozenset(
    {"warning_needs_response", "warning_under_review", "needs_response", "under_review"}
)


def open_dispute(state: State, charge: Json) -> Json:
    now = state.now_for_customer(charge["customer"])
    evidence: Json = {key: None for key in template("dispute")["evidence"]} | {"enhanced_evidence": {}}
    card = charge["payment_method_details"]["card"]
    dispute = new_object(
        "dispute",
        {
            "id": new_id("dp"),
            "amount": charge["amount"],
            "balance_transactions": [],
            "charge": charge["id"],
            "created": now,
            "currency": charge["currency"],
            "evidence": evidence,
            "evidence_details": {
                "due_by": now + _RESPONSE_WINDOW,
                "has_evidence": False,
                "past_due": False,
                "submission_count": 0,
                "enhanced_eligibility": {},
            },
            "is_charge_refundable": False,
            "metadata": {},
            "payment_intent": charge["payment_intent"],
            "payment_method_details": {
                "card": {
                    "brand": card["brand"],
                    "case_type": "chargeback",
                    "network_reason_code": "10.4",
                    "network": card["network"],
                },
                "type": "card",
            },
            "reason": "fraudulent",
            "status": "needs_response",
            "enhanced_eligibility_types": [],
        },
    )
    state.add(dispute)
    charge["disputed"] = True
    emit(state, "charge.dispute.created", dispute)
    return dispute


def open_dispute_on(state: State, charge_id: str) -> Json | None:
    for dispute in state.related("dispute", "charge", charge_id):
        if dispute["status"] in OPEN_STATUSES:
            return dispute
    return None


def list_disputes(call: Call) -> Json:
    params = call.params
    charge, payment_intent = as_str(params, "charge"), as_str(params, "payment_intent")

    def keep(dispute: Json) -> bool:
        if charge and dispute["charge"] != charge:
            return False
        if payment_intent and dispute["payment_intent"] != payment_intent:
            return False
        return range_matches(dispute["created"], params.get("created"), "created")

    among = call.state.related("dispute", "charge", charge) if charge else None
    return page_where(call.state, "dispute", keep, params, "/v1/disputes", among)


def close_dispute(call: Call) -> Json:
    """Accepting the dispute: Stripe marks it lost; the charge stays disputed and cannot be refunded."""
    state = call.state
    dispute = state.get("dispute", call.arg("id"))
    if dispute["status"] not in OPEN_STATUSES:
        raise invalid_request(f"This dispute is already closed: {dispute['id']}")
    before = dict(dispute)
    dispute.update(status="lost", is_charge_refundable=False)
    emit(state, "charge.dispute.closed", dispute, changed(before, dispute))
    return present(state, dispute, call.expand)


def retrieve_dispute(call: Call) -> Json:
    return present(call.state, call.state.get("dispute", call.arg("id")), call.expand)


ROUTES = [
    route(
        "GET",
        "/v1/disputes",
        "DisputeListParams",
        list_disputes,
        implements=(*PAGINATION, "charge", "payment_intent", "created"),
    ),
    route("GET", "/v1/disputes/{id}", "DisputeRetrieveParams", retrieve_dispute, implements=EXPAND),
    route("POST", "/v1/disputes/{id}/close", "DisputeCloseParams", close_dispute, implements=EXPAND),
]
