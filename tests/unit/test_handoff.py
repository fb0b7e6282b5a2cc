from __future__ import annotations

from billing.action_models import ActionKind
from billing.handoff import SECTION_TITLES, build_handoff
from billing.models import Bucket
from billing.money import Money
from tests.unit.test_actions_fakes import OPERATOR, SECOND_OPERATOR, World


def handoff_after(
    world: World, customer_id: str, bucket: Bucket, kind: ActionKind, target: str, actor: str = OPERATOR
):
    case_id = world.case(customer_id, bucket, suggested=bucket)
    before = world.gateway.snapshot(customer_id, matched_on="email")
    nonce = world.service.request(case_id, kind, target, OPERATOR).nonce
    outcome = world.service.confirm(nonce, actor)
    return build_handoff(before, world.service.case(case_id), outcome, gaps=world.store.case_gaps(case_id))


def test_jpy_refund_handoff_has_six_sections_and_yen_amounts() -> None:
    world = World()
    handoff = handoff_after(world, "cus_kenji", Bucket.PRODUCT_FAILURE, ActionKind.REFUND, "ch_jp")
    assert [section.title for section in handoff.sections] == list(SECTION_TITLES)
    assert handoff.section("CUSTOMER").lines == [
        "Kenji Sato / kenji@example.jp",
        "Stripe IDs: cus_kenji, sub_jp",
    ]
    assert handoff.section("BILLING STATE").lines == [
        "sub_jp: Pro (monthly), active, ¥3,000/mo MRR, renews 2025-03-21"
    ]
    assert (
        handoff.section("DECISION").lines[0] == "Product failure by <@UOPS1> (bot suggested: Product failure)"
    )
    assert handoff.section("ACTION TAKEN").lines == [
        "Refunded ¥3,000 of ch_jp (re_1, succeeded)",
        "Confirmed by <@UOPS1>",
    ]
    assert handoff.section("FOLLOW-UP").lines == [
        "Hi Kenji, sorry for the trouble. I refunded ¥3,000 to your original payment method. "
        "Refunds usually appear on the statement within 5-10 business days."
    ]
    assert handoff.section("PRODUCT GAP").lines == ["A product failure turned into a billing ticket"]
    assert handoff.revenue.refunded == [Money(amount=3000, currency="jpy")]
    assert handoff.revenue.mrr_change == []


def test_yearly_cancel_at_period_end_loses_a_twelfth_of_the_year_per_month() -> None:
    world = World()
    handoff = handoff_after(
        world, "cus_yuki", Bucket.MISSING_SELF_SERVE, ActionKind.CANCEL_AT_PERIOD_END, "sub_year"
    )
    assert handoff.revenue.mrr_change == [Money(amount=-1667, currency="usd")]
    assert (
        handoff.revenue.mrr_change_from is not None
        and handoff.revenue.mrr_change_from.date().isoformat() == "2026-02-19"
    )
    assert handoff.revenue.refunded == []
    assert handoff.section("ACTION TAKEN").lines[0] == "Set sub_year to cancel at period end (2026-02-19)"
    assert "will end on February 19, 2026" in handoff.section("FOLLOW-UP").lines[0]


def test_duplicate_handoff_refund_and_mrr_and_requester() -> None:
    world = World()
    handoff = handoff_after(
        world, "cus_jane", Bucket.DUPLICATE, ActionKind.CANCEL_AND_REFUND, "sub_new", actor=SECOND_OPERATOR
    )
    assert handoff.revenue.refunded == [Money(amount=2000, currency="usd")]
    assert handoff.revenue.mrr_change == [Money(amount=-2000, currency="usd")]
    assert handoff.revenue.mrr_change_from is None
    assert handoff.section("ACTION TAKEN").lines == [
        "Cancelled sub_new now (status canceled)",
        "Refunded $20.00 of ch_new (re_1, succeeded)",
        "Confirmed by <@UOPS2>, requested by <@UOPS1>",
    ]
    assert handoff.section("FOLLOW-UP").lines == [
        "Hi Jane, you were subscribed twice to Pro. I cancelled the newer one and refunded its $20.00. "
        "Refunds usually appear on the statement within 5-10 business days. "
        "Your original subscription continues unchanged and renews on March 11, 2025."
    ]
    assert handoff.section("PRODUCT GAP").lines == ["No duplicate-subscription guard at checkout"]


def test_no_op_handoff_explains_seats() -> None:
    world = World()
    case_id = world.case("cus_team", Bucket.TEAM)
    before = world.gateway.snapshot("cus_team", matched_on="email")
    outcome = world.service.resolve_without_change(case_id, ActionKind.EXPLAIN_BILLING, OPERATOR)
    handoff = build_handoff(before, world.service.case(case_id), outcome, gaps=[])
    assert handoff.section("ACTION TAKEN").lines == [
        "No change in Stripe (explain billing)",
        "Confirmed by <@UOPS1>",
    ]
    assert handoff.section("FOLLOW-UP").lines == [
        "Hi Acme, Team is billed per seat: 5 seat(s) × $10.00 = $50.00 per month. "
        "Adding or removing seats changes the next invoice, prorated to the day."
    ]
    assert handoff.revenue.refunded == [] and handoff.revenue.mrr_change == []
