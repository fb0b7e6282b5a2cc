"""Accepting a dispute, sending an invoice (collection_method=send_invoice), portal deep links with flow_data,
and the portal's return URL, as Stripe does them."""

from __future__ import annotations

import pytest
import stripe

from tests.sandbox.support import event_types, make_customer, make_price, raw, subscribe

RETURN_URL = "https://example.com/account"


# --- disputes.close ----------------------------------------------------------------------------------------


def test_closing_a_dispute_accepts_the_loss_once(stripe_client: stripe.StripeClient) -> None:
    subscribe(
        stripe_client, make_customer(stripe_client, card="pm_card_createDispute"), make_price(stripe_client)
    )
    dispute = stripe_client.v1.disputes.list().data[0]
    assert dispute.status == "needs_response"

    closed = stripe_client.v1.disputes.close(dispute.id, options={"idempotency_key": "accept"})
    again = stripe_client.v1.disputes.close(dispute.id, options={"idempotency_key": "accept"})

    assert raw(again) == raw(closed)
    assert (closed.status, closed.is_charge_refundable) == ("lost", False)
    assert "charge.dispute.closed" in event_types(stripe_client)
    with pytest.raises(stripe.InvalidRequestError):
        stripe_client.v1.disputes.close(dispute.id)


# --- collection_method=send_invoice and invoices.send_invoice ----------------------------------------------


def test_a_send_invoice_subscription_is_active_unpaid_and_its_invoice_can_be_sent(
    stripe_client: stripe.StripeClient,
) -> None:
    customer = make_customer(stripe_client, card=None, email="ap@example.com")
    subscription = subscribe(
        stripe_client,
        customer,
        make_price(stripe_client),
        collection_method="send_invoice",
        days_until_due=30,
    )
    invoice = stripe_client.v1.invoices.retrieve(str(subscription.latest_invoice))
    assert (subscription.status, subscription.collection_method, subscription.days_until_due) == (
        "active",
        "send_invoice",
        30,
    )
    assert (invoice.status, invoice.collection_method, invoice.attempt_count) == ("open", "send_invoice", 0)
    assert invoice.due_date == invoice.effective_at + 30 * 24 * 3600  # type: ignore[operator]

    sent = stripe_client.v1.invoices.send_invoice(invoice.id, options={"idempotency_key": "send"})
    stripe_client.v1.invoices.send_invoice(invoice.id, options={"idempotency_key": "send"})
    assert sent.id == invoice.id
    assert event_types(stripe_client, type="invoice.sent") == ["invoice.sent"]


def test_send_invoice_is_refused_for_automatic_collection_and_days_are_required(
    stripe_client: stripe.StripeClient,
) -> None:
    subscription = subscribe(stripe_client, make_customer(stripe_client), make_price(stripe_client))
    with pytest.raises(stripe.InvalidRequestError) as raised:
        stripe_client.v1.invoices.send_invoice(str(subscription.latest_invoice))
    assert "collection method is 'send_invoice'" in str(raised.value.user_message)
    with pytest.raises(stripe.InvalidRequestError) as missing:
        stripe_client.v1.subscriptions.update(subscription.id, params={"collection_method": "send_invoice"})
    assert missing.value.param == "days_until_due"
    switched = stripe_client.v1.subscriptions.update(
        subscription.id, params={"collection_method": "send_invoice", "days_until_due": 14}
    )
    assert (switched.collection_method, switched.days_until_due) == ("send_invoice", 14)


# --- portal sessions: flow_data and return_url -------------------------------------------------------------


@pytest.fixture
def configuration(stripe_client: stripe.StripeClient) -> stripe.billing_portal.Configuration:
    return stripe_client.v1.billing_portal.configurations.create(
        params={
            "features": {
                "payment_method_update": {"enabled": True},
                "subscription_cancel": {"enabled": True, "mode": "at_period_end"},
            },
        }
    )


def test_a_payment_method_update_deep_link(
    stripe_client: stripe.StripeClient, configuration: stripe.billing_portal.Configuration
) -> None:
    customer = make_customer(stripe_client)
    session = stripe_client.v1.billing_portal.sessions.create(
        params={
            "customer": customer.id,
            "return_url": RETURN_URL,
            "flow_data": {
                "type": "payment_method_update",
                "after_completion": {"type": "redirect", "redirect": {"return_url": RETURN_URL + "?done=1"}},
            },
        }
    )
    assert session.flow is not None and session.flow.type == "payment_method_update"
    assert session.flow.after_completion.type == "redirect"
    assert session.flow.after_completion.redirect is not None
    assert session.flow.after_completion.redirect.return_url == RETURN_URL + "?done=1"
    assert (session.return_url, session.configuration) == (RETURN_URL, configuration.id)


def test_a_subscription_cancel_deep_link_names_a_live_subscription_of_the_customer(
    stripe_client: stripe.StripeClient, configuration: stripe.billing_portal.Configuration
) -> None:
    customer = make_customer(stripe_client)
    subscription = subscribe(stripe_client, customer, make_price(stripe_client))
    session = stripe_client.v1.billing_portal.sessions.create(
        params={
            "customer": customer.id,
            "return_url": RETURN_URL,
            "flow_data": {
                "type": "subscription_cancel",
                "subscription_cancel": {"subscription": subscription.id},
            },
        }
    )
    assert session.flow is not None and session.flow.subscription_cancel is not None
    assert session.flow.subscription_cancel.subscription == subscription.id
    assert session.flow.after_completion.type == "portal_homepage"

    other = make_customer(stripe_client)
    with pytest.raises(stripe.InvalidRequestError) as raised:
        stripe_client.v1.billing_portal.sessions.create(
            params={
                "customer": other.id,
                "return_url": RETURN_URL,
                "flow_data": {
                    "type": "subscription_cancel",
                    "subscription_cancel": {"subscription": subscription.id},
                },
            }
        )
    assert raised.value.param == "flow_data[subscription_cancel][subscription]"


def test_a_flow_for_a_feature_the_configuration_disables_is_refused(
    stripe_client: stripe.StripeClient,
) -> None:
    stripe_client.v1.billing_portal.configurations.create(
        params={"features": {"payment_method_update": {"enabled": True}}}
    )
    customer = make_customer(stripe_client)
    subscription = subscribe(stripe_client, customer, make_price(stripe_client))
    with pytest.raises(stripe.InvalidRequestError) as raised:
        stripe_client.v1.billing_portal.sessions.create(
            params={
                "customer": customer.id,
                "return_url": RETURN_URL,
                "flow_data": {
                    "type": "subscription_cancel",
                    "subscription_cancel": {"subscription": subscription.id},
                },
            }
        )
    assert raised.value.param == "flow_data[type]"


def test_flows_the_sandbox_does_not_emulate_are_refused(
    stripe_client: stripe.StripeClient, configuration: stripe.billing_portal.Configuration
) -> None:
    customer = make_customer(stripe_client)
    with pytest.raises(stripe.InvalidRequestError) as raised:
        stripe_client.v1.billing_portal.sessions.create(
            params={
                "customer": customer.id,
                "return_url": RETURN_URL,
                "flow_data": {"type": "subscription_update"},
            }
        )
    assert raised.value.param == "flow_data[type]"
    assert "this sandbox does not implement it" in str(raised.value.user_message)


def test_a_session_needs_a_return_url_unless_the_configuration_has_a_default(
    stripe_client: stripe.StripeClient, configuration: stripe.billing_portal.Configuration
) -> None:
    customer = make_customer(stripe_client)
    with pytest.raises(stripe.InvalidRequestError) as raised:
        stripe_client.v1.billing_portal.sessions.create(params={"customer": customer.id})
    assert raised.value.param == "return_url"

    stripe_client.v1.billing_portal.configurations.update(
        configuration.id, params={"default_return_url": RETURN_URL}
    )
    session = stripe_client.v1.billing_portal.sessions.create(params={"customer": customer.id})
    assert session.return_url == RETURN_URL


def test_a_portal_session_replays_under_its_idempotency_key(
    stripe_client: stripe.StripeClient, configuration: stripe.billing_portal.Configuration
) -> None:
    customer = make_customer(stripe_client)
    params: stripe.params.billing_portal.SessionCreateParams = {
        "customer": customer.id,
        "return_url": RETURN_URL,
        "flow_data": {"type": "payment_method_update"},
    }
    first = stripe_client.v1.billing_portal.sessions.create(params=params, options={"idempotency_key": "pm"})
    second = stripe_client.v1.billing_portal.sessions.create(params=params, options={"idempotency_key": "pm"})
    assert raw(second) == raw(first)
    assert second.last_response.headers.get("Idempotent-Replayed") == "true"  # type: ignore[union-attr]


def test_a_configuration_update_changes_only_the_features_it_names(
    stripe_client: stripe.StripeClient, configuration: stripe.billing_portal.Configuration
) -> None:
    updated = stripe_client.v1.billing_portal.configurations.update(
        configuration.id, params={"features": {"subscription_cancel": {"enabled": False}}}
    )
    assert updated.features.subscription_cancel.enabled is False
    assert updated.features.payment_method_update.enabled is True
