"""What an operator sees when something went wrong: short, with a reference ID, never a traceback."""

from __future__ import annotations

from slack_sdk.models.blocks import ActionsBlock, Block, ButtonElement, MarkdownTextObject, SectionBlock

from messages.ids import ActionId, ButtonValue


def unexpected_error_text(reference: str) -> str:
    return f":warning: Something went wrong on our side; the card and the audit log show what was done. Reference: `{reference}`"


def tampered_value_text() -> str:
    return (
        ":warning: That button or form is not one this bot made (or it is out of date). Nothing was changed."
    )


def billing_error_text(message: str) -> str:
    return f":warning: {message}"


def lookup_failed_text(message: str, reference: str) -> str:
    return f":warning: {message} Nothing was changed. Reference: `{reference}`"


def lookup_failed_blocks(message: str, reference: str, retry: ButtonValue) -> list[Block]:
    """Stripe failed or timed out during a lookup: say so briefly and offer a Retry."""
    return [
        SectionBlock(text=MarkdownTextObject(text=lookup_failed_text(message, reference))),
        ActionsBlock(
            block_id="lookup.retry",
            elements=[
                ButtonElement(text="Retry", action_id=ActionId.RETRY_LOOKUP.value, value=retry.encode())
            ],
        ),
    ]
