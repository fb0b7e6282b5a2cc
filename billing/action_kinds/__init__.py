"""One definition per action kind, registered in ACTIONS. Adding an action: a module here (its definition),
its gateway call, its sandbox support, its tests; nothing else names it. An action of one Stripe step
extends one_step.OneStepAction (item_change_action.ItemChangeAction for a subscription item's change), and
its form's "which subscription / invoice / charge" SELECT is pickers.target_field."""

from billing.action_kinds import (  # noqa: F401  (importing registers each definition)
    accept_dispute,
    account_credit,
    apply_coupon,
    cancel_and_refund,
    cancel_at_period_end,
    cancel_prorated,
    change_seats,
    credit_note,
    customer_links,
    end_overlap,
    explain_billing,
    extend_trial,
    keep_both,
    no_action,
    pause_collection,
    portal_flows,
    portal_link,
    record_gap,
    refund,
    retry_payment,
    send_invoice,
    switch_interval,
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
