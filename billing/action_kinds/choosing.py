"""Reading the operator's form choices in a plan, and the impact measures issue 13's actions share (pure)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

from billing.action_models import Choice, Choices
from billing.errors import PreconditionFailed
from billing.money import Money, parse_major

# Slack's option text limit.
CHOICE_LABEL_LIMIT = 75


def choice(value: str, label: str) -> Choice:
    if len(label) > CHOICE_LABEL_LIMIT:
        label = label[: CHOICE_LABEL_LIMIT - 1] + "…"
    return Choice(value=value, label=label)


def chosen(choices: Choices | None, name: str) -> str:
    return (choices or {}).get(name, "").strip()


def chosen_option(choices: Choices | None, name: str, allowed: Mapping[str, str], what: str) -> str:
    """One of `allowed`'s keys; the operator chose it in a SELECT, so anything else is a stale or forged form."""
    value = chosen(choices, name)
    if value not in allowed:
        options = ", ".join(allowed.values())
        raise PreconditionFailed(f"Choose the {what} ({options}); nothing was changed.")
    return value


def chosen_amount(choices: Choices | None, name: str, currency: str, *, default: int | None) -> int:
    value = chosen(choices, name)
    if not value:
        if default is None:
            raise PreconditionFailed(f"Enter an amount in {currency.upper()}; nothing was changed.")
        return default
    try:
        return parse_major(value, currency)
    except (ValueError, ArithmeticError):
        raise PreconditionFailed(
            f"{value!r} is not an amount in {currency.upper()}; nothing was changed."
        ) from None


def major_text(amount: int, currency: str) -> str:
    """An AMOUNT field's initial value: major units, no symbol (`"12.50"`, `"3000"`)."""
    return str(Money(amount=amount, currency=currency).major())


def day_text(moment: datetime) -> str:
    return f"{moment:%Y-%m-%d}"
