"""Decision blocks for the card: a bucket's actions, the confirm prompt, the final state; portal ephemerals."""

from __future__ import annotations

import re

from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    ButtonElement,
    ContextBlock,
    MarkdownTextObject,
    SectionBlock,
)

from billing.action_kinds import definition
from billing.action_models import ActionOutcome, Option, PendingAction, PortalCheck
from billing.models import Bucket
from messages.format import code, escape, minute
from messages.ids import ActionId, ButtonValue


def decision_blocks(
    case_id: str, bucket: Bucket, options: list[Option], *, classified_by: str
) -> list[Block]:
    """The bucket's actions, safest first, and a way back to the five buckets."""
    text = (
        f"*DECISION* · Classified as *{bucket.label}* by <@{classified_by}>.\n"
        "Choose an action; nothing changes in Stripe until you confirm."
    )
    buttons = [
        ButtonElement(
            text=definition(option.kind).button_label(bucket),
            action_id=definition(option.kind).button_id,
            value=ButtonValue(
                case=case_id, bucket=bucket.value, target=option.target, form=option.asks or None
            ).encode(),
        )
        for option in options
    ]
    buttons.append(
        ButtonElement(
            text="Reclassify", action_id=ActionId.RECLASSIFY.value, value=ButtonValue(case=case_id).encode()
        )
    )
    return [_section(text), ActionsBlock(block_id="decision.actions", elements=buttons)]


def confirm_blocks(pending: PendingAction) -> list[Block]:
    """The exact effect of the second click, with Confirm and Back."""
    notes = [f"Requested by <@{pending.requested_by}> · expires {minute(pending.expires_at)}"]
    if pending.needs_second_operator:
        impact = f" ({pending.impact.format()})" if pending.impact else ""
        notes.append(f"Impact above the approval threshold{impact}: *another operator* must confirm.")
    if pending.last_error:
        notes.append(f"Last attempt failed: {escape(pending.last_error)} Confirm again to retry.")
    value = ButtonValue(case=pending.case_id, nonce=pending.nonce).encode()
    return [
        _section(f":warning: *Confirm:* {escape(pending.summary)}"),
        ContextBlock(elements=[MarkdownTextObject(text=" · ".join(notes))]),
        ActionsBlock(
            block_id="decision.confirm",
            elements=[
                ButtonElement(text="Confirm", action_id=ActionId.CONFIRM.value, value=value, style="danger"),
                ButtonElement(text="Back", action_id=ActionId.BACK.value, value=value),
            ],
        ),
    ]


def outcome_summary(outcome: ActionOutcome) -> str:
    text = definition(outcome.kind).card_outcome(outcome, code)
    return text[0].upper() + text[1:]


def final_blocks(outcome: ActionOutcome) -> list[Block]:
    if outcome.unfinished:
        return [
            _section(
                f":warning: *PARTLY DONE* · {outcome_summary(outcome)}. {_not_done(outcome)} Handoff in the thread."
            )
        ]
    return [_section(f":white_check_mark: *DONE* · {outcome_summary(outcome)}. Handoff in the thread.")]


def _not_done(outcome: ActionOutcome) -> str:
    """`Not done: the refund of `ch_…` (Stripe refused, …).`: the steps Stripe refused for good."""
    return " ".join(
        f"Not done: the {step.name} of {code(step.object_id)} ({escape(step.reason.rstrip('.'))})."
        for step in outcome.unfinished
    )


def partly_done_text(outcome: ActionOutcome) -> str:
    """Told to the operator who confirmed: what changed in Stripe, and what did not, truthfully."""
    done = definition(outcome.kind).operator_outcome(outcome, code)
    return f":warning: Partly done: {done}. {_not_done(outcome)}"


def acted_note(outcome: ActionOutcome, at_text: str) -> str:
    by = f"<@{outcome.actor}>"
    if outcome.requested_by and outcome.requested_by != outcome.actor:
        by += f" (requested by <@{outcome.requested_by}>)"
    return f"Handled by {by} · {at_text}"


def done_text(outcome: ActionOutcome) -> str:
    """What moved in Stripe, in the operator's words: "Refunded $20.00 (`re_…`)"."""
    text = definition(outcome.kind).operator_outcome(outcome, code)
    return text[0].upper() + text[1:]


def delivery_delayed_text(outcome: ActionOutcome, delayed: list[str]) -> str:
    """The action ran; Slack has not taken some of its messages yet (they are queued and retried)."""
    return f":warning: {done_text(outcome)}; the {' and the '.join(delayed)} failed and will be retried."


def delivery_unbuilt_text(outcome: ActionOutcome, problem: str) -> str:
    """The action ran, but its card and handoff could not be built; say so, not "nothing was changed"."""
    return (
        f":warning: {done_text(outcome)}. The card and the handoff could not be built ({problem}); "
        "look the customer up again for the current state."
    )


def action_error_text(message: str, *, retryable: bool) -> str:
    tail = " The action is still pending: click Confirm again to retry." if retryable else ""
    return f":warning: {message}{tail}"


# --- portal ------------------------------------------------------------------------------------


def portal_link_text(url: str, follow_up: str) -> str:
    """The follow-up names the customer, so it is escaped; only the bot's own <link> becomes the URL. Without
    one (the card could not be rebuilt) the link still reaches the operator."""
    text = ":link: *Billing-portal link* (only you can see this; it is short-lived, so send it now):\n" + url
    if follow_up:
        text += f"\n\n*Text to send:*\n>{escape(follow_up).replace('&lt;link&gt;', url)}"
    return text


PORTAL_NOT_SET_UP = (
    ":no_entry: The customer portal is not set up in this Stripe account "
    "(Dashboard → Settings → Billing → Customer portal). No link was created; choose another action."
)


def portal_gap_text(check: PortalCheck) -> str:
    if check.not_set_up:
        return PORTAL_NOT_SET_UP
    config = code(check.configuration_id) if check.configuration_id else "The customer portal"
    gaps = "; ".join(check.gaps)
    return (
        f":no_entry: {config} cannot do what this case needs ({gaps}). No link was created; "
        "recorded as a product gap. Choose another action."
    )


def _section(text: str) -> SectionBlock:
    return SectionBlock(text=MarkdownTextObject(text=text))


_MENTION = re.compile(r"&lt;@([UW][A-Z0-9]+)&gt;")


def escape_keep_mentions(text: str) -> str:
    """Escape customer-controlled text but keep the bot's own <@U…> mentions working."""
    return _MENTION.sub(r"<@\1>", escape(text))
