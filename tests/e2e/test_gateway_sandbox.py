"""The real StripeGateway's reads, writes and iterators against the bundled sandbox (demo seed)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit

import pytest
import stripe

from billing.action_models import ActionKind
from billing.actions import ActionService
from billing.case_actions import ActionPolicy
from billing.clock import SystemClock
from billing.errors import ObjectNotFound, StripeRefused
from billing.gateway import StripeGateway
from billing.lookup import LookupService
from billing.models import Bucket, Customer
from billing.sandbox import SandboxServer, running_sandbox
from billing.store import Store


def only(gateway: StripeGateway, email: str) -> Customer:
    [customer] = gateway.find_customers_by_email(email)
    return customer


def test_email_listing_carries_the_card_summary(gateway: StripeGateway) -> None:
    jane = only(gateway, "jane@example.com")
    assert jane.default_payment_method is not None
    assert (jane.default_payment_method.brand, jane.default_payment_method.last4) == ("visa", "4242")
    # One match: its subscriptions come with the card's next round, not embedded in this listing.
    assert jane.subscription_count is None
    assert gateway.livemode is False


def test_customers_sharing_an_email_carry_their_subscription_counts(gateway: StripeGateway) -> None:
    shared = gateway.find_customers_by_email("shared@example.com")
    assert len(shared) == 2
    assert [customer.subscription_count for customer in shared] == [
        len(gateway.load_billing_records(customer).subscriptions) for customer in shared
    ]


def test_customer_id_for_each_kind_of_object(gateway: StripeGateway) -> None:
    sam = only(gateway, "sam@example.com")
    records = gateway.load_billing_records(sam)
    charge = records.charges[0]
    ids = [records.subscriptions[0].id, records.invoices[0].id, charge.id, charge.payment_intent_id]
    assert [gateway.customer_id_for(object_id or "") for object_id in ids] == [sam.id] * 4
    assert gateway.customer_for(records.invoices[0].id).email == "sam@example.com"


def test_unknown_ids_are_object_not_found(gateway: StripeGateway) -> None:
    with pytest.raises(ObjectNotFound):
        gateway.get_customer("cus_DoesNotExist1")
    with pytest.raises(ObjectNotFound):
        gateway.customer_id_for("sub_DoesNotExist1")


def test_past_due_records_link_invoice_subscription_and_payment(gateway: StripeGateway) -> None:
    records = gateway.load_billing_records(only(gateway, "sam@example.com"))
    [sub] = records.subscriptions
    [open_invoice] = [invoice for invoice in records.invoices if invoice.status == "open"]
    assert sub.status == "past_due"
    assert open_invoice.subscription_id == sub.id
    assert open_invoice.id == sub.latest_invoice_id
    failed = [charge for charge in records.charges if charge.status == "failed"]
    assert failed and {charge.payment_intent_id for charge in failed} <= set(open_invoice.payment_intent_ids)


def test_dispute_is_found_for_its_customer_only(gateway: StripeGateway) -> None:
    dana = gateway.load_billing_records(only(gateway, "dana@example.com"))
    jane = gateway.load_billing_records(only(gateway, "jane@example.com"))
    assert [d.is_open for d in dana.disputes] == [True]
    assert jane.disputes == []


def test_portal_configuration_has_cancellation_disabled(gateway: StripeGateway) -> None:
    [config] = gateway.list_portal_configurations()
    assert (config.is_default, config.subscription_cancel, config.payment_method_update) == (
        True,
        False,
        True,
    )


def test_listed_disputes_name_their_customer_and_listed_customers_carry_their_default_card(
    gateway: StripeGateway,
) -> None:
    dana = only(gateway, "dana@example.com")
    assert [(dispute.customer_id, dispute.is_open) for dispute in gateway.iter_disputes()] == [
        (dana.id, True)
    ]
    cards = {customer.email: customer.default_payment_method for _, customer in gateway.iter_subscriptions()}
    kenji_card = cards["kenji@example.jp"]
    assert kenji_card is not None and kenji_card.brand == "jcb"
    assert cards["sam@example.com"] is not None  # the failing card Sam's customer record now defaults to


def test_iterators_cover_the_account(gateway: StripeGateway) -> None:
    pairs = list(gateway.iter_subscriptions(status="all"))
    emails = {customer.email for _, customer in pairs}
    assert {"jane@example.com", "team@acme.example", "kenji@example.jp"} <= emails
    open_invoices = {invoice.customer_id for invoice in gateway.iter_invoices(status="open")}
    assert only(gateway, "sam@example.com").id in open_invoices
    assert len(list(gateway.iter_disputes())) == 1
    assert any(charge.status == "failed" for charge in gateway.iter_charges())


def test_refund_is_idempotent_and_shows_up_on_the_charge(gateway: StripeGateway) -> None:
    yuki = only(gateway, "yuki.annual@example.com")
    [charge] = gateway.load_billing_records(yuki).charges
    first = gateway.refund_charge(
        charge.id,
        amount=500,
        reason="requested_by_customer",
        metadata={"case": "E2E"},
        idempotency_key="e2e-r1",
    )
    again = gateway.refund_charge(
        charge.id,
        amount=500,
        reason="requested_by_customer",
        metadata={"case": "E2E"},
        idempotency_key="e2e-r1",
    )
    assert first.id == again.id
    assert gateway.get_charge(charge.id).amount_refunded == 500
    with pytest.raises(StripeRefused):
        gateway.refund_charge(
            charge.id, amount=10**9, reason="duplicate", metadata={}, idempotency_key="e2e-r2"
        )


def test_cancel_at_period_end_then_immediately(gateway: StripeGateway) -> None:
    [sub] = gateway.load_billing_records(only(gateway, "octo@example.com")).subscriptions
    scheduled = gateway.cancel_subscription(
        sub.id, at_period_end=True, idempotency_key="e2e-c1", comment="E2E"
    )
    assert (scheduled.status, scheduled.cancel_at_period_end) == ("active", True)
    canceled = gateway.cancel_subscription(sub.id, at_period_end=False, idempotency_key="e2e-c2")
    assert canceled.status == "canceled"
    assert gateway.get_subscription(sub.id).status == "canceled"


def test_paying_a_declined_invoice_is_refused() -> None:
    with running_sandbox(seed="demo") as server:
        gateway = StripeGateway(server.api_key, api_base=server.base_url, max_retries=0)
        [open_invoice] = list(gateway.iter_invoices(status="open"))[:1]
        with pytest.raises(StripeRefused) as raised:
            gateway.pay_invoice(open_invoice.id, idempotency_key="e2e-p1")
        gateway.close()
    assert raised.value.code == "card_declined"


def test_paying_after_a_lookup_by_invoice_id_is_refused_as_declined_not_missing() -> None:
    with running_sandbox(seed="demo") as server:
        gateway = StripeGateway(server.api_key, api_base=server.base_url, max_retries=0)
        [open_invoice] = list(gateway.iter_invoices(status="open"))[:1]
        # Retrieves the invoice expanding customer.invoice_settings.default_payment_method.
        gateway.customer_for(open_invoice.id)
        with pytest.raises(StripeRefused):
            gateway.pay_invoice(open_invoice.id, idempotency_key="e2e-p2")
        gateway.close()


def test_portal_session_for_a_customer(gateway: StripeGateway) -> None:
    nora = only(gateway, "nora@example.com")
    session = gateway.create_portal_session(nora.id, return_url="https://example.com/account")
    assert session.customer_id == nora.id and session.url.startswith("http")


class RecordingHttpClient(stripe.RequestsClient):
    """stripe-python's own HTTP client, keeping each write's path and the Request-Id Stripe answered with."""

    def __init__(self) -> None:
        super().__init__(timeout=5)
        self.write_request_ids: list[tuple[str, str]] = []

    # RequestsClient itself narrows HTTPClient.request (no `_usage`); this matches RequestsClient.
    def request(  # type: ignore[override]
        self, method: str, url: str, headers: Mapping[str, str] | None, post_data: Any = None
    ) -> tuple[bytes, int, Mapping[str, str]]:
        content, status, response_headers = super().request(method, url, headers, post_data)
        if method.lower() in ("post", "delete"):
            self.write_request_ids.append((urlsplit(url).path, response_headers["Request-Id"]))
        return content, status, response_headers


def test_action_succeeded_audit_row_carries_the_request_ids_stripe_sent(demo_sandbox: SandboxServer) -> None:
    http = RecordingHttpClient()
    gateway = StripeGateway(
        demo_sandbox.api_key, api_base=demo_sandbox.base_url, max_retries=0, http_client=http
    )
    clock = SystemClock()
    store = Store(":memory:", clock)
    lookup = LookupService(gateway, clock)
    service = ActionService(gateway, store, lookup, clock, ActionPolicy(operators=["U0OPERATOR"]))
    jane = only(gateway, "jane@example.com")
    newer = max(gateway.load_billing_records(jane).subscriptions, key=lambda sub: sub.created)
    case_id = store.open_case(
        customer_id=jane.id, query=jane.id, matched_on="email", suggested_bucket=None, opened_by="U0OPERATOR"
    )
    service.classify(case_id, Bucket.DUPLICATE, "U0OPERATOR")

    pending = service.request(case_id, ActionKind.CANCEL_AND_REFUND, newer.id, "U0OPERATOR")
    outcome = service.confirm(pending.nonce, "U0OPERATOR")

    [cancel, refund] = http.write_request_ids
    assert cancel[0] == f"/v1/subscriptions/{newer.id}" and refund[0] == "/v1/refunds"
    assert outcome.subscription is not None and outcome.subscription.stripe_request_id == cancel[1]
    assert outcome.refund is not None and outcome.refund.stripe_request_id == refund[1]
    [succeeded] = [row for row in store.audit_rows(case_id=case_id) if row["event"] == "action_succeeded"]
    assert succeeded["stripe_request_id"] == f"{cancel[1]},{refund[1]}"
    assert cancel[1].startswith("req_") and cancel[1] != refund[1]


def test_a_coupon_on_a_subscription_lowers_its_mrr_in_the_lookup_and_the_account_listing(
    demo_sandbox: SandboxServer, demo_stripe_client: stripe.StripeClient
) -> None:
    [pat] = demo_stripe_client.v1.customers.list(params={"email": "pat@example.com"}).data
    [sub] = demo_stripe_client.v1.subscriptions.list(params={"customer": pat.id}).data
    coupon = demo_stripe_client.v1.coupons.create(params={"percent_off": 25, "duration": "forever"})
    demo_stripe_client.v1.subscriptions.update(sub.id, params={"discounts": [{"coupon": coupon.id}]})
    gateway = StripeGateway(demo_sandbox.api_key, api_base=demo_sandbox.base_url, max_retries=0)
    try:
        [looked_up] = gateway.load_billing_records(gateway.get_customer(pat.id)).subscriptions
        [listed] = [s for s, _ in gateway.iter_subscriptions(status="all") if s.id == sub.id]
    finally:
        gateway.close()
    assert looked_up.monthly_recurring_revenue().amount == 1500  # $20.00/mo, 25% off
    assert listed.monthly_recurring_revenue().amount == 1500
    assert looked_up.coupon_ids == [coupon.id]
