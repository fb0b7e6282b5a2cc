from __future__ import annotations

import threading
from decimal import Decimal

import pytest

from billing.action_kinds.ladder import ladder, plan_action
from billing.action_kinds.steps import idempotency_key
from billing.action_models import ActionKind, Option
from billing.actions import STALE_CLAIM
from billing.approval import ApprovalRule, parse_thresholds
from billing.errors import (
    ActionAlreadyTaken,
    ActionExpired,
    NotAuthorized,
    PreconditionFailed,
    StripeRefused,
    StripeUnavailable,
    TargetBusy,
)
from billing.models import Bucket, Charge, PortalConfiguration
from billing.money import Money
from tests.unit.test_actions_fakes import OPERATOR, SECOND_OPERATOR, STRANGER, World, demo_gateway


def snap(customer_id: str):
    return demo_gateway().snapshot(customer_id, matched_on="email")


# --- the ladder (pure) ---


def test_duplicate_ladder_targets_the_newer_subscription_reversible_first() -> None:
    assert ladder(Bucket.DUPLICATE, snap("cus_jane")) == [
        # Two live subscriptions: each cancel asks which one first (the newer preselected).
        Option(kind=ActionKind.CANCEL_AT_PERIOD_END, target="sub_new", asks=True),
        Option(kind=ActionKind.CANCEL_AND_REFUND, target="sub_new", asks=True),
        Option(kind=ActionKind.KEEP_BOTH),
    ]


def test_ladders_for_the_other_buckets() -> None:
    assert ladder(Bucket.TEAM, snap("cus_team")) == [
        Option(kind=ActionKind.EXPLAIN_BILLING),
        Option(kind=ActionKind.PORTAL_LINK),
        Option(kind=ActionKind.ACCOUNT_CREDIT, target="cus_team", asks=True),
        Option(kind=ActionKind.CHANGE_SEATS, target="sub_team", asks=True),
        Option(kind=ActionKind.RECORD_GAP, asks=True),
    ]
    assert ladder(Bucket.FAILED_PAYMENT, snap("cus_sam")) == [
        Option(kind=ActionKind.PORTAL_PAYMENT_METHOD),
        Option(kind=ActionKind.PORTAL_LINK),
        Option(kind=ActionKind.RETRY_PAYMENT, target="in_open"),
        Option(kind=ActionKind.PAUSE_COLLECTION, target="sub_sam", asks=True),
    ]
    assert ladder(Bucket.MISSING_SELF_SERVE, snap("cus_yuki")) == [
        Option(kind=ActionKind.PORTAL_CANCEL, target="sub_year"),
        Option(kind=ActionKind.PORTAL_LINK),
        Option(kind=ActionKind.CANCEL_AT_PERIOD_END, target="sub_year"),
        Option(kind=ActionKind.PAUSE_COLLECTION, target="sub_year", asks=True),
        Option(kind=ActionKind.CANCEL_PRORATED, target="sub_year"),
        Option(kind=ActionKind.RECORD_GAP, asks=True),
    ]
    assert ladder(Bucket.PRODUCT_FAILURE, snap("cus_kenji")) == [
        Option(kind=ActionKind.PAUSE_COLLECTION, target="sub_jp", asks=True),
        Option(kind=ActionKind.ACCOUNT_CREDIT, target="cus_kenji", asks=True),
        Option(kind=ActionKind.CANCEL_AT_PERIOD_END, target="sub_jp"),
        Option(kind=ActionKind.REFUND, target="ch_jp", asks=True),
        Option(kind=ActionKind.NO_ACTION),
        Option(kind=ActionKind.CREDIT_NOTE, target="in_sub_jp", asks=True),
        Option(kind=ActionKind.CANCEL_PRORATED, target="sub_jp"),
        Option(kind=ActionKind.RECORD_GAP, asks=True),
    ]


def test_actions_without_a_target_are_left_out() -> None:
    assert ladder(Bucket.DUPLICATE, snap("cus_kenji")) == [Option(kind=ActionKind.KEEP_BOTH)]
    assert ladder(Bucket.FAILED_PAYMENT, snap("cus_jane")) == [
        Option(kind=ActionKind.PORTAL_PAYMENT_METHOD),
        Option(kind=ActionKind.PORTAL_LINK),
        Option(kind=ActionKind.PAUSE_COLLECTION, target="sub_new", asks=True),
    ]


# --- planning (pure) ---


def test_plan_cancel_and_refund_states_the_exact_effect() -> None:
    plan = plan_action(ActionKind.CANCEL_AND_REFUND, "sub_new", snap("cus_jane"))
    assert plan.summary == (
        "Refund $20.00 of ch_new to Visa •••• 4242 and cancel sub_new now? "
        "It is the newer duplicate; sub_old (the original) stays."
    )
    assert [(s.name, s.object_id, s.amount) for s in plan.steps] == [
        ("cancel", "sub_new", None),
        ("refund", "ch_new", 2000),
    ]
    assert plan.refund_amount == Money(amount=2000, currency="usd")


def test_plan_refund_in_yen_and_partial() -> None:
    assert (
        plan_action(ActionKind.REFUND, "ch_jp", snap("cus_kenji")).summary
        == "Refund ¥3,000 of ch_jp to Visa •••• 4242?"
    )
    partial = plan_action(ActionKind.REFUND, "ch_jp", snap("cus_kenji"), amount=1000)
    assert partial.summary == "Refund ¥1,000 (of ¥3,000) of ch_jp to Visa •••• 4242?"


def test_plan_refuses_foreign_or_excessive_targets() -> None:
    with pytest.raises(PreconditionFailed, match="not a refundable charge"):
        plan_action(ActionKind.REFUND, "ch_new", snap("cus_kenji"))
    with pytest.raises(PreconditionFailed, match="at most ¥3,000"):
        plan_action(ActionKind.REFUND, "ch_jp", snap("cus_kenji"), amount=3001)
    with pytest.raises(PreconditionFailed, match="not a live subscription"):
        plan_action(ActionKind.CANCEL_AND_REFUND, "sub_jp", snap("cus_jane"))


def test_plan_at_period_end_and_retry() -> None:
    assert (
        plan_action(ActionKind.CANCEL_AT_PERIOD_END, "sub_year", snap("cus_yuki")).summary
        == "Cancel sub_year at the end of its period (2026-02-19)? No refund; the customer keeps access until then."
    )
    assert (
        plan_action(ActionKind.RETRY_PAYMENT, "in_open", snap("cus_sam")).summary
        == "Charge $20.00 for invoice in_open to Visa •••• 4242 now?"
    )


def test_approval_rule_compares_each_currency_to_its_own_threshold_and_flags_one_without() -> None:
    rule = ApprovalRule(parse_thresholds("USD:50,JPY:7000", main_currency="eur"))
    assert not rule.needs_second_operator(Money(amount=5000, currency="usd"))
    assert rule.needs_second_operator(Money(amount=5001, currency="usd"))
    assert not rule.needs_second_operator(Money(amount=7000, currency="jpy"))
    assert rule.needs_second_operator(Money(amount=7001, currency="jpy"))
    assert rule.needs_second_operator(Money(amount=100, currency="gbp"))
    assert not ApprovalRule().needs_second_operator(Money(amount=10**9, currency="usd"))


def test_approval_rule_adds_the_operators_earlier_impacts_in_the_same_currency() -> None:
    rule = ApprovalRule(parse_thresholds("10", main_currency="usd"))
    six = Money(amount=600, currency="usd")
    assert not rule.needs_second_operator(six)
    assert rule.needs_second_operator(six, [six])
    assert not rule.needs_second_operator(six, [Money(amount=600, currency="eur")])


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("lots", "expected CURRENCY:AMOUNT"),
        ("USD:-5", "positive"),
        ("USD:NaN", "positive"),
        ("USD:5,usd:6", "USD is given twice"),
        ("US:5", "expected CURRENCY:AMOUNT"),
    ],
)
def test_malformed_approval_thresholds_are_refused_naming_the_part(text: str, problem: str) -> None:
    with pytest.raises(ValueError, match=problem):
        parse_thresholds(text, main_currency="usd")


def test_idempotency_key_is_stable_per_step_and_generation() -> None:
    assert idempotency_key("pa_x", "refund", 0) == "billing-ops:pa_x:refund"
    assert idempotency_key("pa_x", "refund", 1) == "billing-ops:pa_x:refund:1"


# --- classify ---


def test_classify_records_decision_and_suggestion() -> None:
    world = World()
    case_id = world.case("cus_jane", suggested=Bucket.DUPLICATE)
    case = world.service.classify(case_id, Bucket.TEAM, OPERATOR)
    assert (case.bucket, case.bucket_by, case.status) == (Bucket.TEAM, OPERATOR, "classified")
    row = world.store.audit_rows(case_id=case_id)[-1]
    assert (row["event"], row["actor"]) == ("classified", OPERATOR)
    assert '"bucket": "team"' in row["detail"] and '"suggested": "duplicate"' in row["detail"]
    assert world.service.reclassify(case_id, OPERATOR).bucket is None
    assert world.service.classify(case_id, Bucket.DUPLICATE, OPERATOR).bucket == Bucket.DUPLICATE


def test_classify_by_non_operator_changes_nothing() -> None:
    world = World()
    case_id = world.case("cus_jane")
    with pytest.raises(NotAuthorized):
        world.service.classify(case_id, Bucket.TEAM, STRANGER)
    assert world.store.get_case(case_id)["bucket"] is None  # type: ignore[index]
    assert world.events(case_id) == [("not_authorized", "denied")]


# --- first and second click ---


def test_first_click_stores_pending_and_calls_no_stripe_write() -> None:
    world = World()
    case_id = world.case("cus_jane", Bucket.DUPLICATE)
    pending = world.service.request(case_id, ActionKind.CANCEL_AND_REFUND, "sub_new", OPERATOR)
    assert pending.status == "pending"
    assert pending.target_ids == ["sub_new", "ch_new"]
    assert (pending.amount, pending.currency) == (2000, "usd")
    assert pending.expires_at == world.clock.now().replace(minute=10)
    assert world.gateway.writes == []


def test_duplicate_confirm_cancels_newer_and_refunds_once() -> None:
    world = World()
    case_id = world.case("cus_jane", Bucket.DUPLICATE)
    nonce = world.service.request(case_id, ActionKind.CANCEL_AND_REFUND, "sub_new", OPERATOR).nonce
    outcome = world.service.confirm(nonce, OPERATOR)
    assert world.gateway.writes == [
        ("cancel", "sub_new", f"billing-ops:{nonce}:cancel"),
        ("refund", "ch_new", f"billing-ops:{nonce}:refund"),
    ]
    assert world.gateway.subscriptions["sub_old"].status == "active"
    assert outcome.refund is not None and outcome.refund.metadata["billing_ops_nonce"] == nonce
    assert world.store.get_pending(nonce)["status"] == "done"  # type: ignore[index]
    assert world.store.get_case(case_id)["status"] == "acted"  # type: ignore[index]
    with pytest.raises(ActionAlreadyTaken, match="Already done by <@UOPS1>"):
        world.service.confirm(nonce, SECOND_OPERATOR)
    assert len(world.gateway.writes) == 2
    assert world.events(case_id)[-3:] == [
        ("action_requested", "pending"),
        ("action_confirmed", "running"),
        ("action_succeeded", "success"),
    ]


def test_concurrent_confirms_refund_exactly_once() -> None:
    world = World()
    case_id = world.case("cus_kenji", Bucket.PRODUCT_FAILURE)
    nonce = world.service.request(case_id, ActionKind.REFUND, "ch_jp", OPERATOR).nonce
    barrier = threading.Barrier(4)
    errors: list[Exception] = []

    def click() -> None:
        barrier.wait()
        try:
            world.service.confirm(nonce, OPERATOR)
        except ActionAlreadyTaken as error:
            errors.append(error)

    threads = [threading.Thread(target=click) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(world.gateway.refunds) == 1
    assert len(errors) == 3


def two_cases_refunding(world: World, charge_id: str, amount: int) -> list[str]:
    """Two operators looked the same customer up and each planned a refund of the same charge."""
    return [
        world.service.request(
            world.case("cus_kenji", Bucket.PRODUCT_FAILURE),
            ActionKind.REFUND,
            charge_id,
            actor,
            amount=amount,
        ).nonce
        for actor in (OPERATOR, SECOND_OPERATOR)
    ]


def test_racing_confirms_on_two_cases_for_one_charge_refund_once() -> None:
    world = World()
    nonces = two_cases_refunding(world, "ch_jp", 1000)  # each partial refund would fit on its own
    loser_answered = threading.Event()
    read_charge = world.gateway.get_charge

    def reread_after_the_loser_answered(charge_id: str) -> Charge:
        # Holds the winner between its claim and its Stripe write; without the lock both wait here.
        loser_answered.wait(timeout=5)
        return read_charge(charge_id)

    world.gateway.get_charge = reread_after_the_loser_answered  # type: ignore[method-assign]
    barrier = threading.Barrier(2)
    winners: list[str] = []
    busy: list[TargetBusy] = []

    def confirm(nonce: str, actor: str) -> None:
        barrier.wait()
        try:
            winners.append(world.service.confirm(nonce, actor).actor)
        except TargetBusy as error:
            busy.append(error)
            loser_answered.set()

    threads = [
        threading.Thread(target=confirm, args=(nonce, actor))
        for nonce, actor in zip(nonces, (OPERATOR, SECOND_OPERATOR), strict=True)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(world.gateway.writes) == 1 and len(winners) == 1 and len(busy) == 1
    assert busy[0].message.startswith(f"Another action on ch_jp is in progress (by <@{winners[0]}>)")
    [lost] = [nonce for nonce in nonces if world.store.get_pending(nonce)["status"] == "pending"]  # type: ignore[index]
    lost_case = world.store.get_pending(lost)["case_id"]  # type: ignore[index]
    assert world.events(lost_case)[-1] == ("action_blocked", "target_busy")
    assert world.store.target_locks() == {}
    # Its Confirm still works and re-reads Stripe: the charge moved since it was planned.
    world.gateway.get_charge = read_charge  # type: ignore[method-assign]
    loser = SECOND_OPERATOR if winners[0] == OPERATOR else OPERATOR
    with pytest.raises(PreconditionFailed, match="ch_jp was refunded since this was planned"):
        world.service.confirm(lost, loser)
    assert len(world.gateway.refunds) == 1


def test_sequential_cancels_of_one_subscription_from_two_cases_cancel_once() -> None:
    world = World()
    nonces = [
        world.service.request(
            world.case("cus_yuki", Bucket.MISSING_SELF_SERVE),
            ActionKind.CANCEL_AT_PERIOD_END,
            "sub_year",
            actor,
        ).nonce
        for actor in (OPERATOR, SECOND_OPERATOR)
    ]
    world.service.confirm(nonces[0], OPERATOR)
    with pytest.raises(PreconditionFailed, match="already set to cancel at period end"):
        world.service.confirm(nonces[1], SECOND_OPERATOR)
    assert [write[0] for write in world.gateway.writes] == ["cancel"]


def test_a_crashed_actions_lock_on_a_charge_lapses_like_its_claim() -> None:
    world = World()
    crashed, waiting = two_cases_refunding(world, "ch_jp", 1000)
    assert world.store.claim_pending(
        crashed, actor=OPERATOR, stale_after=STALE_CLAIM
    )  # then the process died
    with pytest.raises(TargetBusy, match="by <@UOPS1>"):
        world.service.confirm(waiting, SECOND_OPERATOR)
    assert world.gateway.writes == []
    world.clock.advance(minutes=3)
    outcome = world.service.confirm(waiting, SECOND_OPERATOR)
    assert outcome.refund is not None and outcome.refund.amount == 1000
    assert world.store.get_pending(waiting)["status"] == "done"  # type: ignore[index]
    assert world.store.target_locks() == {}


def test_non_operator_confirm_changes_nothing() -> None:
    world = World()
    case_id = world.case("cus_kenji", Bucket.PRODUCT_FAILURE)
    nonce = world.service.request(case_id, ActionKind.REFUND, "ch_jp", OPERATOR).nonce
    with pytest.raises(NotAuthorized):
        world.service.confirm(nonce, STRANGER)
    assert world.gateway.writes == []
    assert world.store.get_pending(nonce)["status"] == "pending"  # type: ignore[index]


def test_confirm_after_ten_minutes_changes_nothing() -> None:
    world = World()
    case_id = world.case("cus_kenji", Bucket.PRODUCT_FAILURE)
    nonce = world.service.request(case_id, ActionKind.REFUND, "ch_jp", OPERATOR).nonce
    world.clock.advance(minutes=10)
    with pytest.raises(ActionExpired, match="expired after 10 minutes"):
        world.service.confirm(nonce, OPERATOR)
    assert world.gateway.writes == []


def test_unknown_nonce_is_explained() -> None:
    with pytest.raises(ActionExpired, match="unknown"):
        World().service.confirm("pa_nope", OPERATOR)


def test_refund_above_threshold_needs_a_second_operator() -> None:
    world = World(approval_above=Decimal("100"))
    case_id = world.case("cus_yuki", Bucket.PRODUCT_FAILURE)
    pending = world.service.request(case_id, ActionKind.REFUND, "ch_year", OPERATOR)
    assert pending.needs_second_operator
    with pytest.raises(NotAuthorized, match="another operator"):
        world.service.confirm(pending.nonce, OPERATOR)
    assert world.gateway.writes == []
    outcome = world.service.confirm(pending.nonce, SECOND_OPERATOR)
    assert outcome.refund is not None and outcome.refund.amount == 20000
    assert outcome.requested_by == OPERATOR and outcome.actor == SECOND_OPERATOR


def test_stripe_outage_leaves_action_retryable_and_audit_honest() -> None:
    world = World()
    case_id = world.case("cus_kenji", Bucket.PRODUCT_FAILURE)
    nonce = world.service.request(case_id, ActionKind.REFUND, "ch_jp", OPERATOR).nonce
    world.gateway.fail_next.append(StripeUnavailable("api_error", request_id="req_500"))
    with pytest.raises(StripeUnavailable):
        world.service.confirm(nonce, OPERATOR)
    row = world.store.get_pending(nonce)
    assert row is not None and (row["status"], row["last_error"]) == (
        "pending",
        "Stripe did not complete the request: api_error",
    )
    assert ("action_succeeded", "success") not in world.events(case_id)
    assert world.events(case_id)[-1] == ("action_failed", "error_retryable")
    assert world.store.audit_rows(case_id=case_id)[-1]["stripe_request_id"] == "req_500"
    world.service.confirm(nonce, OPERATOR)
    assert len(world.gateway.refunds) == 1


def test_lost_answer_after_refund_replays_instead_of_refunding_twice() -> None:
    world = World()
    case_id = world.case("cus_kenji", Bucket.PRODUCT_FAILURE)
    nonce = world.service.request(case_id, ActionKind.REFUND, "ch_jp", OPERATOR).nonce
    world.gateway.fail_after_effect = True
    with pytest.raises(StripeUnavailable):
        world.service.confirm(nonce, OPERATOR)
    # The charge is already fully refunded, but the in-flight step skips re-verification: the key decides.
    outcome = world.service.confirm(nonce, OPERATOR)
    assert outcome.refund is not None and len(world.gateway.refunds) == 1
    assert world.gateway.writes == [("refund", "ch_jp", f"billing-ops:{nonce}:refund")]


def test_lost_answer_blocks_other_cases_and_back_until_confirmed_again() -> None:
    world = World()
    case_id = world.case("cus_kenji", Bucket.PRODUCT_FAILURE)
    nonce = world.service.request(case_id, ActionKind.REFUND, "ch_jp", OPERATOR).nonce
    other_case = world.case("cus_kenji", Bucket.PRODUCT_FAILURE)
    other = world.service.request(other_case, ActionKind.REFUND, "ch_jp", SECOND_OPERATOR)
    world.gateway.fail_after_effect = True
    with pytest.raises(StripeUnavailable):
        world.service.confirm(nonce, OPERATOR)
    world.clock.advance(minutes=5)  # past the claim's staleness: the lock must not lapse
    with pytest.raises(ActionAlreadyTaken, match="has not confirmed"):
        world.service.back(nonce, OPERATOR)
    with pytest.raises(TargetBusy):
        world.service.confirm(other.nonce, OPERATOR)
    assert world.service.confirm(nonce, OPERATOR).refund is not None
    assert len(world.gateway.refunds) == 1


def test_stale_running_claim_is_reclaimed_with_the_same_key() -> None:
    world = World()
    case_id = world.case("cus_kenji", Bucket.PRODUCT_FAILURE)
    nonce = world.service.request(case_id, ActionKind.REFUND, "ch_jp", OPERATOR).nonce
    assert world.store.claim_pending(nonce, actor=OPERATOR, stale_after=STALE_CLAIM)
    world.store.save_pending_progress(nonce, {"completed": {}, "in_flight": "refund", "generation": {}})
    world.gateway.refund_charge(
        "ch_jp", amount=3000, reason="x", metadata={}, idempotency_key=f"billing-ops:{nonce}:refund"
    )
    with pytest.raises(ActionAlreadyTaken, match="In progress"):
        world.service.confirm(nonce, OPERATOR)
    world.clock.advance(minutes=3)  # the process that claimed it died
    world.service.confirm(nonce, OPERATOR)
    assert len(world.gateway.refunds) == 1
    assert world.store.get_pending(nonce)["status"] == "done"  # type: ignore[index]


def test_definitive_refusal_bumps_the_key_generation() -> None:
    world = World()
    case_id = world.case("cus_sam", Bucket.FAILED_PAYMENT)
    nonce = world.service.request(case_id, ActionKind.RETRY_PAYMENT, "in_open", OPERATOR).nonce
    world.gateway.fail_next.append(StripeRefused("card declined", code="card_declined"))
    with pytest.raises(StripeRefused):
        world.service.confirm(nonce, OPERATOR)
    world.service.confirm(nonce, OPERATOR)
    assert world.gateway.writes == [("pay", "in_open", f"billing-ops:{nonce}:pay:1")]


def test_changed_stripe_state_fails_the_action_without_a_write() -> None:
    world = World()
    case_id = world.case("cus_kenji", Bucket.PRODUCT_FAILURE)
    nonce = world.service.request(case_id, ActionKind.REFUND, "ch_jp", OPERATOR).nonce
    world.gateway.refund_charge("ch_jp", amount=1000, reason="x", metadata={}, idempotency_key="dashboard")
    with pytest.raises(PreconditionFailed, match="¥1,000 refunded already"):
        world.service.confirm(nonce, OPERATOR)
    assert len(world.gateway.refunds) == 1
    assert world.store.get_pending(nonce)["status"] == "failed"  # type: ignore[index]
    assert world.events(case_id)[-1] == ("action_failed", "error_final")


def test_back_withdraws_and_reclassify_stops_after_an_action() -> None:
    world = World()
    case_id = world.case("cus_jane", Bucket.DUPLICATE)
    nonce = world.service.request(case_id, ActionKind.CANCEL_AND_REFUND, "sub_new", OPERATOR).nonce
    world.service.back(nonce, OPERATOR)
    with pytest.raises(ActionExpired, match="withdrawn"):
        world.service.confirm(nonce, OPERATOR)
    world.service.resolve_without_change(case_id, ActionKind.KEEP_BOTH, OPERATOR)
    with pytest.raises(ActionAlreadyTaken):
        world.service.classify(case_id, Bucket.TEAM, OPERATOR)
    with pytest.raises(ActionAlreadyTaken):
        world.service.resolve_without_change(case_id, ActionKind.KEEP_BOTH, OPERATOR)
    assert world.gateway.writes == []


def test_pending_action_cannot_run_after_the_case_was_resolved() -> None:
    world = World()
    case_id = world.case("cus_jane", Bucket.DUPLICATE)
    nonce = world.service.request(case_id, ActionKind.CANCEL_AND_REFUND, "sub_new", OPERATOR).nonce
    world.service.resolve_without_change(case_id, ActionKind.KEEP_BOTH, SECOND_OPERATOR)
    with pytest.raises(ActionAlreadyTaken, match="already handled by <@UOPS2>"):
        world.service.confirm(nonce, OPERATOR)
    assert world.gateway.writes == []


# --- portal ---


def test_portal_link_creates_session_and_keeps_url_out_of_the_audit_log() -> None:
    world = World()
    case_id = world.case("cus_sam", Bucket.FAILED_PAYMENT)
    check = world.service.portal_link(case_id, OPERATOR)
    assert check.outcome is not None and check.outcome.portal is not None
    assert all("billing.stripe.com" not in str(row) for row in world.store.audit_rows(case_id=case_id))
    assert world.store.get_case(case_id)["status"] == "acted"  # type: ignore[index]


def test_portal_without_cancellation_records_a_gap_and_keeps_the_case_open() -> None:
    world = World()
    world.gateway.portal_configs = [
        PortalConfiguration(
            id="bpc_nora",
            is_default=True,
            active=True,
            payment_method_update=True,
            subscription_cancel=False,
            invoice_history=True,
            subscription_update=False,
        )
    ]
    case_id = world.case("cus_yuki", Bucket.MISSING_SELF_SERVE)
    check = world.service.portal_link(case_id, OPERATOR)
    assert check.outcome is None
    assert check.missing_features == ["subscription_cancel"]
    assert world.store.gap_counts() == [
        ("Customer portal does not let customers cancel their subscription", 1)
    ]
    assert world.store.get_case(case_id)["status"] == "classified"  # type: ignore[index]


def test_refund_modal_reads_one_charge_and_refuses_other_customers_and_spent_ones() -> None:
    world = World()
    case = world.service.case(world.case("cus_kenji", Bucket.PRODUCT_FAILURE))
    assert world.service.refundable_charge(case, "ch_jp").amount == 3000
    with pytest.raises(PreconditionFailed, match="not a charge of this customer"):
        world.service.refundable_charge(case, "ch_new")
    world.service.confirm(
        world.service.request(case.id, ActionKind.REFUND, "ch_jp", OPERATOR).nonce, OPERATOR
    )
    with pytest.raises(PreconditionFailed, match="nothing left to refund"):
        world.service.refundable_charge(case, "ch_jp")
