"""Invoice items (`GET /v1/invoiceitems`): the prorations a subscription change left for the next invoice, and
the ones an invoice has taken."""

from __future__ import annotations

from billing.sandbox.encoding import as_bool, as_str
from billing.sandbox.listing import page_where
from billing.sandbox.rendering import present
from billing.sandbox.routing import EXPAND, PAGINATION, Call, route
from billing.sandbox.state import Json


def list_invoice_items(call: Call) -> Json:
    params = call.params
    customer, invoice = as_str(params, "customer"), as_str(params, "invoice")
    pending = as_bool(params, "pending") if "pending" in params else None

    def keep(item: Json) -> bool:
        if customer and item["customer"] != customer:
            return False
        if invoice and item["invoice"] != invoice:
            return False
        # Stripe: `pending=true` lists the items no invoice has taken yet, `false` the invoiced ones.
        return pending is None or (item["invoice"] is None) == pending

    among = call.state.related("invoiceitem", "customer", customer) if customer else None
    return page_where(call.state, "invoiceitem", keep, params, "/v1/invoiceitems", among)


def retrieve_invoice_item(call: Call) -> Json:
    return present(call.state, call.state.get("invoiceitem", call.arg("id")), call.expand)


ROUTES = [
    route(
        "GET",
        "/v1/invoiceitems",
        "InvoiceItemListParams",
        list_invoice_items,
        implements=(*PAGINATION, "customer", "invoice", "pending"),
    ),
    route(
        "GET", "/v1/invoiceitems/{id}", "InvoiceItemRetrieveParams", retrieve_invoice_item, implements=EXPAND
    ),
]
