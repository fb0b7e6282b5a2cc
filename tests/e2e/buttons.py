"""The button ids the end-to-end tests click, under the names they had before each action's button id moved
into its definition (billing/action_kinds/): the fixed buttons from messages.ids, the actions' from the registry."""

from __future__ import annotations

from billing.action_kinds import button_id
from billing.action_models import ActionKind
from messages.ids import ActionId as FixedButtons


class ActionId:
    CLASSIFY = FixedButtons.CLASSIFY
    RECLASSIFY = FixedButtons.RECLASSIFY
    CONFIRM = FixedButtons.CONFIRM
    BACK = FixedButtons.BACK
    OPEN_CANDIDATE = FixedButtons.OPEN_CANDIDATE
    RETRY_LOOKUP = FixedButtons.RETRY_LOOKUP
    INVESTIGATE = FixedButtons.INVESTIGATE
    CANCEL_DUPLICATE = button_id(ActionKind.CANCEL_AND_REFUND)
    CANCEL_AT_PERIOD_END = button_id(ActionKind.CANCEL_AT_PERIOD_END)
    REFUND_CHARGE = button_id(ActionKind.REFUND)
    RETRY_PAYMENT = button_id(ActionKind.RETRY_PAYMENT)
    PORTAL_LINK = button_id(ActionKind.PORTAL_LINK)
    EXPLAIN_BILLING = button_id(ActionKind.EXPLAIN_BILLING)
    KEEP_BOTH = button_id(ActionKind.KEEP_BOTH)
    NO_ACTION = button_id(ActionKind.NO_ACTION)
