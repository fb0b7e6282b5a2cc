"""The portal-session and hosted-invoice URLs open a page on the sandbox itself (no API key needed)."""

from __future__ import annotations

import urllib.request

import stripe

from billing.sandbox import SandboxServer


def _get(url: str) -> tuple[str, str]:
    with urllib.request.urlopen(url, timeout=5) as response:
        return response.headers["Content-Type"], response.read().decode()


def test_portal_page_shows_what_the_customer_can_do(
    demo_sandbox: SandboxServer, demo_stripe_client: stripe.StripeClient
) -> None:
    nora = demo_stripe_client.v1.customers.list(params={"email": "nora@example.com"}).data[0]
    session = demo_stripe_client.v1.billing_portal.sessions.create(
        params={"customer": nora.id, "return_url": "https://example.com/account"}
    )
    assert session.url.startswith(demo_sandbox.base_url + "/p/session/")
    content_type, page = _get(session.url)
    assert content_type.startswith("text/html")
    assert "Cancel subscription: <b>not offered</b>" in page
    assert "Update payment method: <b>available</b>" in page


def test_hosted_invoice_page(demo_stripe_client: stripe.StripeClient) -> None:
    invoice = demo_stripe_client.v1.invoices.list(params={"status": "open", "limit": 1}).data[0]
    _, page = _get(str(invoice.hosted_invoice_url))
    assert f"{invoice.number}: open" in page
