"""What the subscription actions of the operator's toolbox share (undo a cancellation, pause and resume
collection, extend a trial, apply a coupon): a subscription chosen from the snapshot (a "target" SELECT when
several fit), its re-check on a fresh read, and reading dates and times from the form. Their one Stripe step
is billing.action_kinds.one_step's."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime, time

from billing.action_kinds import choosing, steps
from billing.action_kinds.pickers import target_field
from billing.action_kinds.targets import live_subscriptions
from billing.action_models import (
    Choice,
    Choices,
    Form,
    FormField,
    PendingAction,
    Step,
)
from billing.errors import PreconditionFailed
from billing.models import Subscription
from billing.ports import BillingGateway
from billing.snapshot import CustomerSnapshot


def candidates(snapshot: CustomerSnapshot, fits: Callable[[Subscription], bool]) -> list[Subscription]:
    """The live subscriptions an action fits, newest first."""
    return sorted(
        (sub for sub in live_subscriptions(snapshot) if fits(sub)), key=lambda sub: sub.created, reverse=True
    )


def newest_id(snapshot: CustomerSnapshot, fits: Callable[[Subscription], bool]) -> str | None:
    found = candidates(snapshot, fits)
    return found[0].id if found else None


def subscription_choice(sub: Subscription) -> Choice:
    """ "Pro (monthly) · $20.00 · renews 2026-12-30 · sub_…": enough to tell a customer's subscriptions apart."""
    plan = sub.items[0].price.label() if sub.items else "Subscription"
    ends = sub.current_period_end
    when = f" · period ends {ends:%Y-%m-%d}" if ends else ""
    return Choice(value=sub.id, label=f"{plan} · {sub.period_amount()}{when} · {sub.id}")


def target_fields(subs: list[Subscription], target: str) -> list[FormField]:
    """A "target" SELECT when several subscriptions fit; none when the button's one is the only one."""
    if len(subs) <= 1:
        return []
    initial = target if any(sub.id == target for sub in subs) else None
    return [target_field("Subscription", [subscription_choice(sub) for sub in subs], initial=initial)]


def which_subscription(
    snapshot: CustomerSnapshot,
    fits: Callable[[Subscription], bool],
    target: str,
    *,
    title: str,
    intro: str,
) -> Form | None:
    """The form of an action whose only choice is which of several fitting subscriptions; None for one."""
    subs = candidates(snapshot, fits)
    if len(subs) <= 1:
        return None
    return Form(title=title, submit="Review", intro=intro, fields=target_fields(subs, target))


def recheck_subscription(step: Step, gateway: BillingGateway, pending: PendingAction) -> Subscription:
    """The subscription as Stripe has it now, still this customer's and live."""
    sub = gateway.get_subscription(step.object_id)
    steps.verify_subscription(sub, customer_id=pending.customer_id, at_period_end=False)
    return sub


def chosen(choices: Choices | None, name: str, what: str) -> str:
    """The operator's choice, which the form requires."""
    value = choosing.chosen(choices, name)
    if not value:
        raise PreconditionFailed(f"Choose {what} first; nothing was changed.")
    return value


def chosen_date(choices: Choices | None, name: str, what: str) -> date:
    raw = chosen(choices, name, what)
    try:
        return date.fromisoformat(raw)
    except ValueError:
        raise PreconditionFailed(f"{raw!r} is not a date (YYYY-MM-DD); nothing was changed.") from None


def start_of(day: date) -> datetime:
    return datetime.combine(day, time(0), tzinfo=UTC)


def unix(moment: datetime) -> int:
    return int(moment.timestamp())


def from_unix(value: object) -> datetime:
    return datetime.fromtimestamp(int(str(value)), UTC)
