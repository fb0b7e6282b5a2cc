"""The modals: lookup (customer and the customer's words), add the customer's words, and the status shown
while a submission is worked on."""

from __future__ import annotations

from collections.abc import Sequence

from slack_sdk.models.blocks import (
    Block,
    InputBlock,
    MarkdownTextObject,
    PlainTextInputElement,
    SectionBlock,
)
from slack_sdk.models.views import View

from messages.ids import CallbackId

LOOKUP_INPUT_BLOCK = "lookup.query"
LOOKUP_INPUT_ACTION = "query"
COMPLAINT_INPUT_BLOCK = "lookup.complaint"
COMPLAINT_INPUT_ACTION = "complaint"
COMPLAINT_INPUT_LIMIT = 2000


def lookup_modal() -> View:
    """The global shortcut's search form."""
    return View(
        type="modal",
        callback_id=CallbackId.LOOKUP_MODAL.value,
        title="Billing lookup",
        submit="Look up",
        close="Cancel",
        blocks=[
            InputBlock(
                block_id=LOOKUP_INPUT_BLOCK,
                label="Customer",
                hint="Email, Stripe ID (cus_, sub_, in_, ch_, pi_), name, or github:handle",
                element=PlainTextInputElement(action_id=LOOKUP_INPUT_ACTION, max_length=200),
            ),
            InputBlock(
                block_id=COMPLAINT_INPUT_BLOCK,
                label="What did the customer say?",
                hint="Optional: paste their words; the suggestion weighs them with the Stripe state.",
                optional=True,
                element=PlainTextInputElement(
                    action_id=COMPLAINT_INPUT_ACTION, multiline=True, max_length=COMPLAINT_INPUT_LIMIT
                ),
            ),
        ],
    )


def words_modal(case_id: str) -> View:
    """ "Add the customer's words": the suggestion is re-run with them (and any words the case had)."""
    return View(
        type="modal",
        callback_id=CallbackId.WORDS_MODAL.value,
        private_metadata=case_id,
        title="Customer's words",
        submit="Re-run suggestion",
        close="Cancel",
        blocks=[
            InputBlock(
                block_id=COMPLAINT_INPUT_BLOCK,
                label="What did the customer say?",
                hint="Paste their words. Card numbers and secrets are removed before anything is stored.",
                element=PlainTextInputElement(
                    action_id=COMPLAINT_INPUT_ACTION, multiline=True, max_length=COMPLAINT_INPUT_LIMIT
                ),
            )
        ],
    )


def status_modal(text: str, blocks: Sequence[Block] | None = None) -> View:
    """What the lookup modal shows while working and afterwards (posted, or what went wrong)."""
    return View(
        type="modal",
        callback_id=CallbackId.LOOKUP_MODAL.value,
        title="Billing lookup",
        close="Close",
        blocks=list(blocks) if blocks else [SectionBlock(text=MarkdownTextObject(text=text))],
    )
