"""The card's "Add the customer's words": a modal, then the suggestion re-run with the words, card updated."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, App, BoltContext
from slack_sdk import WebClient

from billing.classify import clean_complaint
from billing.errors import BillingError
from handlers.middleware import Operator, require_button
from handlers.ports import Services
from handlers.views import submitted_complaint
from handlers.work import Lane, run_later
from messages.card import card_text, customer_card
from messages.ids import ActionId, ButtonValue, CallbackId
from messages.modals import COMPLAINT_INPUT_BLOCK, words_modal

NOT_OPERATOR = "Only billing operators (BILLING_OPERATORS) can add words to a case."


def register(app: App, services: Services) -> None:
    @app.action(ActionId.ADD_WORDS.value)
    def add_words(ack: Ack, body: dict[str, Any], button: ButtonValue | None, client: WebClient) -> None:
        ack()
        # The trigger_id lives 3 seconds: open the modal before anything else.
        case_id = require_button(button).case or ""
        client.views_open(trigger_id=body["trigger_id"], view=words_modal(case_id))

    @app.view(CallbackId.WORDS_MODAL.value)
    def words_submitted(
        ack: Ack,
        operator: Operator,
        body: dict[str, Any],
        view: dict[str, Any],
        client: WebClient,
        context: BoltContext,
    ) -> None:
        words = submitted_complaint(view)
        if not words:
            ack(response_action="errors", errors={COMPLAINT_INPUT_BLOCK: "Paste what the customer wrote."})
            return
        ack()
        case_id = view.get("private_metadata") or ""
        run_later(
            services.work,
            Lane.INTERACTIVE,
            body,
            client,
            None,
            lambda: handle_words(services, client, operator, case_id, words),
            context=context,
        )


def handle_words(services: Services, client: WebClient, operator: Operator, case_id: str, words: str) -> None:
    if not services.actions.policy.is_operator(operator.user_id):
        operator.tell(NOT_OPERATOR)
        return
    try:
        case = services.actions.open_case(case_id)
    except BillingError as error:
        operator.tell(error.message)
        return
    complaint = clean_complaint("\n\n".join(part for part in (case.complaint, words) if part))
    snapshot = services.lookup.snapshot(case.customer_id, matched_on=case.matched_on, complaint=complaint)
    services.cases.words_added(case, snapshot, actor=operator.user_id)
    if case.bucket is not None or not (case.channel and case.message_ts):
        operator.tell(
            "Saved the customer's words. Choose *Reclassify* on the card to see the new suggestion."
        )
        return
    client.chat_update(
        channel=case.channel,
        ts=case.message_ts,
        blocks=customer_card(snapshot, case_id=case.id),
        text=card_text(snapshot),
    )
