"""Unknown outcomes resolved from Stripe's truth (billing/reconcile.py) and crash recovery (billing/recovery.py),
against the fake gateway on an injected clock."""

from __future__ import annotations

from datetime import timedelta

import pytest
import stripe

from billing.action_models import ActionKind
from billing.errors import StripeRefused, StripeUnavailable
from billing.gateway.base import _translate
from billing.models import Bucket
from billing.recovery import ActionRecovery
from tests.unit.test_actions_fakes import OPERATOR, SECOND_OPERATOR, World


def uncertain_refund(world: World, *, landed: bool) -> tuple[str, str]:
    """A refund whose Confirm timed out: after Stripe executed it (`landed`) or before it reached Stripe."""
    case_id = world.case("cus_kenji", Bucket.PRODUCT_FAILURE)
    nonce = world.service.request(case_id, ActionKind.REFUND, "ch_jp", OPERATOR).nonce
    if landed:
        world.gateway.fail_after_effect = True
    else:
        world.gateway.fail_next.append(StripeUnavailable("read timed out"))
    with pytest.raises(StripeUnavailable):
        world.service.confirm(nonce, OPERATOR)
    return case_id, nonce


def test_a_refund_that_landed_is_found_by_its_nonce_a_day_later_and_not_sent_again() -> None:
    world = World()
    _, nonce = uncertain_refund(world, landed=True)
    world.clock.advance(hours=25)
    outcome = world.service.confirm(nonce, SECOND_OPERATOR)
    assert [write[0] for write in world.gateway.writes] == ["refund"]
    assert outcome.refund is not None and outcome.refund.id == world.gateway.refunds[0].id
    assert outcome.refund.metadata["billing_ops_nonce"] == nonce


def test_a_refund_that_never_landed_is_resent_with_its_first_key_and_parameters() -> None:
    world = World()
    _, nonce = uncertain_refund(world, landed=False)
    first = world.service.pending(nonce).progress["requests"]["refund"]
    world.service.confirm(nonce, SECOND_OPERATOR)
    [(_, _, key)] = world.gateway.writes
    assert key == first["key"] == f"billing-ops:{nonce}:refund"
    assert world.gateway.refunds[0].metadata == first["params"]["metadata"]
    assert first["params"]["metadata"]["confirmed_by"] == OPERATOR  # the first request's, whoever resends


def test_past_stripes_key_window_a_refund_that_never_landed_gets_a_new_key() -> None:
    world = World()
    _, nonce = uncertain_refund(world, landed=False)
    world.clock.advance(hours=24)
    world.service.confirm(nonce, SECOND_OPERATOR)
    [(_, _, key)] = world.gateway.writes
    assert key == f"billing-ops:{nonce}:refund:1"
    assert len(world.gateway.refunds) == 1


def test_a_replayed_server_error_is_a_spent_key_not_an_unknown_outcome() -> None:
    error = stripe.APIError("boom", http_status=500, headers={"Idempotent-Replayed": "true"})
    assert isinstance(_translate(error, object_id="ch_1", write=True), StripeRefused)
    fresh = stripe.APIError("boom", http_status=500, headers={})
    assert isinstance(_translate(fresh, object_id="ch_1", write=True), StripeUnavailable)


def test_recovery_finishes_a_crashed_running_action_and_one_left_uncertain_once() -> None:
    world = World()
    crashed_case = world.case("cus_kenji", Bucket.PRODUCT_FAILURE)
    crashed = world.service.request(crashed_case, ActionKind.REFUND, "ch_jp", OPERATOR).nonce
    assert world.store.claim_pending(crashed, actor=OPERATOR, stale_after=timedelta(minutes=2))
    world.clock.advance(seconds=30)  # the process died; a new one starts
    recovery = ActionRecovery(world.service, world.store, world.clock, started_at=world.clock.now())
    [outcome] = recovery.run()
    assert outcome.nonce == crashed and outcome.actor == OPERATOR
    assert world.service.pending(crashed).status == "done"
    assert recovery.run_if_due() == []  # not due again yet
    world.clock.advance(seconds=31)
    assert recovery.run_if_due() == [] and len(world.gateway.refunds) == 1
    events = [event for event, _ in world.events(crashed_case)]
    assert events[-2:] == ["action_resumed", "action_succeeded"]


def test_recovery_leaves_a_live_claim_of_another_process_alone() -> None:
    world = World()
    case_id = world.case("cus_kenji", Bucket.PRODUCT_FAILURE)
    nonce = world.service.request(case_id, ActionKind.REFUND, "ch_jp", OPERATOR).nonce
    recovery = ActionRecovery(world.service, world.store, world.clock, started_at=world.clock.now())
    world.clock.advance(seconds=5)
    assert world.store.claim_pending(nonce, actor=OPERATOR, stale_after=timedelta(minutes=2))
    world.clock.advance(seconds=30)
    assert recovery.run() == []
    assert world.service.pending(nonce).status == "running" and world.gateway.refunds == []
