"""Portal links that open one flow (flow_data): the customer updates their card, or cancels one subscription,
with nothing else of the portal in the way. Like the portal link, nothing changes until the customer acts."""

from __future__ import annotations

from billing.action_kinds import wording
from billing.action_kinds.base import IdFormat, register
from billing.action_kinds.portal_link import PortalLink
from billing.action_kinds.targets import cancellable_subscription
from billing.action_models import ActionKind, ActionOutcome
from billing.models import Bucket
from billing.snapshot import CustomerSnapshot

EXPIRES = "It expires shortly, so please open it soon; reply if it has expired and I will send a new one."


@register
class PaymentMethodLink(PortalLink):
    kind = ActionKind.PORTAL_PAYMENT_METHOD
    label = "Card update link"
    button_id = "billing.portal_payment_method"
    offered_in = {Bucket.FAILED_PAYMENT: -2}
    flow = "payment_method_update"
    why = (
        "The payment failed on the card on file; a link straight to the card update lets the customer fix it "
        "themselves, and Stripe retries the open invoice with the new card."
    )

    def card_outcome(self, outcome: ActionOutcome, ids: IdFormat) -> str:
        return "sent a card update link" if outcome.portal else wording.no_change(outcome.kind)

    def operator_outcome(self, outcome: ActionOutcome, ids: IdFormat) -> str:
        return "created a card update link" if outcome.portal else wording.recorded(outcome.kind)

    def handoff_outcome(self, outcome: ActionOutcome) -> list[str]:
        if outcome.portal is None:
            return super().handoff_outcome(outcome)
        return [
            f"Billing-portal session {outcome.portal.id} created on the payment-method update flow; the link went "
            "to the operator privately and is short-lived, so send it right away"
        ]

    def follow_up(self, snapshot: CustomerSnapshot, outcome: ActionOutcome) -> str:
        return (
            f"{wording.greeting(snapshot)} your last payment did not go through. Here is a secure link to update "
            f"your card: <link>. {EXPIRES}"
        )


@register
class CancellationLink(PortalLink):
    kind = ActionKind.PORTAL_CANCEL
    label = "Cancellation link"
    button_id = "billing.portal_cancel"
    offered_in = {Bucket.MISSING_SELF_SERVE: -1}
    flow = "subscription_cancel"
    why = (
        "The customer wants to cancel and could not find how; a link straight to the cancellation of their "
        "subscription lets them do it themselves, with the portal's own confirmation."
    )

    def target(self, bucket: Bucket, snapshot: CustomerSnapshot) -> str | None:
        sub = cancellable_subscription(snapshot)
        return sub.id if sub else None

    def card_outcome(self, outcome: ActionOutcome, ids: IdFormat) -> str:
        return "sent a cancellation link" if outcome.portal else wording.no_change(outcome.kind)

    def operator_outcome(self, outcome: ActionOutcome, ids: IdFormat) -> str:
        return "created a cancellation link" if outcome.portal else wording.recorded(outcome.kind)

    def handoff_outcome(self, outcome: ActionOutcome) -> list[str]:
        if outcome.portal is None:
            return super().handoff_outcome(outcome)
        return [
            f"Billing-portal session {outcome.portal.id} created on the cancellation flow; nothing is cancelled "
            "until the customer confirms in the portal. The link went to the operator privately and is "
            "short-lived, so send it right away"
        ]

    def follow_up(self, snapshot: CustomerSnapshot, outcome: ActionOutcome) -> str:
        return (
            f"{wording.greeting(snapshot)} here is a secure link to cancel your subscription: <link>. "
            f"{EXPIRES}"
        )
