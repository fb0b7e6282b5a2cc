"""Moving money: an attempt to collect an invoice (automatic or `POST /v1/invoices/{id}/pay`) creates its
invoice payment and payment intent once, then one charge per attempt; plus list/retrieve of those objects."""

from __future__ import annotations

import secrets

from billing.sandbox.disputes import open_dispute
from billing.sandbox.encoding import as_bool, as_str
from billing.sandbox.errors import card_declined, invalid_request
from billing.sandbox.events import emit
from billing.sandbox.invoicing import default_payment_method_for, mark_paid
from billing.sandbox.listing import page_where, range_matches
from billing.sandbox.payment_methods import DECLINES_CHARGES, DISPUTES, card_behavior
from billing.sandbox.rendering import list_object, present, presenter
from billing.sandbox.routing import EXPAND, PAGINATION, SEARCH, Call, route
from billing.sandbox.search import search_result
from billing.sandbox.state import Json, State, new_id
from billing.sandbox.templates import new_object, template

DECLINE_MESSAGE = "Your card was declined."


def collect(state: State, invoice: Json, payment_method_id: str | None) -> Json | None:
    """One payment attempt on an open invoice. Returns the charge (None when there was no card to charge)."""
    now = state.now_for_customer(invoice["customer"])
    intent = _payment_intent_for(state, invoice, now)
    invoice["attempt_count"] += 1
    invoice["attempted"] = True
    if payment_method_id is None:
        _record_failure(state, invoice, intent, None)
        return None
    payment_method = state.get("payment_method", payment_method_id, param="payment_method")
    succeeds = card_behavior(payment_method) != DECLINES_CHARGES
    charge = _create_charge(state, intent, payment_method, succeeds, now)
    intent["latest_charge"] = charge["id"]
    intent["payment_method"] = payment_method["id"]
    if succeeds:
        _record_success(state, invoice, intent, now)
        if card_behavior(payment_method) == DISPUTES:
            open_dispute(state, charge)
    else:
        _record_failure(state, invoice, intent, charge)
    return charge


def _payment_intent_for(state: State, invoice: Json, now: int) -> Json:
    for payment in state.related("invoice_payment", "invoice", invoice["id"]):
        if payment["status"] == "open":
            return state.get("payment_intent", payment["payment"]["payment_intent"])
    intent = _create_payment_intent(state, invoice, now)
    invoice_payment = new_object(
        "invoice_payment",
        {
            "id": new_id("inpay"),
            "amount_paid": None,
            "amount_requested": invoice["amount_due"],
            "created": now,
            "currency": invoice["currency"],
            "invoice": invoice["id"],
            "is_default": True,
            "payment": {"payment_intent": intent["id"], "type": "payment_intent"},
            "status": "open",
            "status_transitions": {"canceled_at": None, "paid_at": None},
        },
    )
    state.add(invoice_payment)
    return intent


def _create_payment_intent(state: State, invoice: Json, now: int) -> Json:
    intent_id = new_id("pi")
    intent = new_object(
        "payment_intent",
        {
            "id": intent_id,
            "amount": invoice["amount_due"],
            "amount_capturable": 0,
            "amount_received": 0,
            "automatic_payment_methods": None,
            "canceled_at": None,
            "client_secret": f"{intent_id}_secret_{secrets.token_urlsafe(18)}",
            "created": now,
            "currency": invoice["currency"],
            "customer": invoice["customer"],
            "description": "Subscription creation"
            if invoice["billing_reason"] == "subscription_create"
            else "Subscription update",
            "last_payment_error": None,
            "latest_charge": None,
            "metadata": {},
            "next_action": None,
            "payment_method": None,
            "payment_method_configuration_details": None,
            "payment_method_options": {
                "card": {
                    "installments": None,
                    "mandate_options": None,
                    "network": None,
                    "request_three_d_secure": "automatic",
                }
            },
            "processing": None,
            "setup_future_usage": "off_session",
            "shipping": None,
            "status": "requires_payment_method",
            "transfer_data": None,
            "managed_payments": None,
        },
    )
    state.add(intent)
    emit(state, "payment_intent.created", intent)
    return intent


def _create_charge(state: State, intent: Json, payment_method: Json, succeeds: bool, now: int) -> Json:
    amount = intent["amount"]
    charge = new_object(
        "charge",
        {
            "id": new_id("ch"),
            "amount": amount,
            "amount_captured": amount if succeeds else 0,
            "amount_refunded": 0,
            "application": None,
            "application_fee": None,
            "application_fee_amount": None,
            "balance_transaction": new_id("txn") if succeeds else None,
            "billing_details": payment_method["billing_details"],
            "calculated_statement_descriptor": "BILLING OPS",
            "captured": succeeds,
            "created": now,
            "currency": intent["currency"],
            "customer": intent["customer"],
            "description": intent["description"],
            "disputed": False,
            "failure_code": None if succeeds else "card_declined",
            "failure_message": None if succeeds else DECLINE_MESSAGE,
            "fraud_details": {},
            "metadata": {},
            "outcome": _outcome(succeeds),
            "paid": succeeds,
            "payment_intent": intent["id"],
            "payment_method": payment_method["id"],
            "payment_method_details": _payment_method_details(payment_method, amount if succeeds else None),
            "receipt_email": None,
            "receipt_number": None,
            "receipt_url": f"{state.base_url}/receipts/payment/{secrets.token_urlsafe(24)}",
            "refunded": False,
            "review": None,
            "shipping": None,
            "source": None,
            "source_transfer": None,
            "status": "succeeded" if succeeds else "failed",
            "transfer_data": None,
        },
    )
    state.add(charge)
    emit(state, "charge.succeeded" if succeeds else "charge.failed", charge)
    return charge


def _outcome(succeeds: bool) -> Json:
    if succeeds:
        return {
            "advice_code": None,
            "network_advice_code": None,
            "network_decline_code": None,
            "network_status": "approved_by_network",
            "reason": None,
            "risk_level": "normal",
            "risk_score": 32,
            "seller_message": "Payment complete.",
            "type": "authorized",
        }
    return {
        "advice_code": "try_again_later",
        "network_advice_code": None,
        "network_decline_code": None,
        "network_status": "declined_by_network",
        "reason": "generic_decline",
        "risk_level": "normal",
        "risk_score": 41,
        "seller_message": "The bank did not return any further details with this decline.",
        "type": "issuer_declined",
    }


def _payment_method_details(payment_method: Json, authorized: int | None) -> Json:
    details = template("charge")["payment_method_details"]
    card = payment_method["card"]
    details["card"].update(
        amount_authorized=authorized,
        brand=card["brand"],
        country=card["country"],
        exp_month=card["exp_month"],
        exp_year=card["exp_year"],
        fingerprint=card["fingerprint"],
        funding=card["funding"],
        last4=card["last4"],
        network=card["brand"],
        three_d_secure=None,
        wallet=None,
        overcapture={"maximum_amount_capturable": authorized or 0, "status": "unavailable"},
    )
    details["type"] = "card"
    return details


def _record_success(state: State, invoice: Json, intent: Json, now: int) -> None:
    intent.update(status="succeeded", amount_received=intent["amount"], last_payment_error=None)
    emit(state, "payment_intent.succeeded", intent)
    for payment in state.related("invoice_payment", "invoice", invoice["id"]):
        if payment["payment"]["payment_intent"] == intent["id"]:
            payment.update(
                status="paid",
                amount_paid=intent["amount"],
                status_transitions={"canceled_at": None, "paid_at": now},
            )
            emit(state, "invoice_payment.paid", payment)
    mark_paid(state, invoice, now)


def _record_failure(state: State, invoice: Json, intent: Json, charge: Json | None) -> None:
    intent["status"] = "requires_payment_method"
    intent["last_payment_error"] = {
        "charge": charge["id"] if charge else None,
        "code": "card_declined" if charge else "payment_intent_payment_attempt_failed",
        "decline_code": "generic_decline" if charge else None,
        "doc_url": "https://docs.stripe.com/error-codes/card-declined",
        "message": DECLINE_MESSAGE if charge else "The customer has no default payment method.",
        "payment_method": present(state, state.get("payment_method", charge["payment_method"]))
        if charge
        else None,
        "type": "card_error" if charge else "invalid_request_error",
    }
    emit(state, "payment_intent.payment_failed", intent)
    state.get("customer", invoice["customer"])["delinquent"] = True
    emit(state, "invoice.payment_failed", invoice)


@presenter("charge")
def _present_charge(state: State, charge: Json, include: frozenset[str]) -> Json:
    refunds = state.related("refund", "charge", charge["id"])
    return {
        **charge,
        "refunds": list_object(state, state.newest_first(refunds), f"/v1/charges/{charge['id']}/refunds"),
    }


def pay_invoice(call: Call) -> Json:
    state, params = call.state, call.params
    invoice = state.get("invoice", call.arg("id"))
    if invoice["status"] == "paid":
        raise invalid_request("Invoice is already paid", code="invoice_already_paid")
    if invoice["status"] != "open":
        raise invalid_request(f"You cannot pay an invoice with status {invoice['status']}.")
    if as_bool(params, "paid_out_of_band"):
        mark_paid(state, invoice, state.now_for_customer(invoice["customer"]))
        return present(state, invoice, call.expand)
    payment_method_id = as_str(params, "payment_method") or default_payment_method_for(state, invoice)
    charge = collect(state, invoice, payment_method_id)
    if invoice["status"] != "paid":
        raise card_declined(DECLINE_MESSAGE, charge_id=charge["id"] if charge else None)
    return present(state, invoice, call.expand)


def retrieve_invoice_payment(call: Call) -> Json:
    return present(call.state, call.state.get("invoice_payment", call.arg("id")), call.expand)


def list_invoice_payments(call: Call) -> Json:
    invoice = as_str(call.params, "invoice")
    among = call.state.related("invoice_payment", "invoice", invoice) if invoice else None
    return page_where(
        call.state, "invoice_payment", lambda _: True, call.params, "/v1/invoice_payments", among
    )


def retrieve_payment_intent(call: Call) -> Json:
    return present(call.state, call.state.get("payment_intent", call.arg("id")), call.expand)


def list_payment_intents(call: Call) -> Json:
    params = call.params
    customer = as_str(params, "customer")

    def keep(intent: Json) -> bool:
        if customer and intent["customer"] != customer:
            return False
        return range_matches(intent["created"], params.get("created"), "created")

    among = call.state.related("payment_intent", "customer", customer) if customer else None
    return page_where(call.state, "payment_intent", keep, params, "/v1/payment_intents", among)


def retrieve_charge(call: Call) -> Json:
    return present(call.state, call.state.get("charge", call.arg("id")), call.expand)


def list_charges(call: Call) -> Json:
    params = call.params
    customer, intent = as_str(params, "customer"), as_str(params, "payment_intent")

    def keep(charge: Json) -> bool:
        if customer and charge["customer"] != customer:
            return False
        if intent and charge["payment_intent"] != intent:
            return False
        return range_matches(charge["created"], params.get("created"), "created")

    among = call.state.related("charge", "customer", customer) if customer else None
    return page_where(call.state, "charge", keep, params, "/v1/charges", among)


def search_charges(call: Call) -> Json:
    fields = frozenset(
        {
            "customer",
            "status",
            "amount",
            "created",
            "currency",
            "payment_intent",
            "disputed",
            "refunded",
            # Stripe's documented nested field ("Charges last4 search"); others are refused.
            "payment_method_details.card.last4",
        }
    )
    return search_result(call.state, call.state.all("charge"), call.params, "/v1/charges/search", fields)


ROUTES = [
    route(
        "POST",
        "/v1/invoices/{id}/pay",
        "InvoicePayParams",
        pay_invoice,
        implements=(*EXPAND, "paid_out_of_band", "payment_method"),
    ),
    route(
        "GET",
        "/v1/invoice_payments",
        "InvoicePaymentListParams",
        list_invoice_payments,
        implements=(*PAGINATION, "invoice"),
    ),
    route(
        "GET",
        "/v1/invoice_payments/{id}",
        "InvoicePaymentRetrieveParams",
        retrieve_invoice_payment,
        implements=EXPAND,
    ),
    route(
        "GET",
        "/v1/payment_intents",
        "PaymentIntentListParams",
        list_payment_intents,
        implements=(*PAGINATION, "customer", "created"),
    ),
    route(
        "GET",
        "/v1/payment_intents/{id}",
        "PaymentIntentRetrieveParams",
        retrieve_payment_intent,
        implements=EXPAND,
    ),
    route(
        "GET",
        "/v1/charges",
        "ChargeListParams",
        list_charges,
        implements=(*PAGINATION, "customer", "payment_intent", "created"),
    ),
    route("GET", "/v1/charges/search", "ChargeSearchParams", search_charges, implements=SEARCH),
    route("GET", "/v1/charges/{id}", "ChargeRetrieveParams", retrieve_charge, implements=EXPAND),
]
