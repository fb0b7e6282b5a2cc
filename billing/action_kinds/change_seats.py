"""Change the seat count: a team bought seats by mistake, or needs more. The new quantity is chosen in a form;
Stripe's preview of the proration is on the Confirm prompt, and the change uses the same proration date."""

from __future__ import annotations

from billing.action_kinds import item_changes, wording
from billing.action_kinds.base import IdFormat, register
from billing.action_kinds.item_change_action import ItemChangeAction
from billing.action_kinds.targets import live_subscription, live_subscriptions
from billing.action_models import (
    ActionKind,
    ActionOutcome,
    Choice,
    Choices,
    FieldKind,
    Form,
    FormField,
    Interaction,
    Plan,
)
from billing.change_models import InvoicePreview
from billing.errors import PreconditionFailed
from billing.models import Bucket, Subscription
from billing.money import format_money
from billing.ports import BillingGateway
from billing.snapshot import CustomerSnapshot


def seated(snapshot: CustomerSnapshot) -> list[Subscription]:
    """Live single-item subscriptions not ending, most seats first."""
    subs = [
        sub
        for sub in live_subscriptions(snapshot)
        if len(sub.items) == 1 and not sub.cancel_at_period_end and sub.status != "trialing"
    ]
    return sorted(subs, key=lambda sub: (-sub.quantity, -sub.created.timestamp()))


def _seats(count: int) -> str:
    return f"{count} seat" if count == 1 else f"{count} seats"


def proration_sentence(proration: int, currency: str, shown: InvoicePreview) -> str:
    due = format_money(shown.amount_due, shown.currency)
    when = f"the next invoice ({wording.long_date(shown.period_start)}, {due} due)"
    if proration < 0:
        return f"Stripe's preview: {format_money(-proration, currency)} credit for the rest of this period, on {when}."
    if proration > 0:
        return f"Stripe's preview: {format_money(proration, currency)} for the rest of this period, added to {when}."
    return f"Stripe's preview: no proration; {when}."


@register
class ChangeSeats(ItemChangeAction):
    kind = ActionKind.CHANGE_SEATS
    label = "Change seats…"
    button_id = "billing.change_seats"
    changes_mrr = True
    offered_in = {Bucket.TEAM: 3}
    interaction = Interaction.CONFIRM
    why = (
        "The team's seat count is wrong (extra seats bought by mistake, or more needed); changing the quantity "
        "prorates the rest of this period on the next invoice, as Stripe previewed it."
    )
    product_gap = None

    def target(self, bucket: Bucket, snapshot: CustomerSnapshot) -> str | None:
        candidates = seated(snapshot)
        return candidates[0].id if candidates else None

    def form(self, target: str, snapshot: CustomerSnapshot) -> Form | None:
        candidates = seated(snapshot)
        current = next((sub for sub in candidates if sub.id == target), None)
        fields = []
        if len(candidates) > 1:
            fields.append(
                FormField(
                    name="target",
                    label="Subscription",
                    kind=FieldKind.SELECT,
                    choices=[Choice(value=sub.id, label=self._choice_label(sub)) for sub in candidates][:100],
                    initial=target if current else candidates[0].id,
                )
            )
        fields.append(
            FormField(
                name="quantity",
                label="New number of seats",
                kind=FieldKind.NUMBER,
                initial=str(current.quantity) if current else None,
                hint="The proration is previewed on the card before anything changes.",
            )
        )
        return Form(title="Change seats", submit="Preview", fields=fields)

    @staticmethod
    def _choice_label(sub: Subscription) -> str:
        return f"{wording.product_name(sub)}: {_seats(sub.quantity)} ({sub.id})"[:75]

    def plan(
        self,
        target: str,
        snapshot: CustomerSnapshot,
        *,
        amount: int | None = None,
        choices: Choices | None = None,
    ) -> Plan:
        sub = live_subscription(snapshot, target)
        item = item_changes.single_item(sub)
        raw = (choices or {}).get("quantity", "").strip()
        if not raw.isdigit():
            raise PreconditionFailed(f"{raw!r} is not a number of seats; nothing was changed.")
        quantity = int(raw)
        if quantity == 0:
            raise PreconditionFailed(
                "Zero seats would leave the subscription empty: cancel it instead. Nothing was changed."
            )
        if quantity == item.quantity:
            raise PreconditionFailed(f"{sub.id} already has {_seats(quantity)}; nothing was changed.")
        price = item.price
        unit = format_money(price.unit_amount or 0, price.currency)
        every = price.interval or "period"
        step = item_changes.item_step(sub, item, at=snapshot.taken_at, quantity=quantity, price=price)
        return Plan(
            kind=self.kind,
            customer_id=snapshot.customer.id,
            steps=[step],
            currency=sub.currency,
            summary=(
                f"Change {sub.id} from {item.quantity} to {_seats(quantity)} of {wording.product_name(sub)} "
                f"({unit} per {every} each)?"
            ),
            impact=item_changes.given_up(
                item_changes.yearly_value(price, item.quantity),
                item_changes.yearly_value(price, quantity),
                price.currency,
            ),
        )

    def preview(self, plan: Plan, gateway: BillingGateway) -> Plan:
        [step] = plan.steps
        shown = item_changes.preview(step, gateway)
        plan = item_changes.with_proration(plan, shown)
        proration = int(plan.steps[0].params["proration"])
        sentence = proration_sentence(proration, shown.currency, shown)
        return plan.model_copy(update={"summary": f"{plan.summary} {sentence}"})

    def card_outcome(self, outcome: ActionOutcome, ids: IdFormat) -> str:
        change = self._change(outcome)
        if change is None:
            return wording.no_change(outcome.kind)
        return f"changed {ids(change.id)} from {change.quantity_before} to {_seats(change.quantity)}"

    def handoff_outcome(self, outcome: ActionOutcome) -> list[str]:
        change = self._change(outcome)
        if change is None:
            return []
        line = (
            f"Changed {change.id} (item {change.item_id}) from {change.quantity_before} to "
            f"{_seats(change.quantity)}"
        )
        if change.proration is not None:
            line += f"; proration {_signed(change.proration.amount, change.proration.currency)} on the next invoice"
            line += " (Stripe's preview before Confirm, same proration date)"
        return [line]

    def follow_up(self, snapshot: CustomerSnapshot, outcome: ActionOutcome) -> str:
        change = self._change(outcome)
        if change is None:
            return wording.reported_to_product(snapshot)
        text = (
            f"{wording.greeting(snapshot)} I changed your {wording.product_name(change.subscription)} "
            f"subscription from {change.quantity_before} to {_seats(change.quantity)}."
        )
        renews = change.subscription.current_period_end
        on_next = f"your next invoice on {wording.long_date(renews)}" if renews else "your next invoice"
        if change.proration is not None and change.proration.amount < 0:
            text += f" The unused time on the removed seats ({(-change.proration).format()}) is credited on {on_next}."
        elif change.proration is not None and change.proration.amount > 0:
            text += f" The added seats for the rest of this period ({change.proration.format()}) are on {on_next}."
        return text


def _signed(amount: int, currency: str) -> str:
    sign = "−" if amount < 0 else "+"
    return f"{sign}{format_money(abs(amount), currency)}"
