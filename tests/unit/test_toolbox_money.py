"""Issue 13's money actions, each part on its own: credit note, cancel now + prorated refund, accept a dispute.
Plans are pure over a snapshot; re-checks, requests, sends and effects run against the fake gateway."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import pytest

from billing.action_kinds import definition
from billing.action_kinds.cancel_prorated import PRORATION_METADATA, days_text, proration
from billing.action_kinds.record_gap import gap_text
from billing.action_models import (
    ActionKind,
    ActionOutcome,
    Choice,
    FieldKind,
    PendingAction,
    PendingStatus,
    Plan,
    RevenueImpact,
)
from billing.credit_notes import CreditNote
from billing.errors import ActionAlreadyTaken, PreconditionFailed, StripeRefused
from billing.models import BillingRecords, Bucket, Dispute, Refund
from billing.money import Money
from billing.snapshot import CustomerSnapshot
from messages.handoff import revenue_lines
from tests.unit.fake_gateway import T0, FakeGateway, card, charge, invoice, price, records, subscription
from tests.unit.test_actions_fakes import OPERATOR, World

DAY = timedelta(days=1)
NOW = T0 + 10 * DAY  # ten days into a 30-day period that started at T0


def snapshot_of(billing: BillingRecords, *, at: datetime = NOW) -> CustomerSnapshot:
    return CustomerSnapshot(records=billing, matched_on="email", taken_at=at)


def pending_for(plan: Plan, *, nonce: str = "nonce1") -> PendingAction:
    return PendingAction(
        nonce=nonce,
        case_id="case1",
        kind=plan.kind,
        requested_by="UOPS1",
        customer_id=plan.customer_id,
        target_ids=plan.target_ids,
        amount=plan.amount,
        currency=plan.currency,
        summary=plan.summary,
        steps=plan.steps,
        status=PendingStatus.RUNNING,
        expires_at=NOW + timedelta(minutes=10),
    )


def paid_customer(**overrides: Any) -> BillingRecords:
    """One monthly $20 subscription, its period's invoice paid by a Visa charge."""
    return records(
        subscriptions=[subscription(created=T0)],
        invoices=[
            invoice(
                number="ACME-0001",
                subscription_id="sub_Pro00001",
                payment_intent_ids=["pi_Pro00001"],
                total_amount=2000,
                **overrides,
            )
        ],
        charges=[charge(payment_intent_id="pi_Pro00001", card=card())],
    )


def outcome_of(kind: str, step: str, result: Any, **more: Any) -> ActionOutcome:
    return ActionOutcome(kind=kind, case_id="case1", actor="UOPS1", results={step: result, **more})


# --- credit note -------------------------------------------------------------------------------------

CREDIT_NOTE = definition(ActionKind.CREDIT_NOTE)


def test_the_credit_note_form_offers_each_paid_invoice_with_what_is_left_to_credit() -> None:
    older = invoice(
        "in_Old00001", number="ACME-0000", created=T0 - 30 * DAY, post_payment_credit_notes_amount=500
    )
    snapshot = snapshot_of(
        paid_customer().model_copy(update={"invoices": [older, *paid_customer().invoices]})
    )
    assert CREDIT_NOTE.target(Bucket.PRODUCT_FAILURE, snapshot) == "in_Pro00001"
    form = CREDIT_NOTE.form("in_Pro00001", snapshot)
    assert form is not None
    fields = {field.name: field for field in form.fields}
    assert list(fields) == ["target", "amount", "method", "reason"]
    assert fields["target"].choices == [
        Choice(value="in_Pro00001", label="ACME-0001 · $20.00 paid 2026-11-01"),
        Choice(value="in_Old00001", label="ACME-0000 · $20.00 paid 2026-10-02 · $15.00 left"),
    ]
    assert (fields["amount"].kind, fields["amount"].initial, fields["amount"].currency) == (
        FieldKind.AMOUNT,
        "20.00",
        "usd",
    )
    assert [c.value for c in fields["method"].choices] == ["refund", "credit"]
    assert fields["method"].initial is None  # the operator chooses where the money goes
    assert [c.value for c in fields["reason"].choices] == [
        "product_unsatisfactory",
        "order_change",
        "duplicate",
        "fraudulent",
    ]


def test_a_partial_credit_note_refunded_to_the_card_is_planned_exactly() -> None:
    choices = {"amount": "7.50", "method": "refund", "reason": "product_unsatisfactory"}
    plan = CREDIT_NOTE.plan("in_Pro00001", snapshot_of(paid_customer()), amount=None, choices=choices)
    assert plan.summary == (
        "Issue a credit note of $7.50 (of $20.00 paid) on invoice ACME-0001 (in_Pro00001), refunded to "
        "Visa •••• 4242, reason: product unsatisfactory?"
    )
    [step] = plan.steps
    assert (step.name, step.object_id, step.amount) == ("credit_note", "in_Pro00001", 750)
    assert step.params == {
        "method": "refund",
        "reason": "product_unsatisfactory",
        "credited_before": 0,
        "charge": "ch_Pro00001",
        "refunded_before": 0,
    }
    assert plan.impact == Money(amount=750, currency="usd")


def test_a_credit_note_to_the_balance_needs_no_charge() -> None:
    choices = {"amount": "20", "method": "credit", "reason": "order_change"}
    plan = CREDIT_NOTE.plan("in_Pro00001", snapshot_of(paid_customer()), amount=None, choices=choices)
    assert plan.summary == (
        "Issue a credit note of $20.00 on invoice ACME-0001 (in_Pro00001), to the customer's balance, "
        "reason: order change?"
    )
    assert "charge" not in plan.steps[0].params


@pytest.mark.parametrize(
    ("choices", "message"),
    [
        ({"amount": "20.01", "method": "refund", "reason": "duplicate"}, r"at most \$20\.00"),
        ({"amount": "abc", "method": "refund", "reason": "duplicate"}, "'abc' is not an amount in USD"),
        ({"amount": "5", "method": "cash", "reason": "duplicate"}, "Choose the way to give the money back"),
        ({"amount": "5", "method": "refund", "reason": "because"}, "Choose the reason"),
    ],
)
def test_a_credit_note_plan_refuses_what_does_not_fit(choices: dict[str, str], message: str) -> None:
    with pytest.raises(PreconditionFailed, match=message):
        CREDIT_NOTE.plan("in_Pro00001", snapshot_of(paid_customer()), amount=None, choices=choices)


def test_no_credit_note_on_an_invoice_whose_charge_is_disputed() -> None:
    billing = paid_customer()
    billing = billing.model_copy(
        update={"charges": [billing.charges[0].model_copy(update={"disputed": True})]}
    )
    assert CREDIT_NOTE.target(Bucket.PRODUCT_FAILURE, snapshot_of(billing)) is None
    for method in ("refund", "credit"):
        choices = {"amount": "5", "method": method, "reason": "duplicate"}
        with pytest.raises(PreconditionFailed, match="paid by a disputed charge: the dispute settles it"):
            CREDIT_NOTE.plan("in_Pro00001", snapshot_of(billing), amount=None, choices=choices)


def test_the_preview_is_stripes_and_a_refused_preview_stops_the_plan() -> None:
    gateway = FakeGateway([paid_customer()])
    choices = {"amount": "7.50", "method": "refund", "reason": "duplicate"}
    plan = CREDIT_NOTE.plan("in_Pro00001", snapshot_of(paid_customer()), amount=None, choices=choices)
    shown = CREDIT_NOTE.preview(plan, gateway)
    assert shown.summary.endswith(
        "Stripe's preview: credit note $7.50 on in_Pro00001, all of it after payment."
    )
    assert gateway.call_names() == ["preview_credit_note"]
    assert gateway.credit_notes == {}
    gateway.fail_with["preview_credit_note"] = StripeRefused("too much")
    with pytest.raises(PreconditionFailed, match="Stripe would refuse this credit note: too much"):
        CREDIT_NOTE.preview(plan, gateway)


def test_a_credit_note_is_created_once_per_key_found_by_its_nonce_and_rechecked() -> None:
    gateway = FakeGateway([paid_customer()])
    choices = {"amount": "7.50", "method": "credit", "reason": "duplicate"}
    plan = CREDIT_NOTE.plan("in_Pro00001", snapshot_of(paid_customer()), amount=None, choices=choices)
    [step] = plan.steps
    pending = pending_for(plan)
    assert CREDIT_NOTE.find_effect(step, gateway, nonce="nonce1") is None
    CREDIT_NOTE.recheck(step, gateway, pending)
    params = CREDIT_NOTE.request(step, pending, first_confirmed_by="UOPS2")
    assert params["metadata"] == {
        "billing_ops_case": "case1",
        "billing_ops_nonce": "nonce1",
        "requested_by": "UOPS1",
        "confirmed_by": "UOPS2",
    }
    assert (params["credit_amount"], params["refund_amount"], params["reason"]) == (750, 0, "duplicate")
    first = CREDIT_NOTE.send(step, gateway, params, "key1")
    again = CREDIT_NOTE.send(step, gateway, params, "key1")
    assert first == again and len(gateway.credit_notes["in_Pro00001"]) == 1
    assert CREDIT_NOTE.find_effect(step, gateway, nonce="nonce1") == first
    with pytest.raises(PreconditionFailed, match="got another credit note since this was planned"):
        CREDIT_NOTE.recheck(step, gateway, pending)


NOTE = CreditNote(
    id="cn_1",
    number="ACME-0001-CN-01",
    invoice_id="in_Pro00001",
    customer_id="cus_Jane0001",
    amount=750,
    currency="usd",
    status="issued",
    reason="product_unsatisfactory",
    post_payment_amount=750,
    refund_ids=["re_1"],
    refunded_amount=750,
    created=NOW,
)


def test_the_credit_note_handoff_names_its_ids_revenue_and_follow_up() -> None:
    outcome = outcome_of(ActionKind.CREDIT_NOTE, "credit_note", NOTE)
    snapshot = snapshot_of(paid_customer())
    assert CREDIT_NOTE.card_outcome(outcome, lambda i: f"`{i}`") == (
        "credit note `cn_1` of $7.50 on `in_Pro00001`, refunded to the card"
    )
    assert CREDIT_NOTE.handoff_outcome(outcome) == [
        "Credit note cn_1 (ACME-0001-CN-01) of $7.50 on invoice in_Pro00001, reason: product unsatisfactory",
        "Refunded $7.50 to the card (re_1)",
    ]
    assert CREDIT_NOTE.revenue_effect(snapshot, outcome).refunded == [Money(amount=750, currency="usd")]
    assert CREDIT_NOTE.follow_up(snapshot, outcome) == (
        "Hi Jane, I issued a credit note of $7.50 on invoice ACME-0001. $7.50 goes back to your original "
        "payment method. Refunds usually appear on the statement within 5-10 business days. You can find the "
        "credit note with the invoice in your billing history."
    )
    credited = NOTE.model_copy(
        update={"refund_ids": [], "refunded_amount": 0, "customer_balance_transaction_id": "cbtxn_1"}
    )
    outcome = outcome_of(ActionKind.CREDIT_NOTE, "credit_note", credited)
    assert CREDIT_NOTE.handoff_outcome(outcome)[1] == "Credited $7.50 to the customer's balance (cbtxn_1)"
    revenue = CREDIT_NOTE.revenue_effect(snapshot, outcome)
    assert (revenue.refunded, revenue.credited) == ([], [Money(amount=750, currency="usd")])


# --- cancel now + prorated refund --------------------------------------------------------------------

PRORATED = definition(ActionKind.CANCEL_PRORATED)


def test_the_prorated_refund_is_the_unused_seconds_over_the_period_times_what_was_paid() -> None:
    sub = paid_customer().subscriptions[0]
    found = proration(snapshot_of(paid_customer()), sub)
    assert found is not None
    assert (found.period_seconds, found.unused_seconds) == (30 * 86400, 20 * 86400)
    assert found.refund == 1333  # 2000 x 20/30 = 1333.33
    half = proration(snapshot_of(paid_customer(), at=T0 + timedelta(days=15, seconds=-54)), sub)
    assert half is not None and half.refund == 1000  # 1000.04 -> 1000; half up: 2000 x 15/30 exactly = 1000
    assert days_text(20 * 86400) == "20" and days_text(int(2.5 * 86400)) == "2.5"
    ended = proration(snapshot_of(paid_customer(), at=T0 + 31 * DAY), sub)
    assert ended is not None and ended.refund == 0


def test_a_prorated_cancel_plan_shows_the_amount_and_gives_up_the_yearly_value() -> None:
    plan = PRORATED.plan("sub_Pro00001", snapshot_of(paid_customer()), amount=None)
    assert plan.summary == (
        "Cancel sub_Pro00001 (Pro) now and refund $13.33 of ch_Pro00001 to Visa •••• 4242: 20 of 30 days "
        "unused of the $20.00 paid (in_Pro00001, 2026-11-01 to 2026-12-01)?"
    )
    assert [(s.name, s.object_id, s.amount) for s in plan.steps] == [
        ("cancel", "sub_Pro00001", None),
        ("refund", "ch_Pro00001", 1333),
    ]
    assert plan.impact == Money(amount=24000 + 1333, currency="usd")


def test_no_prorated_cancel_without_a_paid_current_period() -> None:
    unpaid = paid_customer(status="open", amount_paid=0, amount_remaining=2000)
    assert PRORATED.target(Bucket.MISSING_SELF_SERVE, snapshot_of(unpaid)) is None
    last_period = paid_customer(created=T0 - 30 * DAY)  # an older period's invoice pays nothing of this one
    assert PRORATED.target(Bucket.MISSING_SELF_SERVE, snapshot_of(last_period)) is None
    with pytest.raises(PreconditionFailed, match="no.* paid current period|with a paid current period"):
        PRORATED.plan("sub_Pro00001", snapshot_of(unpaid), amount=None)


def test_several_live_subscriptions_ask_which_one_in_a_form() -> None:
    billing = paid_customer()
    assert PRORATED.form("sub_Pro00001", snapshot_of(billing)) is None
    second = subscription("sub_Team0001", created=T0 + DAY, item_price=price("price_T", product_name="Team"))
    billing = billing.model_copy(
        update={
            "subscriptions": [*billing.subscriptions, second],
            "invoices": [
                *billing.invoices,
                invoice(
                    "in_Team0001",
                    subscription_id="sub_Team0001",
                    created=T0 + DAY,
                    payment_intent_ids=["pi_T"],
                ),
            ],
            "charges": [*billing.charges, charge("ch_Team0001", payment_intent_id="pi_T")],
        }
    )
    snapshot = snapshot_of(billing)
    assert PRORATED.target(Bucket.MISSING_SELF_SERVE, snapshot) == "sub_Team0001"
    form = PRORATED.form("sub_Team0001", snapshot)
    assert form is not None
    [field] = form.fields
    assert (field.name, field.kind, field.initial) == ("target", FieldKind.SELECT, "sub_Team0001")
    assert [c.label for c in field.choices] == [
        "Team · $20.00 · $14.00 back · sub_Team0001",
        "Pro · $20.00 · $13.33 back · sub_Pro00001",
    ]


def test_a_renewal_since_the_plan_stops_the_prorated_cancel() -> None:
    plan = PRORATED.plan("sub_Pro00001", snapshot_of(paid_customer()), amount=None)
    renewed_sub = subscription(created=T0 + 30 * DAY)
    renewed_sub = renewed_sub.model_copy(update={"id": "sub_Pro00001", "created": T0})
    gateway = FakeGateway([paid_customer().model_copy(update={"subscriptions": [renewed_sub]})])
    with pytest.raises(PreconditionFailed, match="renewed since this was planned"):
        PRORATED.recheck(plan.steps[0], gateway, pending_for(plan))
    fresh = FakeGateway([paid_customer()])
    assert PRORATED.recheck(plan.steps[0], fresh, pending_for(plan)).id == "sub_Pro00001"


def test_the_prorated_refund_carries_its_reckoning_to_stripe_and_the_handoff() -> None:
    plan = PRORATED.plan("sub_Pro00001", snapshot_of(paid_customer()), amount=None)
    params = PRORATED.request(plan.steps[1], pending_for(plan), first_confirmed_by="UOPS1")
    explanation = "20 of 30 days unused of the $20.00 paid (in_Pro00001, 2026-11-01 to 2026-12-01)"
    assert params["metadata"][PRORATION_METADATA] == explanation
    assert (params["charge"], params["amount"], params["reason"]) == (
        "ch_Pro00001",
        1333,
        "requested_by_customer",
    )
    refund = Refund(
        id="re_1",
        charge_id="ch_Pro00001",
        amount=1333,
        currency="usd",
        status="succeeded",
        created=NOW,
        metadata={PRORATION_METADATA: explanation},
    )
    cancelled = subscription(status="canceled")
    outcome = outcome_of(ActionKind.CANCEL_PRORATED, "cancel", cancelled, refund=refund)
    assert PRORATED.handoff_outcome(outcome) == [
        "Cancelled sub_Pro00001 now (status canceled)",
        "Refunded $13.33 of ch_Pro00001 (re_1, succeeded)",
        f"Prorated: {explanation}",
    ]
    snapshot = snapshot_of(paid_customer())
    revenue = PRORATED.revenue_effect(snapshot, outcome)
    assert (revenue.refunded, revenue.mrr_change) == (
        [Money(amount=1333, currency="usd")],
        [Money(amount=-2000, currency="usd")],
    )
    assert PRORATED.follow_up(snapshot, outcome) == (
        "Hi Jane, I cancelled your Pro subscription today and refunded $13.33 for the unused part of the "
        "period you had paid for; nothing more will be charged. Refunds usually appear on the statement "
        "within 5-10 business days."
    )


# --- accept a dispute --------------------------------------------------------------------------------

ACCEPT = definition(ActionKind.ACCEPT_DISPUTE)
DISPUTE = Dispute(
    id="dp_1",
    charge_id="ch_Pro00001",
    customer_id="cus_Jane0001",
    amount=2000,
    currency="usd",
    status="needs_response",
    reason="product_not_received",
    created=T0 + DAY,
    due_by=T0 + 8 * DAY,
)


def test_accepting_is_offered_only_for_an_open_dispute_and_says_the_money_is_lost() -> None:
    assert ACCEPT.target(Bucket.PRODUCT_FAILURE, snapshot_of(paid_customer())) is None
    lost = DISPUTE.model_copy(update={"status": "lost"})
    assert ACCEPT.target(Bucket.PRODUCT_FAILURE, snapshot_of(records(disputes=[lost]))) is None
    snapshot = snapshot_of(records(disputes=[DISPUTE]))
    assert ACCEPT.target(Bucket.PRODUCT_FAILURE, snapshot) == "dp_1"
    plan = ACCEPT.plan("dp_1", snapshot, amount=None)
    assert plan.summary == (
        "Accept dispute dp_1 on ch_Pro00001 ($20.00, reason: product not received)? The $20.00 is lost for "
        "good: the customer's bank keeps it, Stripe's dispute fee is not returned, and no evidence can be "
        "sent afterwards."
    )
    assert plan.impact == Money(amount=2000, currency="usd")
    with pytest.raises(PreconditionFailed, match="not an open dispute"):
        ACCEPT.plan("dp_1", snapshot_of(records(disputes=[lost])), amount=None)


def test_a_dispute_is_closed_once_and_a_closed_one_is_not_closed_again() -> None:
    gateway = FakeGateway([records(disputes=[DISPUTE])])
    plan = ACCEPT.plan("dp_1", snapshot_of(records(disputes=[DISPUTE])), amount=None)
    [step] = plan.steps
    pending = pending_for(plan)
    assert ACCEPT.recheck(step, gateway, pending) == DISPUTE
    assert ACCEPT.find_effect(step, gateway, nonce="nonce1") is None
    params = ACCEPT.request(step, pending, first_confirmed_by="UOPS1")
    closed = ACCEPT.send(step, gateway, params, "key1")
    assert ACCEPT.send(step, gateway, params, "key1") == closed
    assert isinstance(closed, Dispute) and closed.status == "lost"
    assert ACCEPT.find_effect(step, gateway, nonce="nonce1") == closed
    with pytest.raises(PreconditionFailed, match="dp_1 is already closed \\(lost\\)"):
        ACCEPT.recheck(step, gateway, pending)
    outcome = outcome_of(ActionKind.ACCEPT_DISPUTE, "close_dispute", closed)
    assert ACCEPT.handoff_outcome(outcome) == [
        "Accepted dispute dp_1 on ch_Pro00001 (status lost): $20.00 stays with the customer's bank"
    ]
    assert ACCEPT.revenue_effect(snapshot_of(paid_customer()), outcome).lost_to_disputes == [
        Money(amount=2000, currency="usd")
    ]


def test_several_open_disputes_ask_which_one() -> None:
    other = DISPUTE.model_copy(update={"id": "dp_2", "created": T0 + 2 * DAY, "due_by": None})
    form = ACCEPT.form("dp_2", snapshot_of(records(disputes=[DISPUTE, other])))
    assert form is not None
    assert [(c.value, c.label) for c in form.fields[0].choices] == [
        ("dp_2", "$20.00 on ch_Pro00001 · product_not_received"),
        ("dp_1", "$20.00 on ch_Pro00001 · product_not_received · respond by 2026-11-09"),
    ]
    assert ACCEPT.form("dp_1", snapshot_of(records(disputes=[DISPUTE]))) is None


def test_a_plain_refund_of_the_invoice_charge_lowers_what_the_credit_note_offers() -> None:
    billing = paid_customer()
    refunded = billing.charges[0].model_copy(update={"amount_refunded": 500})
    snapshot = snapshot_of(billing.model_copy(update={"charges": [refunded]}))
    form = CREDIT_NOTE.form("in_Pro00001", snapshot)
    assert form is not None
    fields = {field.name: field for field in form.fields}
    assert fields["amount"].initial == "15.00"
    assert [c.label for c in fields["target"].choices] == ["ACME-0001 · $20.00 paid 2026-11-01 · $15.00 left"]
    with pytest.raises(PreconditionFailed, match=r"at most \$15\.00"):
        CREDIT_NOTE.plan(
            "in_Pro00001", snapshot, choices={"amount": "15.01", "method": "credit", "reason": "duplicate"}
        )


# --- record a product gap ----------------------------------------------------------------------------

RECORD = definition(ActionKind.RECORD_GAP)


def test_the_gap_is_one_clean_line_and_the_plan_has_no_stripe_step() -> None:
    assert gap_text("  no usage or\n rate-limit   visibility. ") == "No usage or rate-limit visibility"
    assert gap_text("card 4242 4242 4242 4242 declined") == "Card [card number removed] declined"
    plan = RECORD.plan("", snapshot_of(paid_customer()), choices={"gap": "no usage visibility"})
    assert (plan.steps, plan.gaps, plan.impact) == ([], ["No usage visibility"], None)
    assert (
        plan.summary
        == "Record the product gap “No usage visibility” for this case? Nothing changes in Stripe."
    )
    with pytest.raises(PreconditionFailed, match="Write what the product lacks"):
        RECORD.plan("", snapshot_of(paid_customer()), choices={"gap": " . "})


def test_confirming_a_gap_records_it_with_the_case_and_calls_no_stripe() -> None:
    world = World()
    case_id = world.case("cus_kenji", Bucket.PRODUCT_FAILURE)
    pending = world.service.request(
        case_id, ActionKind.RECORD_GAP, "", OPERATOR, choices={"gap": "no rate-limit visibility"}
    )
    assert (pending.steps, pending.gaps) == ([], ["No rate-limit visibility"])
    outcome = world.service.confirm(pending.nonce, OPERATOR)
    assert outcome.results == {} and world.gateway.writes == []
    assert "No rate-limit visibility" in world.store.case_gaps(case_id)
    assert ("No rate-limit visibility", 1) in world.store.gap_counts()
    with pytest.raises(ActionAlreadyTaken):
        world.service.confirm(pending.nonce, OPERATOR)
    assert ("No rate-limit visibility", 1) in world.store.gap_counts()


# --- the handoff's revenue lines ---------------------------------------------------------------------


def test_revenue_lines_name_lost_disputes_only_when_there_are_some() -> None:
    usd = Money(amount=750, currency="usd")
    assert revenue_lines(RevenueImpact()) == ["Refunded: nothing", "MRR change: none"]
    assert revenue_lines(RevenueImpact(credited=[usd], lost_to_disputes=[usd])) == [
        "Refunded: nothing",
        "MRR change: none",
        "Account credit: $7.50",
        "Lost to disputes: $7.50",
    ]
