"""Every button id the end-to-end tests click or fuzz, under the names they had before each action's button id
moved into its definition (billing/action_kinds/): the fixed buttons from messages.ids, the actions' from the
registry. tests/unit/test_action_registry.py keeps this list equal to what the bot registers."""

from __future__ import annotations

from enum import StrEnum

from billing.action_kinds import button_id
from billing.action_models import ActionKind
from messages.ids import ActionId as FixedButtons


class ActionId(StrEnum):
    CLASSIFY = FixedButtons.CLASSIFY.value
    OPEN_CANDIDATE = FixedButtons.OPEN_CANDIDATE.value
    RETRY_LOOKUP = FixedButtons.RETRY_LOOKUP.value
    OPEN_DASHBOARD = FixedButtons.OPEN_DASHBOARD.value
    RECLASSIFY = FixedButtons.RECLASSIFY.value
    ADD_WORDS = FixedButtons.ADD_WORDS.value
    CONFIRM = FixedButtons.CONFIRM.value
    BACK = FixedButtons.BACK.value
    INVESTIGATE = FixedButtons.INVESTIGATE.value
    CANCEL_DUPLICATE = button_id(ActionKind.CANCEL_AND_REFUND)
    CANCEL_AT_PERIOD_END = button_id(ActionKind.CANCEL_AT_PERIOD_END)
    END_OVERLAP = button_id(ActionKind.END_OVERLAP)
    REFUND_CHARGE = button_id(ActionKind.REFUND)
    RETRY_PAYMENT = button_id(ActionKind.RETRY_PAYMENT)
    PORTAL_LINK = button_id(ActionKind.PORTAL_LINK)
    EXPLAIN_BILLING = button_id(ActionKind.EXPLAIN_BILLING)
    KEEP_BOTH = button_id(ActionKind.KEEP_BOTH)
    NO_ACTION = button_id(ActionKind.NO_ACTION)
    CHANGE_SEATS = button_id(ActionKind.CHANGE_SEATS)
    PORTAL_PAYMENT_METHOD = button_id(ActionKind.PORTAL_PAYMENT_METHOD)
    PORTAL_CANCEL = button_id(ActionKind.PORTAL_CANCEL)
    SWITCH_INTERVAL = button_id(ActionKind.SWITCH_INTERVAL)
    SEND_INVOICE_LINK = button_id(ActionKind.SEND_INVOICE_LINK)
    SEND_RECEIPT = button_id(ActionKind.SEND_RECEIPT)
    SEND_INVOICE = button_id(ActionKind.SEND_INVOICE)
    CREDIT_NOTE = button_id(ActionKind.CREDIT_NOTE)
    CANCEL_PRORATED = button_id(ActionKind.CANCEL_PRORATED)
    ACCEPT_DISPUTE = button_id(ActionKind.ACCEPT_DISPUTE)
    RECORD_GAP = button_id(ActionKind.RECORD_GAP)
    UNDO_CANCELLATION = button_id(ActionKind.UNDO_CANCELLATION)
    PAUSE_COLLECTION = button_id(ActionKind.PAUSE_COLLECTION)
    RESUME_COLLECTION = button_id(ActionKind.RESUME_COLLECTION)
    EXTEND_TRIAL = button_id(ActionKind.EXTEND_TRIAL)
    APPLY_COUPON = button_id(ActionKind.APPLY_COUPON)
    ACCOUNT_CREDIT = button_id(ActionKind.ACCOUNT_CREDIT)
