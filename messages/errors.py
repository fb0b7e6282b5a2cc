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


def slack_problem_text(
    error: str, *, channel: str | None, bot_user_id: str | None, needed_scope: str | None
) -> str | None:
    """A Slack refusal a real workspace produces, said so the operator can fix it; None for the others."""
    where = f"<#{channel}>" if channel else "that channel"
    bot = f"<@{bot_user_id}>" if bot_user_id else "the Billing Ops app"
    if error in ("not_in_channel", "channel_not_found"):
        return (
            f":warning: I can't post in {where}: invite {bot} to it (`/invite @Billing Ops`), then try again."
        )
    if error == "is_archived":
        return (
            f":warning: {where} is archived, so I can't post there. Unarchive it, or change BILLING_CHANNELS."
        )
    if error == "missing_scope":
        scope = f" `{needed_scope}`" if needed_scope else ""
        return (
            f":warning: The Slack app lacks the{scope} permission for this. Reinstall it from manifest.yml "
            "(or add the scope on the app's OAuth & Permissions page)."
        )
    return None


def posted_elsewhere_text(what: str, channel: str, permalink: str | None) -> str:
    link = f" <{permalink}|View it>." if permalink else ""
    return f"Opened {what} in <#{channel}>.{link}"
