"""An action only partly done (billing/partial.py), through ActionService over the fake gateway."""

from __future__ import annotations

import pytest

from billing.action_models import ActionKind
from billing.errors import PreconditionFailed, StripeUnavailable
from billing.models import Bucket
from tests.unit.test_actions_fakes import OPERATOR, World


def test_a_cancel_of_unknown_outcome_then_a_refund_that_no_longer_fits_is_reported_as_partly_done() -> None:
    world = World()
    case_id = world.case("cus_jane", Bucket.DUPLICATE)
    nonce = world.service.request(case_id, ActionKind.CANCEL_AND_REFUND, "sub_new", OPERATOR).nonce
    world.gateway.fail_after_effect = True  # the cancel lands; its answer is lost
    with pytest.raises(StripeUnavailable):
        world.service.confirm(nonce, OPERATOR)
    charged_back = world.gateway.charges["ch_new"].model_copy(update={"disputed": True})
    world.gateway.charges["ch_new"] = charged_back  # meanwhile the customer's bank charged it back
    outcome = world.service.confirm(nonce, OPERATOR)
    assert outcome.subscription is not None and outcome.subscription.status == "canceled"
    assert outcome.refund is None
    [not_done] = outcome.unfinished
    assert (not_done.name, not_done.object_id) == ("refund", "ch_new")
    assert not_done.reason.startswith("ch_new is disputed, so it is not refunded")
    assert [write[0] for write in world.gateway.writes] == ["cancel"]
    pending = world.store.get_pending(nonce)
    assert pending is not None and pending["status"] == "done"
    assert pending["result"]["in_flight"] is None
    assert pending["result"]["completed"]["cancel"]["id"] == "sub_new"
    assert [step["name"] for step in pending["result"]["unfinished"]] == ["refund"]
    assert world.store.get_case(case_id)["status"] == "acted"  # type: ignore[index]
    assert world.events(case_id)[-1] == ("action_partly_done", "partial")


def test_a_refusal_before_anything_changed_still_fails_the_action_as_nothing_changed() -> None:
    world = World()
    case_id = world.case("cus_jane", Bucket.DUPLICATE)
    nonce = world.service.request(case_id, ActionKind.CANCEL_AND_REFUND, "sub_new", OPERATOR).nonce
    charged_back = world.gateway.charges["ch_new"].model_copy(update={"disputed": True})
    world.gateway.charges["ch_new"] = charged_back
    with pytest.raises(PreconditionFailed, match="is disputed"):
        world.service.confirm(nonce, OPERATOR)
    assert world.gateway.writes == []
    assert world.store.get_pending(nonce)["status"] == "failed"  # type: ignore[index]
    assert world.events(case_id)[-1] == ("action_failed", "error_final")
