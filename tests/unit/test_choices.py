"""What the operator may choose before an action's Confirm, and how each choice is named (pure)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from billing.action_kinds import definition
from billing.action_kinds.pickers import LABEL_LIMIT, subscription_label
from billing.action_models import ActionKind, ActionOutcome, Choice, FieldKind, FormField
from billing.errors import PreconditionFailed
from billing.models import BillingRecords, Refund
from billing.snapshot import CustomerSnapshot, build_snapshot
from tests.unit.fake_gateway import T0, card, charge, customer, invoice, price, records, subscription

NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)
VISA = card()
MASTERCARD = card("mastercard", "4444")


def snapshot_of(billing: BillingRecords) -> CustomerSnapshot:
    return build_snapshot(billing, now=NOW, matched_on="email", livemode=False)


def paid(sub_id: str, charge_id: str, amount: int = 2000) -> tuple[object, object]:
    return (
        invoice(f"in_{sub_id[4:]}", subscription_id=sub_id, payment_intent_ids=[f"pi_{sub_id[4:]}"]),
        charge(charge_id, amount=amount, payment_intent_id=f"pi_{sub_id[4:]}", card=VISA),
    )


def duplicates() -> CustomerSnapshot:
    """Two Pro monthly in one second; Stripe lists the newer first (position 0)."""
    original = subscription("sub_ZZZOrig1", created=T0, default_payment_method=VISA, list_position=1)
    newer = subscription("sub_AAANewr1", created=T0, default_payment_method=MASTERCARD, list_position=0)
    (inv_o, ch_o), (inv_n, ch_n) = paid(original.id, "ch_Orig0001"), paid(newer.id, "ch_Newr0001")
    return snapshot_of(
        records(
            customer(default_payment_method=VISA),
            subscriptions=[newer, original],
            invoices=[inv_o, inv_n],
            charges=[ch_o, ch_n],
        )
    )


def overlap() -> CustomerSnapshot:
    monthly = subscription("sub_Month001", created=T0)
    yearly = subscription(
        "sub_Year0001",
        created=T0 + timedelta(hours=1),
        item_price=price("price_Year0001", unit_amount=12000, interval="year"),
    )
    (inv_m, ch_m), (inv_y, ch_y) = paid(monthly.id, "ch_Month001"), paid(yearly.id, "ch_Year0001", 12000)
    return snapshot_of(
        records(
            customer(default_payment_method=VISA),
            subscriptions=[yearly, monthly],
            invoices=[inv_m, inv_y],
            charges=[ch_m, ch_y],
        )
    )


# --- duplicates -------------------------------------------------------------------------------------


def test_the_duplicate_form_lists_the_original_first_each_with_its_card_the_newer_preselected() -> None:
    action = definition(ActionKind.CANCEL_AND_REFUND)
    snapshot = duplicates()
    target = action.target(snapshot.suggestion or ActionKind.CANCEL_AND_REFUND, snapshot)  # type: ignore[arg-type]
    assert target == "sub_AAANewr1"
    form = action.form(target, snapshot)
    assert form is not None and form.title == "Cancel a duplicate"
    assert form.fields == [
        FormField(
            name="target",
            label="Subscription to cancel",
            kind=FieldKind.SELECT,
            choices=[
                Choice(value="sub_ZZZOrig1", label="Original · $20.00/mo · Visa •••• 4242 · sub_ZZZOrig1"),
                Choice(
                    value="sub_AAANewr1",
                    label="Duplicate · $20.00/mo · Mastercard •••• 4444 · sub_AAANewr1",
                ),
            ],
            initial="sub_AAANewr1",
        )
    ]


def test_keeping_the_newer_one_cancels_and_refunds_the_original() -> None:
    plan = definition(ActionKind.CANCEL_AND_REFUND).plan("sub_ZZZOrig1", duplicates())
    assert [(step.name, step.object_id, step.amount) for step in plan.steps] == [
        ("cancel", "sub_ZZZOrig1", None),
        ("refund", "ch_Orig0001", 2000),
    ]
    assert plan.summary == (
        "Refund $20.00 of ch_Orig0001 to Visa •••• 4242 and cancel sub_ZZZOrig1 now? "
        "It is the original; sub_AAANewr1 (the newer duplicate) stays."
    )


def test_a_subscription_that_has_no_duplicate_is_refused_and_has_no_form() -> None:
    single = snapshot_of(records(subscriptions=[subscription("sub_Alone001")]))
    action = definition(ActionKind.CANCEL_AND_REFUND)
    assert action.form("sub_Alone001", single) is None
    with pytest.raises(PreconditionFailed, match="no longer one of several live subscriptions on one plan"):
        action.plan("sub_Alone001", single)


def test_the_follow_up_says_which_one_was_cancelled() -> None:
    snapshot = duplicates()
    action = definition(ActionKind.CANCEL_AND_REFUND)
    [original] = [sub for sub in snapshot.records.subscriptions if sub.id == "sub_ZZZOrig1"]
    refund = Refund(id="re_1", charge_id="ch_Orig0001", amount=2000, currency="usd", created=NOW)
    outcome = ActionOutcome(
        kind=ActionKind.CANCEL_AND_REFUND,
        case_id="c",
        actor="U1",
        results={"cancel": original, "refund": refund},
    )
    text = action.follow_up(snapshot, outcome)
    assert "I cancelled the older one and refunded its $20.00." in text
    assert "Your other subscription continues unchanged" in text


# --- monthly + yearly ------------------------------------------------------------------------------


def test_an_overlap_targets_the_monthly_and_offers_both_the_yearly_only_when_chosen() -> None:
    action = definition(ActionKind.END_OVERLAP)
    snapshot = overlap()
    assert definition(ActionKind.CANCEL_AND_REFUND).target(snapshot.suggestion, snapshot) is None  # type: ignore[arg-type]
    target = action.target(snapshot.suggestion, snapshot)  # type: ignore[arg-type]
    assert target == "sub_Month001"
    form = action.form(target, snapshot)
    assert form is not None
    [field] = form.fields
    assert [choice.label for choice in field.choices] == [
        "Monthly · $20.00/mo · Visa •••• 4242 · sub_Month001",
        "Yearly · $120.00/yr · Visa •••• 4242 · sub_Year0001",
    ]
    assert field.initial == "sub_Month001"
    yearly = action.plan("sub_Year0001", snapshot)
    assert [(step.name, step.object_id, step.amount) for step in yearly.steps] == [
        ("cancel", "sub_Year0001", None),
        ("refund", "ch_Year0001", 12000),
    ]
    assert yearly.summary.endswith("cancel sub_Year0001 now? It is the yearly; sub_Month001 (monthly) stays.")


def test_ending_a_plan_that_overlaps_nothing_is_refused() -> None:
    single = snapshot_of(records(subscriptions=[subscription("sub_Alone001")]))
    with pytest.raises(PreconditionFailed, match="no longer overlaps another plan"):
        definition(ActionKind.END_OVERLAP).plan("sub_Alone001", single)


# --- several subscriptions / invoices ---------------------------------------------------------------


def test_cancel_at_period_end_and_retry_payment_ask_only_when_there_are_several() -> None:
    cancel, retry = definition(ActionKind.CANCEL_AT_PERIOD_END), definition(ActionKind.RETRY_PAYMENT)
    one = snapshot_of(
        records(
            subscriptions=[subscription("sub_One00001")],
            invoices=[invoice("in_Open0001", status="open", amount_paid=0, amount_remaining=2000)],
        )
    )
    assert cancel.form("sub_One00001", one) is None and retry.form("in_Open0001", one) is None
    storage = price("price_Stor0001", product_id="prod_Stor0001", product_name="Storage", unit_amount=500)
    two = snapshot_of(
        records(
            subscriptions=[
                subscription("sub_One00001"),
                subscription("sub_Stor0001", item_price=storage, created=T0 + timedelta(hours=1)),
            ],
            invoices=[
                invoice("in_Open0001", status="open", amount_paid=0, amount_remaining=2000, number="A-1"),
                invoice(
                    "in_Open0002",
                    status="open",
                    amount_paid=0,
                    amount_remaining=500,
                    created=T0 + timedelta(1),
                ),
            ],
        )
    )
    cancel_form, retry_form = cancel.form("sub_Stor0001", two), retry.form("in_Open0002", two)
    assert cancel_form is not None and retry_form is not None
    assert [(c.value, c.label) for c in cancel_form.fields[0].choices] == [
        ("sub_One00001", "Pro monthly · $20.00/mo · no card on file · sub_One00001"),
        ("sub_Stor0001", "Storage monthly · $5.00/mo · no card on file · sub_Stor0001"),
    ]
    assert cancel_form.fields[0].initial == "sub_Stor0001"
    assert [(c.value, c.label) for c in retry_form.fields[0].choices] == [
        ("in_Open0002", "$5.00 due · 2026-11-02 · in_Open0002"),
        ("in_Open0001", "$20.00 due · 2026-11-01 · A-1 · in_Open0001"),
    ]
    assert retry_form.fields[0].initial == "in_Open0002"


def test_a_label_over_slacks_limit_clips_the_role_never_the_id() -> None:
    sub = subscription("sub_" + "x" * 24, item_price=price(unit_amount=123_456_789))
    label = subscription_label(sub, "a very long role name " * 3, card("cartes_bancaires", "1234"))
    assert len(label) == LABEL_LIMIT and label.endswith("… · sub_" + "x" * 24)
    assert label.startswith("A very long role name")
