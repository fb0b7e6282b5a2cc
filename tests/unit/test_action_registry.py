"""Every action kind is one complete definition; a new one needs no edit outside its own module."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, ClassVar

import pytest

from billing.action_kinds import (
    ACTIONS,
    ActionDefinition,
    IdFormat,
    Registry,
    button_id,
    definition,
    ladder,
    register,
)
from billing.action_kinds import steps as shared_steps
from billing.action_kinds.base import DECLARED, IncompleteDefinition
from billing.action_kinds.targets import live_subscription
from billing.action_models import (
    ActionKind,
    ActionOutcome,
    Choices,
    Interaction,
    PendingAction,
    Plan,
    RevenueImpact,
    Step,
    TargetRead,
)
from billing.handoff import build_handoff
from billing.models import Bucket, Subscription, WriteResult
from billing.money import Money
from billing.ports import BillingGateway
from billing.snapshot import CustomerSnapshot
from messages.actions import decision_blocks, done_text, final_blocks
from messages.handoff import handoff_text
from tests.unit.test_actions_fakes import OPERATOR, World


def test_every_built_in_kind_is_registered_with_every_part() -> None:
    registered = {action.kind for action in ACTIONS}
    assert set(ActionKind) <= registered  # a new kind may also be a plain string, like the toy below
    for action in ACTIONS:
        for part in DECLARED:
            assert hasattr(action, part), f"{action.kind} lacks {part}"
        assert action.label and action.why and action.button_id.startswith("billing.")
        assert action.offered_in, f"{action.kind} is offered in no bucket"
        assert not getattr(type(action), "__abstractmethods__", None)


@pytest.mark.parametrize(
    ("kind", "customer_id", "bucket", "target"),
    [
        (ActionKind.CANCEL_AND_REFUND, "cus_jane", Bucket.DUPLICATE, "sub_new"),
        (ActionKind.CANCEL_AT_PERIOD_END, "cus_yuki", Bucket.MISSING_SELF_SERVE, "sub_year"),
        (ActionKind.REFUND, "cus_kenji", Bucket.PRODUCT_FAILURE, "ch_jp"),
        (ActionKind.RETRY_PAYMENT, "cus_sam", Bucket.FAILED_PAYMENT, "in_open"),
    ],
)
def test_a_money_action_changes_mrr_exactly_when_it_declares_so(
    kind: ActionKind, customer_id: str, bucket: Bucket, target: str
) -> None:
    world = World()
    case_id = world.case(customer_id, bucket)
    before = world.gateway.snapshot(customer_id, matched_on="email")
    outcome = world.service.confirm(world.service.request(case_id, kind, target, OPERATOR).nonce, OPERATOR)
    handoff = build_handoff(before, world.service.case(case_id), outcome, gaps=[])
    assert definition(kind).step_names
    assert bool(handoff.revenue.mrr_change) == definition(kind).changes_mrr


def test_button_ids_and_ranks_are_unique() -> None:
    assert len({action.button_id for action in ACTIONS}) == len(list(ACTIONS))
    for bucket in Bucket:
        ranks = [action.offered_in[bucket] for action in ACTIONS.offered_in(bucket)]
        assert ranks and len(ranks) == len(set(ranks)), bucket


@pytest.mark.parametrize("missing", ["why", "button_id", "follow_up"])
def test_a_definition_lacking_a_part_is_refused(missing: str) -> None:
    namespace: dict[str, Any] = {
        name: getattr(ToyCancelNow, name) for name in (*DECLARED, "target", "plan", "follow_up")
    }
    del namespace[missing]
    incomplete = type("Incomplete", (ActionDefinition,), namespace)
    with pytest.raises(IncompleteDefinition, match=missing):
        Registry().register(incomplete)


# --- a toy action: everything about it is in this class --------------------------------------------


class ToyCancelNow(ActionDefinition):
    kind: ClassVar[str] = "toy_cancel_now"
    label: ClassVar[str] = "Cancel now, no refund"
    button_id: ClassVar[str] = "billing.toy_cancel_now"
    changes_mrr = True
    offered_in = {Bucket.PRODUCT_FAILURE: 99}
    interaction = Interaction.CONFIRM
    why = "The customer wants out today and the product failure does not warrant a refund."
    product_gap = "No self-serve immediate cancel"
    step_names = ("end",)

    def target(self, bucket: Bucket, snapshot: CustomerSnapshot) -> str | None:
        return snapshot.records.subscriptions[0].id

    def plan(
        self,
        target: str,
        snapshot: CustomerSnapshot,
        *,
        amount: int | None = None,
        choices: Choices | None = None,
    ) -> Plan:
        sub = live_subscription(snapshot, target)
        return Plan(
            kind=self.kind,
            customer_id=snapshot.customer.id,
            steps=[Step(name="end", object_id=sub.id)],
            summary=f"End {sub.id} today, no refund?",
        )

    def recheck(self, step: Step, gateway: BillingGateway, pending: PendingAction) -> TargetRead:
        return shared_steps.recheck_cancel(step, gateway, pending)

    def request(self, step: Step, pending: PendingAction, *, first_confirmed_by: str) -> dict[str, Any]:
        return shared_steps.cancel_request(step, pending)

    def send(self, step: Step, gateway: BillingGateway, params: dict[str, Any], key: str) -> WriteResult:
        return shared_steps.send_cancel(gateway, params, key)

    def find_effect(self, step: Step, gateway: BillingGateway, *, nonce: str) -> WriteResult | None:
        return shared_steps.find_cancel(step, gateway)

    def card_outcome(self, outcome: ActionOutcome, ids: IdFormat) -> str:
        ended = outcome.result("end", Subscription)
        return f"ended {ids(ended.id)} today" if ended else "nothing ended"

    def operator_outcome(self, outcome: ActionOutcome, ids: IdFormat) -> str:
        ended = outcome.result("end", Subscription)
        return f"ended {ids(ended.id)}" if ended else "nothing ended"

    def handoff_outcome(self, outcome: ActionOutcome) -> list[str]:
        ended = outcome.result("end", Subscription)
        return [f"Ended {ended.id} today, no refund"] if ended else []

    def revenue_effect(self, before: CustomerSnapshot, outcome: ActionOutcome) -> RevenueImpact:
        return RevenueImpact(mrr_change=[Money(amount=-3000, currency="jpy")])

    def follow_up(self, snapshot: CustomerSnapshot, outcome: ActionOutcome) -> str:
        return "Hi, your subscription ended today."


@pytest.fixture
def toy() -> Iterator[None]:
    register(ToyCancelNow)
    yield
    ACTIONS.unregister(ToyCancelNow.kind)


@pytest.mark.usefixtures("toy")
def test_a_toy_action_is_offered_planned_run_and_rendered_from_its_definition_alone() -> None:
    world = World()
    case_id = world.case("cus_kenji", Bucket.PRODUCT_FAILURE, suggested=Bucket.PRODUCT_FAILURE)
    before = world.gateway.snapshot("cus_kenji", matched_on="email")

    options = ladder(Bucket.PRODUCT_FAILURE, before)
    assert options[-1].kind == "toy_cancel_now" and options[-1].target == "sub_jp"
    buttons = decision_blocks(case_id, Bucket.PRODUCT_FAILURE, options, classified_by=OPERATOR)[1].to_dict()
    assert {"text": "Cancel now, no refund", "id": button_id("toy_cancel_now")} in [
        {"text": element["text"]["text"], "id": element["action_id"]} for element in buttons["elements"]
    ]

    pending = world.service.request(case_id, "toy_cancel_now", "sub_jp", OPERATOR)
    assert pending.summary == "End sub_jp today, no refund?"
    outcome = world.service.confirm(pending.nonce, OPERATOR)
    assert [(method, key) for method, _, key in world.gateway.writes] == [
        ("cancel", f"billing-ops:{pending.nonce}:end")
    ]

    assert done_text(outcome) == "Ended `sub_jp`"
    card = final_blocks(outcome)[0].to_dict()
    assert card["text"]["text"] == ":white_check_mark: *DONE* · Ended `sub_jp` today. Handoff in the thread."
    handoff = build_handoff(before, world.service.case(case_id), outcome, gaps=world.store.case_gaps(case_id))
    assert handoff.section("DECISION").lines[1] == ToyCancelNow.why
    assert handoff.section("ACTION TAKEN").lines == ["Ended sub_jp today, no refund", "Confirmed by <@UOPS1>"]
    assert handoff.section("FOLLOW-UP").lines == ["Hi, your subscription ended today."]
    assert "No self-serve immediate cancel" in handoff.section("PRODUCT GAP").lines
    assert handoff.revenue.mrr_change == [Money(amount=-3000, currency="jpy")]
    assert "Ended sub_jp today, no refund" in handoff_text(handoff)


def test_what_changes_stripe_needs_a_confirm_and_what_does_not_has_none() -> None:
    world = World()
    case_id = world.case("cus_jane", Bucket.DUPLICATE)
    with pytest.raises(ValueError, match="has no confirm step"):
        world.service.request(case_id, ActionKind.KEEP_BOTH, "", OPERATOR)
    with pytest.raises(ValueError, match="needs request \\+ confirm"):
        world.service.resolve_without_change(case_id, ActionKind.CANCEL_AND_REFUND, OPERATOR)
    assert world.gateway.writes == []


def test_the_e2e_button_map_is_every_button_the_bot_registers() -> None:
    from messages.ids import ActionId as FixedButtons
    from tests.e2e.buttons import ActionId as E2EButtons

    registered = {str(button) for button in FixedButtons} | {action.button_id for action in ACTIONS}
    assert {str(button) for button in E2EButtons} == registered
