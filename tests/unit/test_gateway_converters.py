"""The _to_* converters on objects shaped like the pinned API version (fixtures3.json)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import stripe
from stripe._util import convert_to_stripe_object

from billing.gateway import convert as gateway
from billing.models import CardSummary
from tests.unit.test_gateway_fakes import fixture

VISA = CardSummary(brand="visa", last4="4242", exp_month=8, exp_year=2030)


def stripe_object(name: str, **overrides: Any) -> Any:
    return stripe_object_from(fixture(name, **overrides))


def stripe_object_from(raw: dict[str, Any]) -> Any:
    """The typed resource class (stripe.Customer, stripe.Event, ...) chosen by the `object` field."""
    return convert_to_stripe_object(raw)


def test_subscription_period_comes_from_its_items() -> None:
    raw = fixture("subscription", status="past_due", cancel_at_period_end=False, latest_invoice="in_Late0001")
    raw["items"]["data"][0]["current_period_start"] = 1_761_955_200  # 2025-11-01
    raw["items"]["data"][0]["current_period_end"] = 1_764_547_200  # 2025-12-01
    sub = gateway._to_subscription(stripe_object_from(raw), {"prod_QXg1hqf4jFNsqG": "Pro"})
    assert sub.status == "past_due"
    assert sub.latest_invoice_id == "in_Late0001"
    assert (
        sub.current_period_end is not None
        and sub.current_period_end.isoformat() == "2025-12-01T00:00:00+00:00"
    )
    item = sub.items[0]
    assert (item.price.id, item.price.product_name, item.price.unit_amount, item.price.interval) == (
        "price_1PgafmB7WZ01zgkW6dKueIc5",
        "Pro",
        2000,
        "month",
    )
    assert sub.monthly_recurring_revenue().amount == 2000


def test_subscription_default_card_keeps_only_brand_last4_and_expiry() -> None:
    sub = gateway._to_subscription(
        stripe_object("subscription", default_payment_method=fixture("payment_method")), {}
    )
    assert sub.default_payment_method == VISA
    assert "fingerprint" not in sub.model_dump_json()


def test_invoice_subscription_and_payment_intents_come_from_parent_and_payments() -> None:
    raw = fixture(
        "invoice",
        status="open",
        attempt_count=2,
        parent={
            "type": "subscription_details",
            "quote_details": None,
            "subscription_details": {"metadata": {}, "subscription": "sub_Pro00001"},
        },
        payments=page_of(
            {
                **fixture("invoice_payment"),
                "payment": {"type": "payment_intent", "payment_intent": "pi_Late0001"},
            }
        ),
    )
    invoice = gateway._to_invoice(stripe_object_from(raw))
    assert (invoice.subscription_id, invoice.payment_intent_ids) == ("sub_Pro00001", ["pi_Late0001"])
    assert (invoice.status, invoice.attempt_count, invoice.amount_remaining) == ("open", 2, 1000)


def test_invoice_without_expanded_payments_has_no_payment_intents() -> None:
    assert gateway._to_invoice(stripe_object("invoice")).payment_intent_ids == []


def test_charge_card_is_a_summary_and_refunds_come_embedded() -> None:
    refund = fixture("refund")
    raw = stripe_object("charge", customer="cus_Jane0001", amount_refunded=100, refunds=page_of(refund))
    charge = gateway._to_charge(raw)
    assert (charge.customer_id, charge.card, charge.refundable_amount) == ("cus_Jane0001", VISA, 0)
    assert [r.id for r in map(gateway._to_refund, gateway._charge_refunds(raw))] == [
        "re_1Pgc72B7WZ01zgkWqPvrRrPE"
    ]


def test_customer_with_expanded_card_and_subscriptions() -> None:
    raw = fixture("customer", email="jane@example.com", metadata={"github": "octocat"})
    raw["invoice_settings"]["default_payment_method"] = fixture("payment_method")
    raw["subscriptions"] = page_of(fixture("subscription"), fixture("subscription"))
    customer = gateway._to_customer(stripe_object_from(raw))
    assert (customer.email, customer.metadata, customer.default_payment_method) == (
        "jane@example.com",
        {"github": "octocat"},
        VISA,
    )
    assert customer.subscription_count == 2


def test_disputes_are_kept_when_their_charge_belongs_to_the_customer() -> None:
    mine_expanded = stripe_object(
        "dispute", id="dp_Mine0001", charge=fixture("charge", customer="cus_Jane0001")
    )
    mine_listed = stripe_object("dispute", id="dp_Mine0002", charge="ch_Listed01")
    theirs = stripe_object("dispute", id="dp_Them0001", charge=fixture("charge", customer="cus_Other01"))
    kept = gateway._disputes_of("cus_Jane0001", {"ch_Listed01"}, [mine_expanded, mine_listed, theirs])
    assert [d.id for d in kept] == ["dp_Mine0001", "dp_Mine0002"]
    assert kept[0].charge_id == "ch_1PgafuB7WZ01zgkWXYmPNZs8"
    # Stripe's fixture: evidence_details.due_by is the respond-by moment.
    assert kept[0].due_by == datetime.fromtimestamp(fixture("dispute")["evidence_details"]["due_by"], UTC)


def test_portal_configuration_features() -> None:
    config = gateway._to_portal_configuration(stripe_object("billing_portal.configuration"))
    assert (config.is_default, config.subscription_cancel, config.invoice_history) == (True, False, True)


def test_event_payload_drops_card_details() -> None:
    raw = fixture("event", type="charge.failed", data={"object": fixture("charge")})
    event = gateway._to_event(stripe_object_from(raw))
    assert event.object_id == "ch_1PgafuB7WZ01zgkWXYmPNZs8"
    assert "payment_method_details" not in event.data_object
    assert "4242" not in str(event.data_object)
    assert event.previous_attributes == {}


def test_objects_are_typed_stripe_objects_not_dicts() -> None:
    assert isinstance(stripe_object("subscription"), stripe.Subscription)


def page_of(*objects: dict[str, Any]) -> dict[str, Any]:
    return {"object": "list", "data": list(objects), "has_more": False, "url": "/v1/x"}
