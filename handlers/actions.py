"""Card buttons after lookup: classify, the bucket's actions, Confirm/Back, the refund modal, the handoff."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from slack_bolt import Ack, App, BoltContext
from slack_bolt.context.respond import Respond
from slack_sdk import WebClient
from slack_sdk.models.blocks import Block

from billing.action_kinds import ACTIONS, ActionDefinition, ladder
from billing.action_kinds.customer_links import RESULT as LINK_RESULT
from billing.action_models import ActionOutcome, Case, Interaction
from billing.actions import ActionService
from billing.change_models import CustomerLink
from billing.errors import BillingError, StripeRefused, StripeUnavailable, TargetBusy
from billing.handoff import follow_up_text
from billing.models import Bucket
from billing.snapshot import CustomerSnapshot
from handlers.delivery import deliver_outcome
from handlers.middleware import Operator, require_button
from handlers.ports import Services
from handlers.work import Lane, run_later
from messages.actions import (
    action_error_text,
    confirm_blocks,
    decision_blocks,
    delivery_delayed_text,
    delivery_unbuilt_text,
    partly_done_text,
    portal_gap_text,
    portal_link_text,
)
from messages.card import card_text, customer_card
from messages.errors import billing_error_text
from messages.forms import form_modal, format_errors, loading_modal, problem_modal, submitted_choices
from messages.ids import ActionId, BadButtonValue, ButtonValue, CallbackId
from messages.links import customer_link_text

log = logging.getLogger(__name__)

# One click on a card, handled by a CardFlow method: (flow, button value, Slack action, request body).
Click = Callable[["CardFlow", ButtonValue, dict[str, Any], dict[str, Any]], None]
# What a click on an action's button does, by the interaction its definition declares, and the lane it runs
# on (filled below CardFlow). A form's trigger_id lives 3 seconds, so its modal opens on the acking path
# (open_form) and is filled on the lane.
FLOWS: dict[Interaction, tuple[Click, Lane]] = {}


def register(app: App, services: Services) -> None:
    actions = services.actions

    def listener(handle: Click, lane: Lane = Lane.INTERACTIVE) -> Callable[..., None]:
        def run(
            ack: Ack,
            operator: Operator,
            button: ButtonValue | None,
            action: dict[str, Any],
            body: dict[str, Any],
            client: WebClient,
            respond: Respond,
            context: BoltContext,
        ) -> None:
            ack()
            flow = CardFlow(actions, client, operator, services)
            value = require_button(button)
            job = handle
            if value.form and handle is CardFlow.request:
                job, value, action = CardFlow.fill_form, *flow.open_form(value, action, body)
            run_later(
                services.work,
                lane,
                body,
                client,
                respond,
                lambda: flow.guarded(job, value, action, body),
                context=context,
            )

        return run

    app.action(ActionId.CLASSIFY.value)(listener(CardFlow.classify))
    app.action(ActionId.RECLASSIFY.value)(listener(CardFlow.reclassify))
    app.action(ActionId.CONFIRM.value)(listener(CardFlow.confirm, Lane.MONEY))
    app.action(ActionId.BACK.value)(listener(CardFlow.back))
    for definition in ACTIONS:
        app.action(definition.button_id)(listener(*FLOWS[definition.interaction]))

    @app.view(CallbackId.ACTION_FORM.value)
    def form_submitted(
        ack: Ack,
        body: dict[str, Any],
        view: dict[str, Any],
        button: ButtonValue | None,
        client: WebClient,
        context: BoltContext,
    ) -> None:
        errors = format_errors(view)
        if errors:
            ack(response_action="errors", errors=errors)
            return
        ack()
        value = require_button(button)
        choices = submitted_choices(view)
        user_id = (body.get("user") or {}).get("id", "")
        case = actions.case(value.case or "")
        operator = Operator(user_id=user_id, client=client, channel_id=case.channel)
        flow = CardFlow(actions, client, operator, services)
        run_later(
            services.work,
            Lane.INTERACTIVE,
            body,
            client,
            None,
            lambda: flow.guarded(CardFlow.request_with_choices, value, {"choices": choices}, body),
            context=context,
        )


def form_definition(value: ButtonValue) -> ActionDefinition:
    """The action a form's modal belongs to; a kind the bot did not put there is a tampered value."""
    found = next((definition for definition in ACTIONS if definition.kind == value.kind), None)
    if found is None or found.interaction is not Interaction.CONFIRM:
        raise BadButtonValue(f"unknown action kind {value.kind!r}")
    return found


class CardFlow:
    """One click on a card: parse, call ActionService, re-render the card in place, answer the operator."""

    def __init__(
        self, actions: ActionService, client: WebClient, operator: Operator, services: Services
    ) -> None:
        self.actions = actions
        self.client = client
        self.operator = operator
        self.services = services

    def guarded(
        self, handle: Click, value: ButtonValue, action: dict[str, Any], body: dict[str, Any]
    ) -> None:
        # Only confirm leaves a pending action to retry; it answers its own Stripe errors.
        try:
            handle(self, value, action, body)
        except BillingError as error:
            self.operator.tell(billing_error_text(error.message))

    @property
    def user(self) -> str:
        return self.operator.user_id

    # --- classification ----------------------------------------------------------------------------
    def classify(self, value: ButtonValue, action: dict[str, Any], body: dict[str, Any]) -> None:
        if value.bucket is None:
            raise BadButtonValue("classify without a bucket")
        case = self.actions.classify(value.case or "", Bucket(value.bucket), self.user)
        self.show_options(case)

    def reclassify(self, value: ButtonValue, action: dict[str, Any], body: dict[str, Any]) -> None:
        case = self.actions.reclassify(value.case or "", self.user)
        self.update_card(case, self.actions.snapshot(case), None)

    def show_options(self, case: Case, snapshot: CustomerSnapshot | None = None) -> None:
        snapshot = snapshot or self.actions.snapshot(case)
        if case.bucket is None:
            self.update_card(case, snapshot, None)
            return
        options = ladder(case.bucket, snapshot)
        blocks = decision_blocks(case.id, case.bucket, options, classified_by=case.bucket_by or self.user)
        self.update_card(case, snapshot, blocks)

    # --- first click -------------------------------------------------------------------------------
    def request(self, value: ButtonValue, action: dict[str, Any], body: dict[str, Any]) -> None:
        kind = ACTIONS.by_button(action["action_id"]).kind
        case = self.actions.open_case(value.case or "")
        snapshot = self.actions.snapshot(case)
        pending = self.actions.request(case.id, kind, value.target or "", self.user, snapshot=snapshot)
        self.update_card(case, snapshot, confirm_blocks(pending))

    def open_form(
        self, value: ButtonValue, action: dict[str, Any], body: dict[str, Any]
    ) -> tuple[ButtonValue, dict[str, Any]]:
        """On the acking path, without reading Stripe: the trigger_id expires 3 seconds after the click, so a
        "Loading…" modal opens now and fill_form replaces it once Stripe has been read."""
        definition = ACTIONS.by_button(action["action_id"])
        value = value.model_copy(update={"kind": str(definition.kind), "form": True})
        opened = self.client.views_open(
            trigger_id=body["trigger_id"], view=loading_modal(value, definition.label.rstrip("…"))
        )
        view_id = str((opened.get("view") or {}).get("id") or "")
        return value, {**action, "view_id": view_id}

    def fill_form(self, value: ButtonValue, action: dict[str, Any], body: dict[str, Any]) -> None:
        definition = form_definition(value)
        view_id = str(action["view_id"])
        title = definition.label.rstrip("…")
        try:
            case = self.actions.open_case(value.case or "")
            form = definition.form(value.target or "", self.actions.snapshot(case))
        except BillingError as error:
            self.client.views_update(
                view_id=view_id, view=problem_modal(value, title, billing_error_text(error.message))
            )
            return
        if form is None:
            self.client.views_update(
                view_id=view_id,
                view=problem_modal(
                    value, title, "This action needs no choices any more: click its button again."
                ),
            )
            return
        self.client.views_update(view_id=view_id, view=form_modal(value, form))

    def request_with_choices(self, value: ButtonValue, action: dict[str, Any], body: dict[str, Any]) -> None:
        kind = form_definition(value).kind
        case = self.actions.open_case(value.case or "")
        snapshot = self.actions.snapshot(case)
        pending = self.actions.request(
            case.id,
            kind,
            value.target or "",
            self.user,
            choices=action["choices"],
            snapshot=snapshot,
        )
        self.update_card(case, snapshot, confirm_blocks(pending))

    def back(self, value: ButtonValue, action: dict[str, Any], body: dict[str, Any]) -> None:
        case = self.actions.back(value.nonce or "", self.user)
        self.show_options(self.actions.case(case.id))

    # --- second click ------------------------------------------------------------------------------
    def confirm(self, value: ButtonValue, action: dict[str, Any], body: dict[str, Any]) -> None:
        nonce = value.nonce or ""
        try:
            outcome = self.actions.confirm(nonce, self.user)
        except (StripeUnavailable, StripeRefused) as error:
            self.operator.tell(action_error_text(error.message, retryable=True))
            self.show_retry(nonce)
            return
        except TargetBusy as error:
            # The card still shows this prompt and its Confirm still works once the other action ends.
            self.operator.tell(action_error_text(error.message, retryable=True))
            return
        if outcome.unfinished:
            self.operator.tell(partly_done_text(outcome))
        self.finish(outcome)

    def show_retry(self, nonce: str) -> None:
        """The confirm prompt again, noting the failure. While Stripe is still failing the card cannot be
        re-read; the operator has been told and the old prompt's Confirm still works, so leave it."""
        pending = self.actions.pending(nonce)
        case = self.actions.case(pending.case_id)
        try:
            snapshot = self.actions.snapshot(case)
        except StripeUnavailable as error:
            log.warning(
                "case %s: card not refreshed after a failed action (request %s)", case.id, error.request_id
            )
            return
        self.update_card(case, snapshot, confirm_blocks(pending))

    # --- choices without a confirm -----------------------------------------------------------------
    def resolve_without_change(
        self, value: ButtonValue, action: dict[str, Any], body: dict[str, Any]
    ) -> None:
        kind = ACTIONS.by_button(action["action_id"]).kind
        outcome = self.actions.resolve_without_change(value.case or "", kind, self.user)
        self.finish(outcome)

    def portal(self, value: ButtonValue, action: dict[str, Any], body: dict[str, Any]) -> None:
        kind = ACTIONS.by_button(action["action_id"]).kind
        check = self.actions.portal_link(value.case or "", self.user, kind, value.target)
        if check.outcome is None or check.outcome.portal is None:
            self.operator.tell(portal_gap_text(check))
            return
        snapshot = self.finish(check.outcome)
        # The session exists even when the card could not be rebuilt: the operator gets its link either way.
        follow_up = follow_up_text(snapshot, check.outcome) if snapshot is not None else ""
        self.operator.tell(portal_link_text(check.outcome.portal.url, follow_up))

    def send_link(self, value: ButtonValue, action: dict[str, Any], body: dict[str, Any]) -> None:
        kind = ACTIONS.by_button(action["action_id"]).kind
        outcome = self.actions.send_link(value.case or "", kind, value.target or "", self.user)
        link = outcome.result(LINK_RESULT, CustomerLink)
        snapshot = self.finish(outcome)
        if link is not None:
            follow_up = follow_up_text(snapshot, outcome) if snapshot is not None else ""
            self.operator.tell(customer_link_text(link, follow_up))

    # --- after an action: card in its final state, one handoff in the thread -------------------------
    def finish(self, outcome: ActionOutcome) -> CustomerSnapshot | None:
        try:
            delivery = deliver_outcome(self.services, self.client, outcome)
        except BillingError as error:
            # The action is done; only its card and handoff could not be built (Stripe unreadable now).
            self.operator.tell(delivery_unbuilt_text(outcome, error.message))
            return None
        if delivery.delayed:
            self.operator.tell(delivery_delayed_text(outcome, delivery.delayed))
        return delivery.snapshot

    def update_card(
        self, case: Case, snapshot: CustomerSnapshot, blocks: list[Block] | None, *, acted: str | None = None
    ) -> None:
        if not (case.channel and case.message_ts):
            log.warning("case %s has no card message to update", case.id)
            return
        self.client.chat_update(
            channel=case.channel,
            ts=case.message_ts,
            blocks=customer_card(snapshot, case_id=case.id, decision_blocks=blocks, acted_note=acted),
            text=card_text(snapshot),
        )


FLOWS.update(
    {
        Interaction.CONFIRM: (CardFlow.request, Lane.INTERACTIVE),
        Interaction.PORTAL: (CardFlow.portal, Lane.INTERACTIVE),
        Interaction.RESOLVE: (CardFlow.resolve_without_change, Lane.INTERACTIVE),
        Interaction.LINK: (CardFlow.send_link, Lane.INTERACTIVE),
    }
)
