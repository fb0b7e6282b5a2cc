"""Stripe-hosted pages the customer can use on their own, handed to the operator to send: an open invoice's
payment page (it needs no portal: the customer pays with any card there) and a payment's receipt. Nothing
changes in Stripe; the page is re-read at the click, so a paid invoice or a foreign charge is refused."""

from __future__ import annotations

from abc import abstractmethod
from typing import ClassVar

from billing.action_kinds import wording
from billing.action_kinds.base import IdFormat, definition, register
from billing.action_kinds.targets import open_invoice
from billing.action_kinds.without_change import WithoutChange
from billing.action_models import ActionKind, ActionOutcome, Interaction
from billing.change_models import CustomerLink
from billing.errors import PreconditionFailed
from billing.models import Bucket
from billing.money import Money
from billing.ports import BillingGateway
from billing.snapshot import CustomerSnapshot

RESULT = "link"


class LinkDefinition(WithoutChange):
    interaction: ClassVar[Interaction] = Interaction.LINK

    @abstractmethod
    def read_link(self, target: str, gateway: BillingGateway, *, customer_id: str) -> CustomerLink:
        """The page as Stripe has it now; raises PreconditionFailed when it does not fit any more."""

    @staticmethod
    def link(outcome: ActionOutcome) -> CustomerLink | None:
        return outcome.result(RESULT, CustomerLink)

    def operator_outcome(self, outcome: ActionOutcome, ids: IdFormat) -> str:
        return self.card_outcome(outcome, ids)


def link_definition(kind: str) -> LinkDefinition:
    action = definition(kind)
    if not isinstance(action, LinkDefinition):
        raise ValueError(f"{kind} is not a customer link")
    return action


@register
class HostedInvoiceLink(LinkDefinition):
    kind = ActionKind.SEND_INVOICE_LINK
    label = "Invoice payment page"
    button_id = "billing.send_invoice_link"
    offered_in = {Bucket.FAILED_PAYMENT: -3}
    why = (
        "The invoice is still open; its Stripe-hosted page lets the customer pay it with any card, without the "
        "portal, and nothing changes until they do."
    )

    def target(self, bucket: Bucket, snapshot: CustomerSnapshot) -> str | None:
        invoice = open_invoice(snapshot)
        return invoice.id if invoice and invoice.hosted_invoice_url else None

    def read_link(self, target: str, gateway: BillingGateway, *, customer_id: str) -> CustomerLink:
        invoice = gateway.get_invoice(target)
        if invoice.customer_id != customer_id:
            raise PreconditionFailed(f"{invoice.id} is not an invoice of this customer.")
        if invoice.status != "open" or not invoice.hosted_invoice_url:
            raise PreconditionFailed(
                f"{invoice.id} is {invoice.status}: there is nothing left to pay on its page."
            )
        return CustomerLink(
            id=invoice.id,
            kind="hosted_invoice",
            url=invoice.hosted_invoice_url,
            amount=Money(amount=invoice.amount_remaining, currency=invoice.currency),
            number=invoice.number,
            created=invoice.created,
        )

    def card_outcome(self, outcome: ActionOutcome, ids: IdFormat) -> str:
        link = self.link(outcome)
        return f"sent the payment page of {ids(link.id)}" if link else wording.no_change(outcome.kind)

    def handoff_outcome(self, outcome: ActionOutcome) -> list[str]:
        link = self.link(outcome)
        if link is None:
            return super().handoff_outcome(outcome)
        return [
            f"Hosted payment page of invoice {link.id} ({link.amount} due) went to the operator to send; "
            "nothing changed in Stripe"
        ]

    def follow_up(self, snapshot: CustomerSnapshot, outcome: ActionOutcome) -> str:
        link = self.link(outcome)
        which = f"invoice {link.number}" if link and link.number else "your open invoice"
        due = f" ({link.amount})" if link else ""
        return (
            f"{wording.greeting(snapshot)} the payment for {which}{due} did not go through. You can pay it "
            "securely here, with the same or another card: <link>"
        )


@register
class ReceiptLink(LinkDefinition):
    kind = ActionKind.SEND_RECEIPT
    label = "Send receipt"
    button_id = "billing.send_receipt"
    offered_in = {Bucket.MISSING_SELF_SERVE: 6, Bucket.TEAM: -1}
    why = "The customer cannot find the receipt of a payment; Stripe's receipt page has it, nothing changes."

    def target(self, bucket: Bucket, snapshot: CustomerSnapshot) -> str | None:
        paid = [
            charge
            for charge in snapshot.records.charges
            if charge.status == "succeeded" and charge.receipt_url
        ]
        return max(paid, key=lambda charge: charge.created).id if paid else None

    def read_link(self, target: str, gateway: BillingGateway, *, customer_id: str) -> CustomerLink:
        charge = gateway.get_charge(target)
        if charge.customer_id != customer_id:
            raise PreconditionFailed(f"{charge.id} is not a payment of this customer.")
        if charge.status != "succeeded" or not charge.receipt_url:
            raise PreconditionFailed(f"{charge.id} has no receipt: the payment did not succeed.")
        return CustomerLink(
            id=charge.id,
            kind="receipt",
            url=charge.receipt_url,
            amount=charge.money(),
            created=charge.created,
        )

    def card_outcome(self, outcome: ActionOutcome, ids: IdFormat) -> str:
        link = self.link(outcome)
        return f"sent the receipt of {ids(link.id)}" if link else wording.no_change(outcome.kind)

    def handoff_outcome(self, outcome: ActionOutcome) -> list[str]:
        link = self.link(outcome)
        if link is None:
            return super().handoff_outcome(outcome)
        return [
            f"Receipt of payment {link.id} ({link.amount}) went to the operator to send; nothing changed in Stripe"
        ]

    def follow_up(self, snapshot: CustomerSnapshot, outcome: ActionOutcome) -> str:
        link = self.link(outcome)
        what = f" of {link.amount} on {wording.long_date(link.created)}" if link else ""
        return f"{wording.greeting(snapshot)} here is the receipt for your payment{what}: <link>"
