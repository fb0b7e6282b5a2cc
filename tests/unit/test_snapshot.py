from __future__ import annotations

from datetime import UTC, datetime, timedelta

from billing.models import Anomaly, AnomalyKind, Bucket, Dispute, Refund
from billing.snapshot import build_snapshot, duplicate_subscription_anomalies, find_anomalies
from tests.unit.fake_gateway import T0, card, charge, customer, invoice, price, records, subscription

NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)


def kinds(found: list[Anomaly]) -> list[AnomalyKind]:
    return [anomaly.kind for anomaly in found]


def test_two_single_seat_subscriptions_minutes_apart_are_duplicates_newer_last() -> None:
    older = subscription("sub_Old00001", created=T0)
    newer = subscription("sub_New00001", created=T0 + timedelta(minutes=2))
    found = find_anomalies(records(subscriptions=[newer, older]), now=NOW)
    assert len(found) == 1
    assert found[0].kind == AnomalyKind.DUPLICATE_SUBSCRIPTIONS
    assert found[0].object_ids == ["sub_Old00001", "sub_New00001"]
    assert found[0].summary == (
        "2 live Pro subscriptions, each for 1 seat, created 2 minutes apart:"
        " original sub_Old00001 with no card on file; duplicate sub_New00001 with no card on file"
    )


def test_same_second_subscriptions_take_stripes_list_order_not_their_ids() -> None:
    # Stripe lists newest first: sub_A… came second although both carry the same `created` second.
    newer = subscription("sub_AAAA0001", created=T0).model_copy(update={"list_position": 0})
    older = subscription("sub_ZZZZ0001", created=T0).model_copy(update={"list_position": 1})
    for listed in ([newer, older], [older, newer]):
        [found] = find_anomalies(records(subscriptions=listed), now=NOW)
        assert found.object_ids == ["sub_ZZZZ0001", "sub_AAAA0001"]
        assert "created in the same second: original sub_ZZZZ0001" in found.summary


def test_same_product_monthly_and_yearly_within_a_week_are_an_overlap_not_a_duplicate() -> None:
    monthly = subscription("sub_Mon00001", created=T0)
    yearly = subscription(
        "sub_Yea00001",
        created=T0 + timedelta(days=3),
        item_price=price("price_Year0001", unit_amount=20000, interval="year"),
    )
    found = find_anomalies(records(subscriptions=[yearly, monthly]), now=NOW)
    assert kinds(found) == [AnomalyKind.OVERLAPPING_PLANS]
    assert duplicate_subscription_anomalies([yearly, monthly]) == []  # nor in the digest's duplicates
    assert found[0].object_ids == ["sub_Mon00001", "sub_Yea00001"]
    assert found[0].summary == (
        "Pro on two billing periods, created 3 days apart: sub_Mon00001 monthly with no card on file,"
        " then sub_Yea00001 yearly with no card on file. An overlap, usually a switch of plan, not a"
        " duplicate: the operator chooses which one ends"
    )


def test_multi_seat_subscription_is_not_a_duplicate() -> None:
    team = subscription("sub_Team0001", quantity=5)
    assert find_anomalies(records(subscriptions=[team]), now=NOW) == []


def test_seats_bought_weeks_apart_are_not_duplicates() -> None:
    first = subscription("sub_First001", created=T0 - timedelta(days=30))
    second = subscription("sub_Second01", created=T0)
    assert find_anomalies(records(subscriptions=[first, second]), now=NOW) == []


def test_a_second_card_a_minute_later_is_flagged_as_a_duplicate_saying_which_card_pays_which() -> None:
    mine = subscription("sub_Mine0001", default_payment_method=card(last4="4242"))
    retried = subscription(
        "sub_Them0001", created=T0 + timedelta(minutes=1), default_payment_method=card(last4="1881")
    )
    [anomaly] = find_anomalies(records(subscriptions=[mine, retried]), now=NOW)
    assert anomaly.kind is AnomalyKind.DUPLICATE_SUBSCRIPTIONS
    assert anomaly.summary.endswith(
        "original sub_Mine0001 paid by Visa •••• 4242; duplicate sub_Them0001 paid by Visa •••• 1881; "
        "paid by different cards: a checkout retried with a second card, or a second person"
    )


def test_a_second_card_days_later_is_not_a_duplicate() -> None:
    mine = subscription("sub_Mine0001", default_payment_method=card(last4="4242"))
    theirs = subscription(
        "sub_Them0001", created=T0 + timedelta(days=3), default_payment_method=card(last4="1881")
    )
    assert find_anomalies(records(subscriptions=[mine, theirs]), now=NOW) == []


def test_canceled_twin_is_not_a_duplicate_any_more() -> None:
    kept = subscription("sub_Kept0001")
    gone = subscription("sub_Gone0001", created=T0 + timedelta(minutes=2), status="canceled")
    assert find_anomalies(records(subscriptions=[kept, gone]), now=NOW) == []


def test_past_due_names_the_subscription_and_its_invoice_and_absorbs_the_failed_charge() -> None:
    sub = subscription("sub_Late0001", status="past_due", latest_invoice_id="in_Late0001")
    bill = invoice(
        "in_Late0001",
        status="open",
        amount_paid=0,
        amount_remaining=2000,
        attempt_count=2,
        payment_intent_ids=["pi_Late0001"],
    )
    failed = charge(
        "ch_Late0001", status="failed", payment_intent_id="pi_Late0001", failure_code="card_declined"
    )
    found = find_anomalies(records(subscriptions=[sub], invoices=[bill], charges=[failed]), now=NOW)
    assert kinds(found) == [AnomalyKind.PAST_DUE]
    assert found[0].object_ids == ["sub_Late0001", "in_Late0001"]
    assert found[0].summary == (
        "Pro subscription is past due: the renewal payment failed and Stripe is retrying"
        " ($20.00 open after 2 attempts)"
    )


def test_incomplete_and_unpaid_are_flagged() -> None:
    first = subscription("sub_Incomp01", status="incomplete")
    stopped = subscription(
        "sub_Unpaid01", status="unpaid", item_price=price("price_Other001", product_id="prod_B")
    )
    found = find_anomalies(records(subscriptions=[first, stopped]), now=NOW)
    assert kinds(found) == [AnomalyKind.INCOMPLETE, AnomalyKind.UNPAID]


def test_failed_charge_later_paid_on_the_same_intent_is_history() -> None:
    failed = charge("ch_Fail0001", status="failed", payment_intent_id="pi_A0000001")
    retried = charge("ch_Paid0001", payment_intent_id="pi_A0000001", created=T0 + timedelta(days=1))
    assert find_anomalies(records(charges=[failed, retried]), now=NOW) == []


def test_unresolved_failed_charge_and_attempted_open_invoice_are_failed_payments() -> None:
    failed = charge("ch_Fail0001", status="failed", failure_message="Your card was declined.")
    bill = invoice("in_Open0001", status="open", attempt_count=1, amount_paid=0, amount_remaining=2000)
    found = find_anomalies(records(invoices=[bill], charges=[failed]), now=NOW)
    assert kinds(found) == [AnomalyKind.FAILED_PAYMENT, AnomalyKind.FAILED_PAYMENT]
    assert found[0].summary == "Invoice ($20.00 open after 1 attempt)"
    assert found[1].summary == "Payment of $20.00 failed on 2026-11-01: Your card was declined."


def test_open_dispute_is_flagged_and_closed_one_is_not() -> None:
    def dispute(dispute_id: str, status: str) -> Dispute:
        return Dispute(
            id=dispute_id,
            charge_id="ch_Disp0001",
            amount=2000,
            currency="usd",
            status=status,
            reason="product_not_received",
            created=T0,
            due_by=T0 + timedelta(days=7),
        )

    found = find_anomalies(
        records(disputes=[dispute("dp_Open0001", "needs_response"), dispute("dp_Lost0001", "lost")]), now=NOW
    )
    assert kinds(found) == [AnomalyKind.OPEN_DISPUTE]
    assert found[0].object_ids == ["dp_Open0001", "ch_Disp0001"]
    assert found[0].summary == (
        f"Open dispute for $20.00 (product not received), status needs response, respond by"
        f" {(T0 + timedelta(days=7)):%Y-%m-%d}. No refund while disputed: respond in the Stripe Dashboard,"
        " https://dashboard.stripe.com/test/disputes/dp_Open0001"
    )


def test_disputed_charge_without_a_listed_dispute_is_still_flagged() -> None:
    listed = Dispute(
        id="dp_Open0001",
        charge_id="ch_Disp0001",
        amount=2000,
        currency="usd",
        status="needs_response",
        created=T0,
    )
    charges = [
        charge("ch_Disp0001", disputed=True),
        charge("ch_Disp0002", disputed=True),
        charge("ch_Fine0001"),
    ]
    found = find_anomalies(records(charges=charges, disputes=[listed]), now=NOW)
    assert [(a.kind, a.object_ids) for a in found] == [
        (AnomalyKind.OPEN_DISPUTE, ["dp_Open0001", "ch_Disp0001"]),
        (AnomalyKind.OPEN_DISPUTE, ["ch_Disp0002"]),
    ]
    assert found[1].summary == (
        "Payment of $20.00 on 2026-11-01 was disputed; the dispute's status is in the Stripe Dashboard"
    )


def test_refunds_already_made_are_listed_with_their_refund_ids() -> None:
    paid = charge("ch_Refd0001", amount_refunded=500)
    refund = Refund(id="re_Part0001", charge_id="ch_Refd0001", amount=500, currency="usd", created=T0)
    found = find_anomalies(records(charges=[paid], refunds=[refund]), now=NOW)
    assert kinds(found) == [AnomalyKind.REFUNDED]
    assert found[0].object_ids == ["ch_Refd0001", "re_Part0001"]
    assert found[0].summary == "Already refunded $5.00 of $20.00 (payment of 2026-11-01)"


def test_scheduled_cancellation_and_no_expiry_warning_for_a_cancelling_subscription() -> None:
    sub = subscription(
        "sub_Bye00001", cancel_at_period_end=True, default_payment_method=card(exp_month=11, exp_year=2026)
    )
    found = find_anomalies(records(subscriptions=[sub]), now=NOW)
    assert kinds(found) == [AnomalyKind.SCHEDULED_CANCELLATION]
    assert found[0].summary == "Pro subscription is set to cancel on 2026-12-01"


def test_card_expiring_before_renewal_uses_the_customer_default_card() -> None:
    expiring = customer(default_payment_method=card(exp_month=11, exp_year=2026))
    sub = subscription("sub_Renew001")  # renews 2026-12-01
    found = find_anomalies(records(expiring, subscriptions=[sub]), now=NOW)
    assert kinds(found) == [AnomalyKind.CARD_EXPIRES_BEFORE_RENEWAL]
    assert found[0].summary == "Visa •••• 4242 expires 11/26, before the renewal on 2026-12-01"
    assert found[0].object_ids == ["sub_Renew001"]


def test_card_valid_through_the_renewal_month_is_fine() -> None:
    valid = customer(default_payment_method=card(exp_month=12, exp_year=2026))
    assert find_anomalies(records(valid, subscriptions=[subscription()]), now=NOW) == []


def test_build_snapshot_carries_suggestion_and_provenance() -> None:
    older = subscription("sub_Old00001")
    newer = subscription("sub_New00001", created=T0 + timedelta(minutes=2))
    snapshot = build_snapshot(
        records(subscriptions=[older, newer]), now=NOW, matched_on="email jane@example.com", livemode=False
    )
    assert snapshot.suggestion == Bucket.DUPLICATE
    assert snapshot.suggestion_reason == (
        "2 live Pro subscriptions created 2 minutes apart (sub_Old00001, then sub_New00001)."
    )
    assert (snapshot.matched_on, snapshot.livemode, snapshot.taken_at) == (
        "email jane@example.com",
        False,
        NOW,
    )
