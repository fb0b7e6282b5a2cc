"""Record a product gap in the operator's own words (e.g. "No usage or rate-limit visibility"): stored with the
case and ranked by `billing-bot audit --gaps`. A Confirm with no Stripe step: nothing changes in Stripe."""

from __future__ import annotations

import re

from billing.action_kinds import wording
from billing.action_kinds.base import IdFormat, register
from billing.action_kinds.choosing import chosen
from billing.action_kinds.one_step import NoStepAction
from billing.action_models import (
    ActionKind,
    ActionOutcome,
    Choices,
    FieldKind,
    Form,
    FormField,
    Interaction,
    Plan,
    RevenueImpact,
)
from billing.classify.complaint import clean_complaint
from billing.errors import PreconditionFailed
from billing.models import Bucket
from billing.snapshot import CustomerSnapshot

GAP_FIELD = "gap"
# One line in the gap ranking: long enough for "what is missing, where", short enough to rank and read.
GAP_LIMIT = 150
_SPACES = re.compile(r"\s+")


def gap_text(typed: str) -> str:
    """One line, no card number or secret, first letter capitalised, so one gap typed twice counts as one."""
    text = clean_complaint(_SPACES.sub(" ", typed).strip().rstrip("."), limit=GAP_LIMIT)
    return text[:1].upper() + text[1:]


@register
class RecordGap(NoStepAction):
    kind = ActionKind.RECORD_GAP
    label = "Record a product gap…"
    button_id = "billing.record_gap"
    changes_mrr = False
    # Where tickets come from the product rather than billing; last, as it closes the case without a billing
    # change (the duplicate and failed-payment buckets record their own gap).
    offered_in = {Bucket.TEAM: 9, Bucket.MISSING_SELF_SERVE: 10, Bucket.PRODUCT_FAILURE: 12}
    interaction = Interaction.CONFIRM
    why = (
        "The ticket comes from something the product lacks; recording it in the operator's words puts it in "
        "the ranking the product team reads (billing-bot audit --gaps)."
    )
    product_gap = None

    def target(self, bucket: Bucket, snapshot: CustomerSnapshot) -> str | None:
        return ""

    def form(self, target: str, snapshot: CustomerSnapshot) -> Form | None:
        return Form(
            title="Record a product gap",
            submit="Review",
            intro="Nothing changes in Stripe. The gap is stored with this case and ranked by `billing-bot audit --gaps`.",
            fields=[
                FormField(
                    name=GAP_FIELD,
                    label="What does the product lack?",
                    kind=FieldKind.TEXT,
                    hint='One line, e.g. "No usage or rate-limit visibility". The same words count as one gap.',
                )
            ],
        )

    def plan(
        self,
        target: str,
        snapshot: CustomerSnapshot,
        *,
        amount: int | None = None,
        choices: Choices | None = None,
    ) -> Plan:
        gap = gap_text(chosen(choices, GAP_FIELD))
        if not gap:
            raise PreconditionFailed("Write what the product lacks; nothing was recorded.")
        return Plan(
            kind=self.kind,
            customer_id=snapshot.customer.id,
            steps=[],
            gaps=[gap],
            summary=f"Record the product gap “{gap}” for this case? Nothing changes in Stripe.",
        )

    def card_outcome(self, outcome: ActionOutcome, ids: IdFormat) -> str:
        return "recorded a product gap (no change in Stripe)"

    def operator_outcome(self, outcome: ActionOutcome, ids: IdFormat) -> str:
        return "recorded a product gap (no change in Stripe)"

    def handoff_outcome(self, outcome: ActionOutcome) -> list[str]:
        return ["Recorded a product gap, listed under PRODUCT GAP (no change in Stripe)"]

    def revenue_effect(self, before: CustomerSnapshot, outcome: ActionOutcome) -> RevenueImpact:
        return RevenueImpact()

    def follow_up(self, snapshot: CustomerSnapshot, outcome: ActionOutcome) -> str:
        return wording.reported_to_product(snapshot)
