"""One definition per action kind, registered in ACTIONS. Adding an action: a module here (its definition),
its gateway call, its sandbox support, its tests; nothing else names it."""

from billing.action_kinds import (  # noqa: F401  (importing registers each definition)
    accept_dispute,
    account_credit,
    apply_coupon,
    cancel_and_refund,
    cancel_at_period_end,
    cancel_prorated,
    credit_note,
    explain_billing,
    extend_trial,
    keep_both,
    no_action,
    pause_collection,
    portal_link,
    record_gap,
    refund,
    retry_payment,
    undo_cancellation,
)
from billing.action_kinds.base import (
    ACTIONS,
    ActionDefinition,
    IdFormat,
    Registry,
    button_id,
    definition,
    register,
)
from billing.action_kinds.ladder import ladder

__all__ = [
    "ACTIONS",
    "ActionDefinition",
    "IdFormat",
    "Registry",
    "button_id",
    "definition",
    "ladder",
    "register",
]
