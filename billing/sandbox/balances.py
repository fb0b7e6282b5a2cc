"""Customer balance transactions: adjustments an operator makes (`POST /v1/customers/{id}/balance_transactions`)
and what invoice finalization applies. `customer.balance` moves with each; negative is credit the customer has."""

from __future__ import annotations

from billing.sandbox.encoding import as_int, as_metadata, as_str, merge_metadata
from billing.sandbox.errors import invalid_request, missing_param
from billing.sandbox.events import changed, emit
from billing.sandbox.invoicing import BALANCE_HOOKS
from billing.sandbox.listing import page
from billing.sandbox.rendering import present
from billing.sandbox.routing import EXPAND, PAGINATION, Call, route
from billing.sandbox.state import Json, State, new_id
from billing.sandbox.templates import new_object

_KIND = "customer_balance_transaction"


def record(
    state: State,
    customer: Json,
    amount: int,
    kind: str,
    *,
    currency: str,
    at: int,
    invoice: str | None = None,
    credit_note: str | None = None,
    description: str | None = None,
    metadata: dict[str, str] | None = None,
) -> Json:
    before = dict(customer)
    ending = int(customer["balance"]) + amount
    transaction = new_object(
        _KIND,
        {
            "id": new_id("cbtxn"),
            "amount": amount,
            "checkout_session": None,
            "created": at,
            "credit_note": credit_note,
            "currency": currency,
            "customer": customer["id"],
            "customer_account": None,
            "description": description,
            "ending_balance": ending,
            "invoice": invoice,
            "metadata": metadata or {},
            "type": kind,
        },
    )
    state.add(transaction)
    customer["balance"] = ending
    if customer["currency"] is None:
        customer["currency"] = currency
    emit(state, "customer.updated", customer, changed(before, customer))
    return transaction


def _applied_to_invoice(state: State, customer: Json, amount: int, invoice: Json, at: int) -> None:
    record(
        state,
        customer,
        amount,
        "applied_to_invoice",
        currency=invoice["currency"],
        at=at,
        invoice=invoice["id"],
    )


BALANCE_HOOKS.append(_applied_to_invoice)


def create_transaction(call: Call) -> Json:
    state, params = call.state, call.params
    customer = state.get("customer", call.arg("customer"))
    amount = as_int(params, "amount")
    if amount is None:
        raise missing_param("amount")
    if amount == 0:
        raise invalid_request("The amount must be a non-zero integer.", param="amount")
    currency = (as_str(params, "currency") or "").lower()
    if not currency:
        raise missing_param("currency")
    if customer["currency"] not in (None, currency):
        raise invalid_request(
            f"The currency {currency} does not match the customer's currency {customer['currency']}.",
            param="currency",
        )
    transaction = record(
        state,
        customer,
        amount,
        "adjustment",
        currency=currency,
        at=state.now(customer["test_clock"]),
        description=as_str(params, "description"),
        metadata=as_metadata(params),
    )
    return present(state, transaction, call.expand)


def _owned(call: Call) -> Json:
    customer = call.state.get("customer", call.arg("customer"))
    transaction = call.state.get(_KIND, call.arg("id"))
    if transaction["customer"] != customer["id"]:
        raise invalid_request(f"No such customer balance transaction: '{transaction['id']}'", param="id")
    return transaction


def retrieve_transaction(call: Call) -> Json:
    return present(call.state, _owned(call), call.expand)


def update_transaction(call: Call) -> Json:
    transaction = _owned(call)
    if "description" in call.params:
        transaction["description"] = as_str(call.params, "description")
    transaction["metadata"] = merge_metadata(transaction["metadata"] or {}, as_metadata(call.params))
    return present(call.state, transaction, call.expand)


def list_transactions(call: Call) -> Json:
    customer = call.state.get("customer", call.arg("customer"))
    invoice = as_str(call.params, "invoice")
    found = [
        transaction
        for transaction in call.state.related(_KIND, "customer", customer["id"])
        if invoice is None or transaction["invoice"] == invoice
    ]
    return page(call.state, found, call.params, f"/v1/customers/{customer['id']}/balance_transactions")


_PATH = "/v1/customers/{customer}/balance_transactions"

ROUTES = [
    route(
        "POST",
        _PATH,
        "CustomerBalanceTransactionCreateParams",
        create_transaction,
        implements=(*EXPAND, "amount", "currency", "description", "metadata"),
    ),
    route(
        "GET",
        _PATH,
        "CustomerBalanceTransactionListParams",
        list_transactions,
        implements=(*PAGINATION, "invoice"),
    ),
    route(
        "GET",
        _PATH + "/{id}",
        "CustomerBalanceTransactionRetrieveParams",
        retrieve_transaction,
        implements=EXPAND,
    ),
    route(
        "POST",
        _PATH + "/{id}",
        "CustomerBalanceTransactionUpdateParams",
        update_transaction,
        implements=(*EXPAND, "description", "metadata"),
    ),
]
