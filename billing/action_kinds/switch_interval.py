"""Switch monthly <-> yearly: the subscription item moves to the same product's price with the other billing
interval (chosen in a form when there are several). Stripe starts the new period at once and invoices it, less
the unused time of the old one; the Confirm prompt shows that invoice as Stripe previewed it."""

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
from billing.change_models import InvoicePreview, ItemChange
from billing.errors import PreconditionFailed
from billing.models import Bucket, Price, Subscription
from billing.money import format_money
from billing.ports import BillingGateway
from billing.snapshot import CustomerSnapshot

PRICE_FIELD = "price"


def other_intervals(snapshot: CustomerSnapshot, current: Price) -> list[Price]:
    """The same product's active prices in the same currency with another billing interval."""
    return [
        price
        for price in snapshot.records.prices
        if price.product_id == current.product_id
        and price.currency == current.currency
        and price.interval is not None
        and (price.interval, price.interval_count) != (current.interval, current.interval_count)
    ]


def switchable(snapshot: CustomerSnapshot) -> list[Subscription]:
    """Live single-item subscriptions, not ending or trialing, whose product has a price to switch to."""
    return [
        sub
        for sub in live_subscriptions(snapshot)
        if len(sub.items) == 1
        and not sub.cancel_at_period_end
        and sub.status == "active"
        and other_intervals(snapshot, sub.items[0].price)
    ]


def price_terms(price: Price, quantity: int) -> str:
    every = price.interval if price.interval_count == 1 else f"{price.interval_count} {price.interval}s"
    each = format_money(price.unit_amount or 0, price.currency)
    return f"{each} per {every}" + (f" × {quantity}" if quantity != 1 else "")


def _billing(price: Price) -> str:
    if price.interval_count != 1:
        return f"every {price.interval_count} {price.interval}s"
    return {"month": "monthly", "year": "yearly", "week": "weekly", "day": "daily"}.get(
        price.interval or "", "recurring"
    )


def invoice_sentence(shown: InvoicePreview, credit: int) -> str:
    unused = f"less {format_money(-credit, shown.currency)} unused time" if credit < 0 else "no unused time"
    total = format_money(abs(shown.total), shown.currency)
    if shown.total < 0:
        return (
            f"Stripe's preview: the new period starts now; its invoice comes to −{total} ({unused}), "
            "left as credit on the customer's balance."
        )
    due = format_money(shown.amount_due, shown.currency)
    return f"Stripe's preview: the new period starts now and is invoiced at once: {due} due ({unused})."


@register
class SwitchInterval(ItemChangeAction):
    kind = ActionKind.SWITCH_INTERVAL
    label = "Switch monthly/yearly…"
    button_id = "billing.switch_interval"
    changes_mrr = True
    offered_in = {Bucket.TEAM: 4, Bucket.MISSING_SELF_SERVE: 7}
    interaction = Interaction.CONFIRM
    why = (
        "The customer wants the other billing interval of the same plan; Stripe starts the new period now and "
        "credits the unused time of the old one, as previewed before Confirm."
    )
    product_gap = "No self-serve switch between monthly and yearly billing"

    def target(self, bucket: Bucket, snapshot: CustomerSnapshot) -> str | None:
        candidates = switchable(snapshot)
        return max(candidates, key=lambda sub: sub.created).id if candidates else None

    def form(self, target: str, snapshot: CustomerSnapshot) -> Form | None:
        candidates = switchable(snapshot)
        current = next((sub for sub in candidates if sub.id == target), None)
        prices = other_intervals(snapshot, current.items[0].price) if current else []
        if len(candidates) <= 1 and len(prices) <= 1:
            return None  # one subscription, one price to switch to: the click plans at once
        fields = []
        if len(candidates) > 1:
            choices = [
                Choice(value=sub.id, label=f"{wording.product_name(sub)} ({sub.id})"[:75])
                for sub in candidates
            ]
            fields.append(
                FormField(
                    name="target",
                    label="Subscription",
                    kind=FieldKind.SELECT,
                    choices=choices[:100],
                    initial=target,
                )
            )
        options = [price for sub in candidates for price in other_intervals(snapshot, sub.items[0].price)]
        fields.append(
            FormField(
                name=PRICE_FIELD,
                label="Switch to",
                kind=FieldKind.SELECT,
                choices=[
                    Choice(value=price.id, label=f"{price.label()}: {price_terms(price, 1)}"[:75])
                    for price in options
                ][:100],
                initial=prices[0].id if prices else None,
            )
        )
        return Form(title="Switch billing interval", submit="Preview", fields=fields)

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
        prices = other_intervals(snapshot, item.price)
        chosen = (choices or {}).get(PRICE_FIELD, "")
        if chosen:
            price = next((price for price in prices if price.id == chosen), None)
            if price is None:
                raise PreconditionFailed(
                    f"{chosen} is not another billing interval of {sub.id}'s plan; nothing was changed."
                )
        elif len(prices) == 1:
            [price] = prices
        else:
            raise PreconditionFailed(
                f"{wording.product_name(sub)} has no single price with another billing interval; nothing was changed."
            )
        step = item_changes.item_step(sub, item, at=snapshot.taken_at, quantity=item.quantity, price=price)
        return Plan(
            kind=self.kind,
            customer_id=snapshot.customer.id,
            steps=[step],
            currency=sub.currency,
            summary=(
                f"Switch {sub.id} from {_billing(item.price)} ({price_terms(item.price, item.quantity)}) to "
                f"{_billing(price)} ({price_terms(price, item.quantity)})?"
            ),
            impact=item_changes.given_up(
                item_changes.yearly_value(item.price, item.quantity),
                item_changes.yearly_value(price, item.quantity),
                sub.currency,
            ),
        )

    def preview(self, plan: Plan, gateway: BillingGateway) -> Plan:
        [step] = plan.steps
        shown = item_changes.preview(step, gateway)
        plan = item_changes.with_proration(plan, shown)
        credit = int(plan.steps[0].params["proration"])
        return plan.model_copy(
            update={
                "summary": f"{plan.summary} {invoice_sentence(shown, credit)}",
                "amount": shown.amount_due,
            }
        )

    @staticmethod
    def _interval(change: ItemChange) -> str:
        return (
            _billing(change.subscription.items[0].price)
            if change.subscription.items
            else "the other interval"
        )

    def card_outcome(self, outcome: ActionOutcome, ids: IdFormat) -> str:
        change = self._change(outcome)
        if change is None:
            return wording.no_change(outcome.kind)
        return f"switched {ids(change.id)} to {self._interval(change)} billing"

    def handoff_outcome(self, outcome: ActionOutcome) -> list[str]:
        change = self._change(outcome)
        if change is None:
            return []
        line = (
            f"Switched {change.id} (item {change.item_id}) from price {change.price_before} to {change.price} "
            f"({self._interval(change)}); the new period starts now"
        )
        invoice = change.subscription.latest_invoice_id
        if invoice:
            line += f" and Stripe invoiced it at once ({invoice})"
        if change.proration is not None and change.proration.amount:
            line += f", less {(-change.proration).format()} unused time (as previewed before Confirm)"
        return [line]

    def follow_up(self, snapshot: CustomerSnapshot, outcome: ActionOutcome) -> str:
        change = self._change(outcome)
        if change is None:
            return wording.reported_to_product(snapshot)
        item = change.subscription.items[0]
        text = (
            f"{wording.greeting(snapshot)} I switched your {wording.product_name(change.subscription)} subscription "
            f"to {self._interval(change)} billing ({price_terms(item.price, item.quantity)}), starting today."
        )
        if change.proration is not None and change.proration.amount < 0:
            text += (
                f" The unused part of your previous period ({(-change.proration).format()}) is credited on "
                "today's invoice."
            )
        return text
