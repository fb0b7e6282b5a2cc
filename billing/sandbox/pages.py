"""The customer-facing pages behind the URLs the API hands out (portal sessions, hosted invoices), so the
offline demo can open them: plain HTML showing what the customer would be able to do."""

from __future__ import annotations

import html

from billing.sandbox.api import Response
from billing.sandbox.state import Json, State

_FEATURES = {
    "subscription_cancel": "Cancel subscription",
    "payment_method_update": "Update payment method",
    "invoice_history": "Invoice history",
    "subscription_update": "Change plan",
    "customer_update": "Update billing details",
}


def hosted_page(state: State, method: str, path: str) -> Response | None:
    if method != "GET":
        return None
    with state.lock:
        if path.startswith("/p/session/"):
            return _portal_page(state, state.base_url + path)
        if path.startswith("/i/"):
            return _invoice_page(state, path.split("/")[2])
    return None


def _portal_page(state: State, url: str) -> Response:
    session = next((s for s in state.all("billing_portal.session") if s["url"] == url), None)
    if session is None:
        return _html(404, "Portal session not found", "<p>This link has expired or never existed.</p>")
    customer = state.get("customer", session["customer"])
    features = state.get("billing_portal.configuration", session["configuration"])["features"]
    rows = "".join(
        f"<li>{label}: <b>{'available' if features[key]['enabled'] else 'not offered'}</b></li>"
        for key, label in _FEATURES.items()
    )
    subscriptions = "".join(
        f"<li>{html.escape(s['id'])}: {s['status']}</li>"
        for s in state.all("subscription")
        if s["customer"] == customer["id"] and s["status"] != "canceled"
    )
    body = (
        f"<p>Customer portal for {html.escape(customer['email'] or customer['id'])}</p>"
        f"<h2>Subscriptions</h2><ul>{subscriptions or '<li>none</li>'}</ul><h2>Features</h2><ul>{rows}</ul>"
    )
    return _html(200, "Customer portal (sandbox)", body)


def _invoice_page(state: State, invoice_id: str) -> Response:
    invoice: Json | None = state.find(invoice_id)
    if invoice is None or invoice["object"] != "invoice":
        return _html(404, "Invoice not found", "<p>No such invoice.</p>")
    amount = f"{invoice['amount_due']} {invoice['currency'].upper()} (minor units)"
    body = f"<p>Invoice {html.escape(invoice['number'] or invoice['id'])}: {invoice['status']}, {amount}</p>"
    return _html(200, "Invoice (sandbox)", body)


def _html(status: int, title: str, body: str) -> Response:
    page = f"<!doctype html><title>{title}</title><h1>{title}</h1>{body}"
    return Response(status, page.encode(), {}, content_type="text/html; charset=utf-8")
