"""A case's bookkeeping around what Slack shows: opening it when a card is posted, recording where the card
went, building the handoff and recording that it was posted. Listeners only render and post."""

from __future__ import annotations

from billing.action_models import ActionOutcome, Case
from billing.before_state import state_before
from billing.classify import clean_complaint
from billing.handoff import Handoff, build_handoff
from billing.snapshot import CustomerSnapshot
from billing.store import Store

QUERY_LIMIT = 500


def _stored_query(query: str) -> str:
    """A shortcut's query is the customer's message: never store a card number or secret from it."""
    return clean_complaint(query, QUERY_LIMIT)


class CaseService:
    def __init__(self, store: Store) -> None:
        self.store = store

    def open(self, snapshot: CustomerSnapshot, *, query: str, opened_by: str) -> str:
        """A new case for a card about to be posted; its id goes into the card's buttons."""
        return self.store.open_case(
            customer_id=snapshot.customer.id,
            query=_stored_query(query),
            matched_on=snapshot.matched_on,
            suggested_bucket=snapshot.suggestion.value if snapshot.suggestion else None,
            opened_by=opened_by,
            complaint=snapshot.complaint,
        )

    def card_posted(
        self,
        case_id: str,
        snapshot: CustomerSnapshot,
        *,
        query: str,
        actor: str,
        channel: str,
        message_ts: str,
        thread_ts: str | None,
    ) -> None:
        self.store.update_case(case_id, channel=channel, message_ts=message_ts, thread_ts=thread_ts)
        self.store.audit(
            "lookup",
            actor=actor,
            case_id=case_id,
            customer_id=snapshot.customer.id,
            detail={"query": _stored_query(query), "matched_on": snapshot.matched_on},
        )

    def words_added(self, case: Case, snapshot: CustomerSnapshot, *, actor: str) -> None:
        """The customer's words joined the case: its complaint and the suggestion they lead to."""
        suggested = snapshot.suggestion.value if snapshot.suggestion else None
        self.store.update_case(case.id, complaint=snapshot.complaint, suggested_bucket=suggested)
        self.store.audit(
            "complaint_added",
            actor=actor,
            case_id=case.id,
            customer_id=case.customer_id,
            detail={"suggested": suggested},
        )

    def handoff(self, case: Case, outcome: ActionOutcome, *, current: CustomerSnapshot) -> Handoff:
        """From the state the operator acted on: the state after with the re-checked targets put back."""
        before = state_before(current, outcome)
        return build_handoff(before, case, outcome, gaps=self.store.case_gaps(case.id))
