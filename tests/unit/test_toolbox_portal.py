"""Portal links (issue 13): the return URL setting, the flows (card update, cancellation), the truth when no portal
is set up, and an audit row for every attempt."""

from __future__ import annotations

import dataclasses

import pytest

from billing.action_models import ActionKind
from billing.errors import StripeRefused
from billing.models import Bucket
from messages.actions import portal_gap_text
from tests.unit.test_actions_fakes import OPERATOR, World

RETURN_URL = "https://app.example.com/billing"


def world_with_return_url() -> World:
    world = World()
    world.policy = dataclasses.replace(world.policy, portal_return_url=RETURN_URL)
    world.service.policy = world.policy
    return world


def test_every_portal_link_sends_the_configured_return_url() -> None:
    world = world_with_return_url()
    world.service.portal_link(world.case("cus_sam", Bucket.FAILED_PAYMENT), OPERATOR)
    world.service.portal_link(
        world.case("cus_sam", Bucket.FAILED_PAYMENT), OPERATOR, ActionKind.PORTAL_PAYMENT_METHOD
    )
    world.service.portal_link(
        world.case("cus_yuki", Bucket.MISSING_SELF_SERVE), OPERATOR, ActionKind.PORTAL_CANCEL, "sub_year"
    )
    assert world.gateway.portal_sessions == [
        ("cus_sam", RETURN_URL, None, None),
        ("cus_sam", RETURN_URL, "payment_method_update", None),
        ("cus_yuki", RETURN_URL, "subscription_cancel", "sub_year"),
    ]


def test_a_flow_link_closes_the_case_and_is_audited_with_its_kind_and_target() -> None:
    world = World()
    case_id = world.case("cus_yuki", Bucket.MISSING_SELF_SERVE)
    check = world.service.portal_link(case_id, OPERATOR, ActionKind.PORTAL_CANCEL, "sub_year")
    assert check.outcome is not None and check.outcome.kind == ActionKind.PORTAL_CANCEL
    [row] = [
        row for row in world.store.audit_rows(case_id=case_id) if row["event"] == "portal_session_created"
    ]
    assert "sub_year" in row["stripe_ids"] and '"kind": "portal_cancel"' in row["detail"]
    assert world.store.get_case(case_id)["status"] == "acted"  # type: ignore[index]


def test_no_portal_set_up_says_so_records_no_gap_and_is_audited() -> None:
    world = World()
    world.gateway.portal_configs = []
    case_id = world.case("cus_sam", Bucket.FAILED_PAYMENT)
    check = world.service.portal_link(case_id, OPERATOR, ActionKind.PORTAL_PAYMENT_METHOD)
    assert check.not_set_up and check.outcome is None and check.gaps == []
    assert world.store.gap_counts() == []
    assert ("portal_not_set_up", "blocked") in world.events(case_id)
    assert world.gateway.portal_sessions == []
    assert portal_gap_text(check) == (
        ":no_entry: The customer portal is not set up in this Stripe account "
        "(Dashboard → Settings → Billing → Customer portal). No link was created; choose another action."
    )


def test_a_disabled_flow_is_a_true_gap() -> None:
    world = World()
    world.gateway.portal_configs = [
        world.gateway.portal_configs[0].model_copy(update={"payment_method_update": False})
    ]
    case_id = world.case("cus_sam", Bucket.FAILED_PAYMENT)
    check = world.service.portal_link(case_id, OPERATOR, ActionKind.PORTAL_PAYMENT_METHOD)
    assert check.missing_features == ["payment_method_update"]
    assert world.store.gap_counts() == [
        ("Customer portal does not let customers update their payment method", 1)
    ]
    assert ("portal_gap", "blocked") in world.events(case_id)


def test_a_failed_portal_session_is_audited_and_leaves_the_case_open() -> None:
    world = World()
    world.gateway.fail_with["create_portal_session"] = StripeRefused(
        "You must provide a return_url", "parameter_missing", "req_123"
    )
    case_id = world.case("cus_sam", Bucket.FAILED_PAYMENT)
    with pytest.raises(StripeRefused):
        world.service.portal_link(case_id, OPERATOR)
    [row] = [row for row in world.store.audit_rows(case_id=case_id) if row["event"] == "portal_failed"]
    assert row["outcome"] == "error" and row["stripe_request_id"] == "req_123"
    assert "You must provide a return_url" in row["detail"]
    assert world.store.get_case(case_id)["status"] == "classified"  # type: ignore[index]
