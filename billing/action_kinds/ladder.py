"""The ladder per bucket: the registered actions that bucket offers, by rank, safest first (pure)."""

from __future__ import annotations

from billing.action_kinds.base import ACTIONS, definition
from billing.action_models import Choices, Option, Plan
from billing.models import Bucket
from billing.snapshot import CustomerSnapshot


def ladder(bucket: Bucket, snapshot: CustomerSnapshot) -> list[Option]:
    """The bucket's actions, safest and most reversible first; actions without a target are left out."""
    options = []
    for action in ACTIONS.offered_in(bucket):
        target = action.target(bucket, snapshot)
        if target is not None:
            asks = action.form(target, snapshot) is not None
            options.append(Option(kind=action.kind, target=target or None, asks=asks))
    return options


def plan_action(
    kind: str,
    target: str,
    snapshot: CustomerSnapshot,
    *,
    amount: int | None = None,
    choices: Choices | None = None,
) -> Plan:
    """Turn a button (kind + target ID, and the form's choices) into the steps it will run; raises
    PreconditionFailed when the target is not this customer's or not in a state the action applies to."""
    return definition(kind).plan(target, snapshot, amount=amount, choices=choices)
