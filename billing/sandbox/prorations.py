"""Item changes and the prorations they make, computed as Stripe does: per second, over the item's current period.

For an item changing from (old price, old quantity) to (new price, new quantity) at moment `at` (the request's
`proration_date`, else now on the subscription's clock), within the item's period [start, end):

    unused    = −round(old unit_amount × old quantity × (end − at) / (end − start))   "Unused time on …"
    remaining = +round(new unit_amount × new quantity × (end − at) / (end − start))   "Remaining time on …"

each rounded half away from zero to the currency's minor unit. The two lines are pending invoice items
(`proration: true`) that the next invoice collects; `always_invoice` invoices them at once. A price with another
billing interval restarts the period at `at` instead: the old item's unused time is credited and the new period
is billed in full, now.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import UTC, datetime
from decimal import ROUND_HALF_UP, Decimal

from billing.sandbox.encoding import Params, as_int, as_list, as_str
from billing.sandbox.errors import NOT_IMPLEMENTED, invalid_request
from billing.sandbox.invoicing import LineSpec
from billing.sandbox.state import Json, State, new_id
from billing.sandbox.templates import new_object

PRORATION_BEHAVIORS = ("create_prorations", "none", "always_invoice")


@dataclass(frozen=True)
class ItemChange:
    item: Json
    old_price: Json
    old_quantity: int
    new_price: Json
    new_quantity: int

    @property
    def changes_anything(self) -> bool:
        return (self.old_price["id"], self.old_quantity) != (self.new_price["id"], self.new_quantity)

    @property
    def changes_interval(self) -> bool:
        return _cadence(self.old_price) != _cadence(self.new_price)


def _cadence(price: Json) -> tuple[str, int]:
    recurring = price["recurring"] or {}
    return str(recurring.get("interval")), int(recurring.get("interval_count") or 1)


def proration_behavior(params: Params, param: str = "proration_behavior") -> str:
    behavior = as_str(params, "proration_behavior") or "create_prorations"
    if behavior not in PRORATION_BEHAVIORS:
        raise invalid_request(
            f"Invalid {param}: must be one of create_prorations, always_invoice, or none", param=param
        )
    return behavior


def requested_changes(
    state: State, subscription: Json, params: Params, prefix: str = "items"
) -> list[ItemChange]:
    """`items[n][id]` with a new `quantity` and/or `price`; nothing is changed here."""
    changes = []
    for index, change in enumerate(as_list(params, "items")):
        name = f"{prefix}[{index}]"
        if not isinstance(change, dict) or as_str(change, "id") is None:
            # Stripe adds a new item when `id` is absent; the sandbox changes existing items only.
            raise invalid_request(
                f"Missing {name}[id]: adding an item to a subscription {NOT_IMPLEMENTED}", param=f"{name}[id]"
            )
        item = state.get("subscription_item", str(change["id"]), param=f"{name}[id]")
        if item["subscription"] != subscription["id"]:
            raise invalid_request(
                f"Subscription item {item['id']} does not belong to this subscription.", param=f"{name}[id]"
            )
        old_price = state.get("price", item["price"])
        new_price = old_price
        if as_str(change, "price"):
            new_price = state.get("price", str(change["price"]), param=f"{name}[price]")
            _check_swappable(subscription, new_price, f"{name}[price]")
        quantity = as_int(change, "quantity", item["quantity"])
        if quantity is None or quantity < 0:
            raise invalid_request("Invalid non-negative integer", param=f"{name}[quantity]")
        changes.append(ItemChange(item, old_price, int(item["quantity"]), new_price, quantity))
    return changes


def _check_swappable(subscription: Json, price: Json, param: str) -> None:
    if price["type"] != "recurring":
        raise invalid_request(
            "The price specified is set to `type=one_time` but this field only accepts prices with "
            "`type=recurring`.",
            param=param,
        )
    if price["currency"] != subscription["currency"]:
        raise invalid_request(
            f"The price specified has currency {price['currency']} but this subscription is in "
            f"{subscription['currency']}.",
            param=param,
        )


def prorated(unit_amount: int, quantity: int, period: tuple[int, int], at: int) -> int:
    start, end = period
    if end <= start or at >= end:
        return 0
    exact = Decimal(unit_amount * quantity) * Decimal(end - max(at, start)) / Decimal(end - start)
    return int(exact.to_integral_value(rounding=ROUND_HALF_UP))


def proration_lines(
    state: State, change: ItemChange, at: int, *, credit_only: bool = False
) -> list[LineSpec]:
    """The unused-time credit and (unless the period restarts) the remaining-time charge for one change."""
    item = change.item
    period = (int(item["current_period_start"]), int(item["current_period_end"]))
    if not change.changes_anything or at >= period[1]:
        return []
    when = datetime.fromtimestamp(at, UTC).strftime("%d %b %Y")
    unused = LineSpec(
        item,
        change.old_price,
        change.old_quantity,
        at,
        period[1],
        proration_amount=-prorated(_unit(change.old_price), change.old_quantity, period, at),
        proration_description=f"Unused time on {_label(state, change.old_quantity, change.old_price)} after {when}",
    )
    if credit_only:
        return [unused]
    remaining = LineSpec(
        item,
        change.new_price,
        change.new_quantity,
        at,
        period[1],
        proration_amount=prorated(_unit(change.new_price), change.new_quantity, period, at),
        proration_description=f"Remaining time on {_label(state, change.new_quantity, change.new_price)} after {when}",
    )
    return [unused, remaining]


def _unit(price: Json) -> int:
    return int(price["unit_amount"] or 0)


def _label(state: State, quantity: int, price: Json) -> str:
    product = state.find(price["product"]) or {}
    return f"{quantity} × {product.get('name') or price['product']}"


def store_pending(state: State, subscription: Json, lines: list[LineSpec]) -> list[LineSpec]:
    """Each proration line becomes a pending invoice item (the next invoice on the subscription takes it)."""
    stored = []
    for line in lines:
        invoice_item = new_object(
            "invoiceitem",
            {
                "id": new_id("ii"),
                "amount": line.amount,
                "currency": subscription["currency"],
                "customer": subscription["customer"],
                "customer_account": None,
                "date": state.now(subscription["test_clock"]),
                "description": line.proration_description,
                "discountable": True,
                "discounts": [],
                "invoice": None,
                "metadata": {},
                "net_amount": line.amount,
                "parent": {
                    "subscription_details": {
                        "subscription": subscription["id"],
                        "subscription_item": line.subscription_item["id"],
                    },
                    "type": "subscription_details",
                },
                "period": {"start": line.period_start, "end": line.period_end},
                "pricing": {
                    "price_details": {"price": line.price["id"], "product": line.price["product"]},
                    "type": "price_details",
                    "unit_amount_decimal": line.price["unit_amount_decimal"],
                },
                "proration": True,
                "quantity": line.quantity,
                "quantity_decimal": str(line.quantity),
                "tax_rates": [],
                "test_clock": subscription["test_clock"],
            },
        )
        state.add(invoice_item)
        stored.append(replace(line, invoice_item=invoice_item["id"]))
    return stored


def pending_lines(state: State, subscription: Json) -> list[LineSpec]:
    """The subscription's invoice items no invoice has taken yet, oldest first."""
    lines = []
    for invoice_item in state.related("invoiceitem", "customer", subscription["customer"]):
        details = invoice_item["parent"]["subscription_details"]
        if invoice_item["invoice"] is not None or details["subscription"] != subscription["id"]:
            continue
        item = state.find(details["subscription_item"]) or {"id": details["subscription_item"]}
        lines.append(
            LineSpec(
                item,
                state.get("price", invoice_item["pricing"]["price_details"]["price"]),
                int(invoice_item["quantity"]),
                int(invoice_item["period"]["start"]),
                int(invoice_item["period"]["end"]),
                proration_amount=int(invoice_item["amount"]),
                proration_description=invoice_item["description"],
                invoice_item=invoice_item["id"],
            )
        )
    return lines


def mark_invoiced(state: State, lines: list[LineSpec], invoice: Json) -> None:
    for line in lines:
        if line.invoice_item:
            state.get("invoiceitem", line.invoice_item)["invoice"] = invoice["id"]
