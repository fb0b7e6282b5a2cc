"""What an action kind must declare, and the registry that holds one definition per kind.

A definition is the one home of an action: its button, the buckets that offer it, how it plans, what it
re-checks against Stripe, its steps (the step name is part of the idempotency key), how the card and the
handoff describe its outcome, its revenue effect, its follow-up text and its product gap. Renderers ask the
outcome's definition; they never infer what happened from which result is set.
"""

from __future__ import annotations

import inspect
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterator, Mapping
from typing import Any, ClassVar

from billing.action_models import (
    ActionOutcome,
    Choices,
    Form,
    Interaction,
    PendingAction,
    Plan,
    RevenueImpact,
    Step,
    TargetRead,
)
from billing.models import Bucket, WriteResult
from billing.ports import BillingGateway
from billing.snapshot import CustomerSnapshot

# How the card marks a Stripe ID (messages/ passes its own formatter, so billing/ knows no mrkdwn).
IdFormat = Callable[[str], str]

DECLARED = (
    "kind",
    "label",
    "button_id",
    "changes_mrr",
    "offered_in",
    "interaction",
    "why",
    "product_gap",
    "step_names",
)


class ActionDefinition(ABC):
    kind: ClassVar[str]
    label: ClassVar[str]  # the button's text (button_label() may vary it per bucket)
    button_id: ClassVar[str]  # Slack action_id of the button
    changes_mrr: ClassVar[bool]
    offered_in: ClassVar[Mapping[Bucket, int]]  # bucket -> rank in its ladder, safest first
    interaction: ClassVar[Interaction]
    why: ClassVar[str]  # the handoff's DECISION: why this action fits
    product_gap: ClassVar[str | None]  # what the product lacks that made this action needed, if anything
    step_names: ClassVar[tuple[str, ...]]  # the Stripe steps a plan may contain, in order

    def button_label(self, bucket: Bucket) -> str:
        return self.label

    @abstractmethod
    def target(self, bucket: Bucket, snapshot: CustomerSnapshot) -> str | None:
        """The Stripe ID the button acts on, "" when it needs none, None when the action does not apply."""

    def form(self, target: str, snapshot: CustomerSnapshot) -> Form | None:
        """The choices the operator makes before the Confirm prompt (pure, from the snapshot); None: the click
        plans at once."""
        return None

    @abstractmethod
    def plan(
        self,
        target: str,
        snapshot: CustomerSnapshot,
        *,
        amount: int | None = None,
        choices: Choices | None = None,
    ) -> Plan:
        """The exact effect of the first click (after the form, if any); raises PreconditionFailed when the
        target or a choice does not fit."""

    def preview(self, plan: Plan, gateway: BillingGateway) -> Plan:
        """Stripe's own preview of the plan (e.g. credit_notes.preview), read once when the operator asks for
        the action, so the Confirm prompt shows what Stripe will do; raises PreconditionFailed when Stripe
        would refuse it. Most actions need none."""
        return plan

    @abstractmethod
    def recheck(self, step: Step, gateway: BillingGateway, pending: PendingAction) -> TargetRead:
        """Re-read the step's target just before Stripe is called and return it as read; raises
        PreconditionFailed when it no longer fits."""

    @abstractmethod
    def request(self, step: Step, pending: PendingAction, *, first_confirmed_by: str) -> dict[str, Any]:
        """The step's request (JSON), fixed at its first attempt and stored: any later Confirm resends it."""

    @abstractmethod
    def send(self, step: Step, gateway: BillingGateway, params: dict[str, Any], key: str) -> WriteResult:
        """Call Stripe for one step with its stored request and idempotency key."""

    @abstractmethod
    def find_effect(self, step: Step, gateway: BillingGateway, *, nonce: str) -> WriteResult | None:
        """The step's effect if Stripe shows it happened (an earlier call's outcome was unknown), else None."""

    @abstractmethod
    def card_outcome(self, outcome: ActionOutcome, ids: IdFormat) -> str:
        """The card's DONE line, lower-case first letter (the card capitalises)."""

    @abstractmethod
    def operator_outcome(self, outcome: ActionOutcome, ids: IdFormat) -> str:
        """What moved in Stripe, in the operator's words (told when the card or handoff is delayed), lower-case
        first letter."""

    @abstractmethod
    def handoff_outcome(self, outcome: ActionOutcome) -> list[str]:
        """ACTION TAKEN lines of the handoff, before who confirmed it."""

    @abstractmethod
    def revenue_effect(self, before: CustomerSnapshot, outcome: ActionOutcome) -> RevenueImpact: ...

    @abstractmethod
    def follow_up(self, snapshot: CustomerSnapshot, outcome: ActionOutcome) -> str:
        """The text the operator sends the customer."""


class IncompleteDefinition(TypeError):
    pass


class Registry:
    def __init__(self) -> None:
        self._by_kind: dict[str, ActionDefinition] = {}

    def register(self, cls: type[ActionDefinition]) -> type[ActionDefinition]:
        """Class decorator: check the definition declares every part, then add it."""
        missing = [name for name in DECLARED if not hasattr(cls, name)]
        if inspect.isabstract(cls):
            missing += sorted(getattr(cls, "__abstractmethods__", ()))
        if missing:
            raise IncompleteDefinition(f"{cls.__name__} does not declare {', '.join(missing)}")
        definition = cls()
        if any(other.button_id == definition.button_id for other in self._by_kind.values()):
            raise IncompleteDefinition(f"{cls.__name__}: button id {definition.button_id} is taken")
        self._by_kind[definition.kind] = definition
        return cls

    def unregister(self, kind: str) -> None:
        self._by_kind.pop(kind, None)

    def __getitem__(self, kind: str) -> ActionDefinition:
        return self._by_kind[kind]

    def __iter__(self) -> Iterator[ActionDefinition]:
        return iter(list(self._by_kind.values()))

    def by_button(self, button_id: str) -> ActionDefinition:
        return next(definition for definition in self if definition.button_id == button_id)

    def offered_in(self, bucket: Bucket) -> list[ActionDefinition]:
        offered = [definition for definition in self if bucket in definition.offered_in]
        return sorted(offered, key=lambda definition: definition.offered_in[bucket])


ACTIONS = Registry()
register = ACTIONS.register


def definition(kind: str) -> ActionDefinition:
    return ACTIONS[kind]


def button_id(kind: str) -> str:
    return ACTIONS[kind].button_id
