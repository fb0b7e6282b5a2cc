"""The bases of the actions of one Stripe step or none.

An action of exactly one Stripe step declares the step's name once (`step`; its `step_names` follow) and
writes the four step methods without checking the name, because its base refuses any other step before
calling them. An action of no Stripe step writes none of them."""

from __future__ import annotations

from abc import abstractmethod
from typing import Any, ClassVar

from billing.action_kinds import steps
from billing.action_kinds.base import ActionDefinition
from billing.action_models import ActionOutcome, PendingAction, Step, TargetRead
from billing.models import Subscription, WriteResult
from billing.ports import BillingGateway


class OneStepAction(ActionDefinition):
    """An action of exactly one Stripe step, named `step`; its result is the step's return value."""

    step: ClassVar[str]

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if "step" in cls.__dict__:
            cls.step_names = (cls.step,)

    def only(self, step: Step) -> Step:
        if step.name != self.step:
            raise steps.unknown_step(step)
        return step

    def recheck(self, step: Step, gateway: BillingGateway, pending: PendingAction) -> TargetRead:
        return self.recheck_step(self.only(step), gateway, pending)

    def request(self, step: Step, pending: PendingAction, *, first_confirmed_by: str) -> dict[str, Any]:
        return self.request_step(self.only(step), pending, first_confirmed_by=first_confirmed_by)

    def send(self, step: Step, gateway: BillingGateway, params: dict[str, Any], key: str) -> WriteResult:
        return self.send_step(self.only(step), gateway, params, key)

    def find_effect(self, step: Step, gateway: BillingGateway, *, nonce: str) -> WriteResult | None:
        return self.find_step_effect(self.only(step), gateway, nonce=nonce)

    @abstractmethod
    def recheck_step(self, step: Step, gateway: BillingGateway, pending: PendingAction) -> TargetRead:
        """recheck() for this action's step."""

    @abstractmethod
    def request_step(self, step: Step, pending: PendingAction, *, first_confirmed_by: str) -> dict[str, Any]:
        """request() for this action's step."""

    @abstractmethod
    def send_step(self, step: Step, gateway: BillingGateway, params: dict[str, Any], key: str) -> WriteResult:
        """send() for this action's step."""

    @abstractmethod
    def find_step_effect(self, step: Step, gateway: BillingGateway, *, nonce: str) -> WriteResult | None:
        """find_effect() for this action's step."""

    def changed(self, outcome: ActionOutcome) -> Subscription | None:
        return outcome.result(self.step, Subscription)


class NoStepAction(ActionDefinition):
    """An action that plans no Stripe step: the service never calls the step methods, which refuse any."""

    step_names: ClassVar[tuple[str, ...]] = ()

    def no_step(self, step: Step) -> ValueError:
        return steps.unknown_step(step)

    def recheck(self, step: Step, gateway: BillingGateway, pending: PendingAction) -> TargetRead:
        raise self.no_step(step)

    def request(self, step: Step, pending: PendingAction, *, first_confirmed_by: str) -> dict[str, Any]:
        raise self.no_step(step)

    def send(self, step: Step, gateway: BillingGateway, params: dict[str, Any], key: str) -> WriteResult:
        raise self.no_step(step)

    def find_effect(self, step: Step, gateway: BillingGateway, *, nonce: str) -> WriteResult | None:
        raise self.no_step(step)
