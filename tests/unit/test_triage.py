from __future__ import annotations

from datetime import UTC, datetime, timedelta

from billing.models import BillingRecords, Bucket, Customer, Dispute, PortalConfiguration, Subscription
from billing.snapshot import find_anomalies
from billing.triage import suggest_bucket
from tests.unit.fake_gateway import T0, customer, portal, records, subscription

NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)
DISPUTE = Dispute(
    id="dp_Open0001",
    charge_id="ch_X0000001",
    amount=2000,
    currency="usd",
    status="needs_response",
    reason="fraudulent",
    created=T0,
)


def suggest(
    the_records: BillingRecords, portal_configurations: list[PortalConfiguration] | None = None
) -> tuple[Bucket | None, str]:
    return suggest_bucket(the_records, find_anomalies(the_records, now=NOW), portal_configurations)


def noted(note: str) -> Customer:
    return customer(metadata={"support_note": note})


def duplicates() -> list[Subscription]:
    return [subscription("sub_A0000001"), subscription("sub_B0000001", created=T0 + timedelta(minutes=2))]


def test_duplicate_wins_over_a_dispute() -> None:
    bucket, reason = suggest(records(subscriptions=duplicates(), disputes=[DISPUTE]))
    assert bucket == Bucket.DUPLICATE
    assert "created 2 minutes apart" in reason


def test_open_dispute_is_a_product_failure_even_when_a_payment_also_failed() -> None:
    late = subscription(status="past_due")
    bucket, reason = suggest(records(subscriptions=[late], disputes=[DISPUTE]))
    assert bucket == Bucket.PRODUCT_FAILURE
    assert reason.startswith("Open dispute for $20.00")


def test_support_note_reporting_breakage_is_a_product_failure() -> None:
    bucket, reason = suggest(records(noted("Export has been broken for a week, wants a refund")))
    assert (bucket, reason) == (Bucket.PRODUCT_FAILURE, "Support note mentions “broken”.")


def test_past_due_team_is_a_failed_payment_not_a_team_question() -> None:
    bucket, _ = suggest(records(subscriptions=[subscription(status="past_due", quantity=5)]))
    assert bucket == Bucket.FAILED_PAYMENT


def test_cancel_wish_without_portal_cancellation_is_missing_self_serve() -> None:
    wants_out = records(noted("Wants to cancel but cannot find how"), subscriptions=[subscription()])
    assert suggest(wants_out, [portal(cancel=False)]) == (
        Bucket.MISSING_SELF_SERVE,
        "Support note asks to cancel; the customer portal does not allow it.",
    )
    assert suggest(wants_out)[0] == Bucket.MISSING_SELF_SERVE  # portal unknown
    assert suggest(wants_out, [portal(cancel=True)]) == (
        None,
        "No billing problem detected; classify by hand.",
    )


def test_portal_configurations_default_to_the_records_own() -> None:
    wants_out = records(noted("please cancel"), portal_configurations=[portal(cancel=True)])
    assert suggest(wants_out)[0] is None


def test_only_the_active_default_portal_configuration_counts() -> None:
    wants_out = records(noted("unsubscribe me"))
    other = portal(cancel=True, default=False)
    assert suggest(wants_out, [other, portal(cancel=False)])[0] == Bucket.MISSING_SELF_SERVE


def test_multi_seat_subscription_is_team() -> None:
    assert suggest(records(subscriptions=[subscription("sub_Team0001", quantity=5)])) == (
        Bucket.TEAM,
        "sub_Team0001 has 5 seats.",
    )


def test_seats_bought_over_time_are_team() -> None:
    seats = [subscription("sub_A0000001", created=T0 - timedelta(days=40)), subscription("sub_B0000001")]
    bucket, reason = suggest(records(subscriptions=seats))
    assert bucket == Bucket.TEAM
    assert reason == "2 live subscriptions to Pro (monthly) (seats over time)."


def test_healthy_customer_gets_no_suggestion() -> None:
    assert suggest(records(subscriptions=[subscription()]))[0] is None
