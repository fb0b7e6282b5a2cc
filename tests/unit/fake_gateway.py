"""The one in-memory BillingGateway for unit tests, seeded with BillingRecords (one per customer).

Reusable: `FakeGateway([records, ...])`, then inspect `.calls` (method name, argument) and the
mutated `.records`. `fail_with["method_name"] = SomeBillingError(...)` makes a method raise,
`fail_every_call` makes every method raise, and `first_call_gate` holds the first call until the test
releases it. Scenario fakes (the actions' idempotent world, the digest's listing) subclass it, so every
double implements the whole Protocol and mypy checks it against billing.ports.BillingGateway.
Writes honour idempotency keys the way Stripe does: a repeated key returns the first result.
"""

from __future__ import annotations

import itertools
import re
import threading
from collections.abc import Iterable, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

from billing.change_models import InvoicePreview, PortalFlowType, PreviewLine
from billing.credit_notes import CreditNote, CreditNoteDraft, creditable_amount
from billing.errors import ObjectNotFound, StripeRefused
from billing.models import (
    BalanceTransaction,
    BillingRecords,
    CardSummary,
    Charge,
    Customer,
    Dispute,
    Event,
    Interval,
    Invoice,
    PortalConfiguration,
    PortalSession,
    Price,
    Refund,
    Subscription,
    SubscriptionItem,
    SubscriptionStatus,
)
from billing.ports import BillingGateway
from billing.toolbox_models import Coupon, PauseBehavior, PauseCollection

_SEARCH_CLAUSE = re.compile(
    r"^(?P<field>name|email|metadata\['(?P<key>[^']*)'\])(?P<op>[:~])'(?P<value>.*)'$"
)


class FakeGateway:
    def __init__(
        self,
        records: Iterable[BillingRecords] = (),
        *,
        livemode: bool = False,
        portal_configurations: list[PortalConfiguration] | None = None,
        events: list[Event] | None = None,
        now: datetime | None = None,
    ) -> None:
        self.records: dict[str, BillingRecords] = {r.customer.id: r for r in records}
        self.portal_configurations = list(portal_configurations or [])
        self.events = list(events or [])
        self.now = now or datetime(2026, 11, 20, 12, 0, tzinfo=UTC)
        self.calls: list[tuple[str, Any]] = []
        self.fail_with: dict[str, Exception] = {}
        self.fail_every_call: Exception | None = None
        self.first_call_gate: threading.Event | None = None
        self._livemode = livemode
        self.coupons: list[Coupon] = []
        self.balance_transactions: list[BalanceTransaction] = []
        self._idempotent: dict[str, Any] = {}
        self._ids = itertools.count(1)
        # (customer, return_url, flow, subscription) of each portal session created
        self.portal_sessions: list[tuple[str, str | None, str | None, str | None]] = []
        self.credit_notes: dict[str, list[CreditNote]] = {}

    # --- helpers for tests --------------------------------------------------------------------

    def add(self, records: BillingRecords) -> None:
        self.records[records.customer.id] = records

    def call_names(self) -> list[str]:
        return [name for name, _ in self.calls]

    def _record(self, name: str, argument: Any = None) -> None:
        gate, self.first_call_gate = self.first_call_gate, None
        if gate is not None:
            assert gate.wait(timeout=5), "the test never released the gateway"
        self.calls.append((name, argument))
        failure = self.fail_every_call or self.fail_with.get(name)
        if failure is not None:
            raise failure

    def _customers(self) -> list[Customer]:
        return [self._with_count(r) for r in self.records.values()]

    @staticmethod
    def _with_count(records: BillingRecords) -> Customer:
        count = sum(1 for sub in records.subscriptions if sub.status != "canceled")
        return records.customer.model_copy(update={"subscription_count": count})

    def _owner(self, object_id: str) -> BillingRecords:
        for records in self.records.values():
            ids = {records.customer.id}
            ids |= {sub.id for sub in records.subscriptions}
            ids |= {invoice.id for invoice in records.invoices}
            ids |= {charge.id for charge in records.charges}
            ids |= {charge.payment_intent_id for charge in records.charges if charge.payment_intent_id}
            ids |= {pi for invoice in records.invoices for pi in invoice.payment_intent_ids}
            if object_id in ids:
                return records
        raise ObjectNotFound(object_id)

    def _once(self, key: str, make: Any) -> Any:
        if key not in self._idempotent:
            self._idempotent[key] = make()
        return self._idempotent[key]

    def _replace(self, records: BillingRecords, **update: Any) -> None:
        self.records[records.customer.id] = records.model_copy(update=update)

    # --- BillingGateway -----------------------------------------------------------------------

    @property
    def livemode(self) -> bool:
        return self._livemode

    def find_customers_by_email(self, email: str) -> list[Customer]:
        self._record("find_customers_by_email", email)
        return [customer for customer in self._customers() if customer.email == email]

    def search_customers(self, query: str) -> list[Customer]:
        self._record("search_customers", query)
        match = _SEARCH_CLAUSE.match(query)
        if match is None:
            raise ValueError(f"FakeGateway cannot interpret search query {query!r}")
        value = match["value"].replace("\\'", "'")
        return [c for c in self._customers() if _matches(c, match["field"], match["key"], match["op"], value)]

    def customers_with_invoices(self, query: str) -> list[Customer]:
        self._record("customers_with_invoices", query)
        wanted = _clauses(query)
        return [
            self._with_count(r)
            for r in self.records.values()
            if any(wanted == {"number": invoice.number} for invoice in r.invoices)
        ]

    def charges_with_customers(self, query: str) -> list[tuple[Charge, Customer]]:
        self._record("charges_with_customers", query)
        wanted = _clauses(query)
        return [
            (charge, self._with_count(r))
            for r in self.records.values()
            for charge in r.charges
            if charge.card and _card_matches(charge.card, wanted)
        ]

    def get_customer(self, customer_id: str) -> Customer:
        self._record("get_customer", customer_id)
        if customer_id not in self.records:
            raise ObjectNotFound(customer_id)
        return self._with_count(self.records[customer_id])

    def customer_id_for(self, object_id: str) -> str:
        self._record("customer_id_for", object_id)
        return self._owner(object_id).customer.id

    def customer_for(self, object_id: str) -> Customer:
        self._record("customer_for", object_id)
        return self._with_count(self._owner(object_id))

    def load_billing_records(self, customer: Customer) -> BillingRecords:
        self._record("load_billing_records", customer.id)
        records = self.records[customer.id]
        return records.model_copy(
            update={
                "customer": customer,
                "portal_configurations": list(self.portal_configurations),
                "coupons": list(self.coupons),
            }
        )

    def get_subscription(self, subscription_id: str) -> Subscription:
        self._record("get_subscription", subscription_id)
        return _find(self._owner(subscription_id).subscriptions, subscription_id)

    def get_charge(self, charge_id: str) -> Charge:
        self._record("get_charge", charge_id)
        return _find(self._owner(charge_id).charges, charge_id)

    def list_refunds(self, charge_id: str) -> list[Refund]:
        self._record("list_refunds", charge_id)
        refunds = self._owner(charge_id).refunds
        return [refund for refund in reversed(refunds) if refund.charge_id == charge_id]

    def get_invoice(self, invoice_id: str) -> Invoice:
        self._record("get_invoice", invoice_id)
        return _find(self._owner(invoice_id).invoices, invoice_id)

    def cancel_subscription(
        self, subscription_id: str, *, at_period_end: bool, idempotency_key: str, comment: str | None = None
    ) -> Subscription:
        self._record("cancel_subscription", (subscription_id, at_period_end, idempotency_key))

        def cancel() -> Subscription:
            records = self._owner(subscription_id)
            sub = _find(records.subscriptions, subscription_id)
            if sub.status == "canceled":
                raise StripeRefused("subscription is already canceled", "resource_already_canceled")
            if at_period_end:
                update: dict[str, Any] = {"cancel_at_period_end": True}
            else:
                update = {"status": "canceled", "canceled_at": self.now, "ended_at": self.now}
            changed = sub.model_copy(update={**update, "cancellation_comment": comment})
            subs = [changed if s.id == subscription_id else s for s in records.subscriptions]
            self._replace(records, subscriptions=subs)
            return changed

        result: Subscription = self._once(idempotency_key, cancel)
        return result

    def refund_charge(
        self,
        charge_id: str,
        *,
        amount: int,
        reason: str,
        metadata: dict[str, str],
        idempotency_key: str,
    ) -> Refund:
        self._record("refund_charge", (charge_id, amount, reason, idempotency_key))

        def refund() -> Refund:
            records = self._owner(charge_id)
            charge = _find(records.charges, charge_id)
            if amount > charge.refundable_amount:
                raise StripeRefused("amount is greater than the unrefunded amount", "amount_too_large")
            made = Refund(
                id=f"re_fake{next(self._ids):04d}",
                charge_id=charge_id,
                payment_intent_id=charge.payment_intent_id,
                amount=amount,
                currency=charge.currency,
                status="succeeded",
                reason=reason,
                created=self.now,
                metadata=metadata,
            )
            refunded = charge.amount_refunded + amount
            changed = charge.model_copy(
                update={"amount_refunded": refunded, "refunded": refunded >= charge.amount}
            )
            charges = [changed if c.id == charge_id else c for c in records.charges]
            self._replace(records, charges=charges, refunds=[*records.refunds, made])
            return made

        result: Refund = self._once(idempotency_key, refund)
        return result

    def pay_invoice(self, invoice_id: str, *, idempotency_key: str) -> Invoice:
        self._record("pay_invoice", (invoice_id, idempotency_key))

        def pay() -> Invoice:
            records = self._owner(invoice_id)
            invoice = _find(records.invoices, invoice_id)
            if invoice.status != "open":
                raise StripeRefused(f"invoice is {invoice.status}, not open", "invoice_not_open")
            paid = invoice.model_copy(
                update={"status": "paid", "amount_paid": invoice.amount_due, "amount_remaining": 0}
            )
            invoices = [paid if i.id == invoice_id else i for i in records.invoices]
            self._replace(records, invoices=invoices)
            return paid

        result: Invoice = self._once(idempotency_key, pay)
        return result

    def create_portal_session(
        self,
        customer_id: str,
        *,
        return_url: str | None = None,
        flow: PortalFlowType | None = None,
        subscription_id: str | None = None,
    ) -> PortalSession:
        self._record("create_portal_session", customer_id)
        self.portal_sessions.append((customer_id, return_url, flow, subscription_id))
        number = next(self._ids)
        return PortalSession(
            id=f"bps_fake{number:04d}",
            url=f"https://billing.stripe.test/p/session/fake{number:04d}",
            customer_id=customer_id,
            created=self.now,
        )

    def list_portal_configurations(self) -> list[PortalConfiguration]:
        self._record("list_portal_configurations")
        return list(self.portal_configurations)

    def iter_subscriptions(
        self, *, status: str = "all", created_gte: datetime | None = None
    ) -> Iterator[tuple[Subscription, Customer]]:
        self._record("iter_subscriptions", (status, created_gte))
        for records in self.records.values():
            for sub in records.subscriptions:
                if (status == "all" or sub.status == status) and _since(sub.created, created_gte):
                    yield sub, records.customer

    def iter_ended_subscriptions(
        self, *, ended_gte: datetime
    ) -> Iterator[tuple[Subscription, Customer | None]]:
        self._record("iter_ended_subscriptions", ended_gte)
        for records in self.records.values():
            for sub in records.subscriptions:
                if sub.status == "canceled" and _ends_since(sub, ended_gte):
                    yield sub, records.customer

    def iter_invoices(
        self, *, status: str | None = None, created_gte: datetime | None = None
    ) -> Iterator[Invoice]:
        self._record("iter_invoices", (status, created_gte))
        for records in self.records.values():
            for invoice in records.invoices:
                if (status is None or invoice.status == status) and _since(invoice.created, created_gte):
                    yield invoice

    def iter_disputes(self, *, created_gte: datetime | None = None) -> Iterator[Dispute]:
        self._record("iter_disputes", created_gte)
        for records in self.records.values():
            yield from (d for d in records.disputes if _since(d.created, created_gte))

    def iter_events(self, *, types: list[str], created_gte: datetime | None = None) -> Iterator[Event]:
        self._record("iter_events", (types, created_gte))
        yield from (e for e in self.events if e.type in types and _since(e.created, created_gte))

    def iter_charges(self, *, created_gte: datetime | None = None) -> Iterator[Charge]:
        self._record("iter_charges", created_gte)
        for records in self.records.values():
            yield from (c for c in records.charges if _since(c.created, created_gte))

    # --- toolbox: plan changes and sent invoices (issue 13) -----------------------------------

    def preview_item_change(
        self,
        subscription_id: str,
        *,
        item_id: str,
        proration_date: datetime,
        quantity: int | None = None,
        price_id: str | None = None,
    ) -> InvoicePreview:
        """Stripe's proration (per second over the item's period), for a quantity change at one price."""
        self._record("preview_item_change", (subscription_id, item_id, quantity, price_id))
        sub = self.get_subscription(subscription_id)
        item = next(item for item in sub.items if item.id == item_id)
        new_price = self._price(price_id) if price_id else item.price
        new_quantity = item.quantity if quantity is None else quantity
        start, end = item.current_period_start, item.current_period_end
        left = (end - proration_date) / (end - start)
        unused = -round((item.price.unit_amount or 0) * item.quantity * left)
        remaining = round((new_price.unit_amount or 0) * new_quantity * left)
        lines = [
            PreviewLine(
                description="Unused time",
                amount=unused,
                proration=True,
                period_start=proration_date,
                period_end=end,
            ),
            PreviewLine(
                description="Remaining time",
                amount=remaining,
                proration=True,
                period_start=proration_date,
                period_end=end,
            ),
            PreviewLine(
                description="Next period",
                amount=(new_price.unit_amount or 0) * new_quantity,
                period_start=end,
                period_end=end + (end - start),
            ),
        ]
        total = sum(line.amount for line in lines)
        return InvoicePreview(
            subscription_id=subscription_id,
            currency=sub.currency,
            total=total,
            amount_due=max(0, total),
            billing_reason="subscription_cycle",
            period_start=end,
            lines=lines,
        )

    def _price(self, price_id: str) -> Price:
        for records in self.records.values():
            for known in records.prices:
                if known.id == price_id:
                    return known
        raise ObjectNotFound(price_id)

    def change_subscription_item(
        self,
        subscription_id: str,
        *,
        item_id: str,
        proration_date: datetime,
        idempotency_key: str,
        quantity: int | None = None,
        price_id: str | None = None,
    ) -> Subscription:
        self._record(
            "change_subscription_item", (subscription_id, item_id, quantity, price_id, idempotency_key)
        )

        def change() -> Subscription:
            records = self._owner(subscription_id)
            sub = _find(records.subscriptions, subscription_id)
            items = [
                item.model_copy(
                    update={
                        "quantity": item.quantity if quantity is None else quantity,
                        "price": self._price(price_id) if price_id else item.price,
                    }
                )
                if item.id == item_id
                else item
                for item in sub.items
            ]
            changed = sub.model_copy(update={"items": items})
            self._replace(
                records, subscriptions=[changed if s.id == sub.id else s for s in records.subscriptions]
            )
            return changed

        result: Subscription = self._once(idempotency_key, change)
        return result

    def send_invoice(self, invoice_id: str, *, idempotency_key: str) -> Invoice:
        self._record("send_invoice", (invoice_id, idempotency_key))
        invoice = self.get_invoice(invoice_id)
        if invoice.collection_method != "send_invoice":
            raise StripeRefused(
                "You can only manually send an invoice if its collection method is 'send_invoice'.",
                "invoice_not_send_invoice",
            )
        result: Invoice = self._once(idempotency_key, lambda: invoice)
        return result

    # --- issue 13 money actions: credit notes on paid invoices, accepting a dispute ----------------

    def _credit_note(self, draft: CreditNoteDraft, note_id: str) -> CreditNote:
        records = self._owner(draft.invoice_id)
        invoice = _find(records.invoices, draft.invoice_id)
        if invoice.status not in ("open", "paid"):
            raise StripeRefused(f"invoice is {invoice.status}", "invoice_not_creditable")
        if not 0 < draft.amount <= creditable_amount(invoice):
            raise StripeRefused("amount is greater than the creditable amount", "amount_too_large")
        if draft.refund_amount + draft.credit_amount != draft.amount:
            raise StripeRefused("refund_amount + credit_amount must equal the amount", "parameter_invalid")
        return CreditNote(
            id=note_id,
            invoice_id=invoice.id,
            customer_id=invoice.customer_id,
            amount=draft.amount,
            currency=invoice.currency,
            status="issued",
            type="post_payment",
            reason=draft.reason,
            memo=draft.memo,
            post_payment_amount=draft.amount,
            refunded_amount=draft.refund_amount,
            created=self.now,
            metadata=dict(draft.metadata),
        )

    def preview_credit_note(self, draft: CreditNoteDraft) -> CreditNote:
        self._record("preview_credit_note", draft)
        return self._credit_note(draft, "cn_preview")

    def create_credit_note(self, draft: CreditNoteDraft, *, idempotency_key: str) -> CreditNote:
        self._record("create_credit_note", (draft, idempotency_key))

        def create() -> CreditNote:
            note = self._credit_note(draft, f"cn_fake{next(self._ids):04d}")
            records = self._owner(draft.invoice_id)
            invoice = _find(records.invoices, draft.invoice_id)
            credited = invoice.model_copy(
                update={
                    "post_payment_credit_notes_amount": invoice.post_payment_credit_notes_amount + note.amount
                }
            )
            invoices = [credited if i.id == invoice.id else i for i in records.invoices]
            self._replace(records, invoices=invoices)
            if draft.refund_amount:
                charge = next(c for c in records.charges if c.payment_intent_id in invoice.payment_intent_ids)
                refund = self.refund_charge(
                    charge.id,
                    amount=draft.refund_amount,
                    reason="requested_by_customer",
                    metadata={},
                    idempotency_key=f"{idempotency_key}:refund",
                )
                note = note.model_copy(update={"refund_ids": [refund.id]})
            self.credit_notes.setdefault(invoice.id, []).append(note)
            return note

        result: CreditNote = self._once(idempotency_key, create)
        return result

    def list_credit_notes(self, invoice_id: str) -> list[CreditNote]:
        self._record("list_credit_notes", invoice_id)
        return list(reversed(self.credit_notes.get(invoice_id, [])))

    def _dispute_records(self, dispute_id: str) -> tuple[BillingRecords, Dispute]:
        for records in self.records.values():
            for dispute in records.disputes:
                if dispute.id == dispute_id:
                    return records, dispute
        raise ObjectNotFound(dispute_id)

    def get_dispute(self, dispute_id: str) -> Dispute:
        self._record("get_dispute", dispute_id)
        return self._dispute_records(dispute_id)[1]

    def close_dispute(self, dispute_id: str, *, idempotency_key: str) -> Dispute:
        self._record("close_dispute", (dispute_id, idempotency_key))

        def close() -> Dispute:
            records, dispute = self._dispute_records(dispute_id)
            if not dispute.is_open:
                raise StripeRefused(f"This dispute is already closed: {dispute_id}", "dispute_closed")
            lost = dispute.model_copy(update={"status": "lost"})
            self._replace(records, disputes=[lost if d.id == dispute_id else d for d in records.disputes])
            return lost

        result: Dispute = self._once(idempotency_key, close)
        return result

    # --- toolbox: time and goodwill (issue 13: undo a cancellation, pause/resume, trial, coupon, credit) ---

    def undo_scheduled_cancellation(self, subscription_id: str, *, idempotency_key: str) -> Subscription:
        self._record("undo_scheduled_cancellation", (subscription_id, idempotency_key))
        return self._change_subscription(
            subscription_id, idempotency_key, cancel_at_period_end=False, cancel_at=None, canceled_at=None
        )

    def pause_collection(
        self,
        subscription_id: str,
        *,
        behavior: PauseBehavior,
        resumes_at: datetime | None,
        idempotency_key: str,
    ) -> Subscription:
        self._record("pause_collection", (subscription_id, behavior, resumes_at, idempotency_key))
        pause = PauseCollection(behavior=behavior, resumes_at=resumes_at)
        return self._change_subscription(subscription_id, idempotency_key, pause_collection=pause)

    def resume_collection(self, subscription_id: str, *, idempotency_key: str) -> Subscription:
        self._record("resume_collection", (subscription_id, idempotency_key))
        return self._change_subscription(subscription_id, idempotency_key, pause_collection=None)

    def set_trial_end(
        self, subscription_id: str, *, trial_end: datetime, idempotency_key: str
    ) -> Subscription:
        self._record("set_trial_end", (subscription_id, trial_end, idempotency_key))
        sub = self.get_subscription(subscription_id)
        if sub.status != "trialing" or trial_end <= self.now:
            raise StripeRefused(
                "trial_end must be a future time on a trialing subscription", "parameter_invalid"
            )
        items = [item.model_copy(update={"current_period_end": trial_end}) for item in sub.items]
        return self._change_subscription(subscription_id, idempotency_key, trial_end=trial_end, items=items)

    def apply_coupon(self, subscription_id: str, *, coupon_id: str, idempotency_key: str) -> Subscription:
        self._record("apply_coupon", (subscription_id, coupon_id, idempotency_key))
        if not any(coupon.id == coupon_id and coupon.valid for coupon in self.coupons):
            raise StripeRefused(f"No such coupon: '{coupon_id}'", "resource_missing")
        return self._change_subscription(subscription_id, idempotency_key, coupon_ids=[coupon_id])

    def _change_subscription(self, subscription_id: str, key: str, **update: Any) -> Subscription:
        def change() -> Subscription:
            records = self._owner(subscription_id)
            sub = _find(records.subscriptions, subscription_id)
            if sub.status == "canceled":
                raise StripeRefused("subscription is canceled", "resource_missing")
            changed = sub.model_copy(update=update)
            subs = [changed if s.id == subscription_id else s for s in records.subscriptions]
            self._replace(records, subscriptions=subs)
            return changed

        result: Subscription = self._once(key, change)
        return result

    def list_coupons(self) -> list[Coupon]:
        self._record("list_coupons")
        return list(self.coupons)

    def get_coupon(self, coupon_id: str) -> Coupon:
        self._record("get_coupon", coupon_id)
        return _find(self.coupons, coupon_id)

    def add_customer_credit(
        self,
        customer_id: str,
        *,
        amount: int,
        currency: str,
        description: str,
        metadata: dict[str, str],
        idempotency_key: str,
    ) -> BalanceTransaction:
        self._record("add_customer_credit", (customer_id, amount, currency, idempotency_key))

        def credit() -> BalanceTransaction:
            records = self.records[customer_id]
            ending = records.customer.balance - amount
            made = BalanceTransaction(
                id=f"cbtxn_fake{next(self._ids):04d}",
                customer_id=customer_id,
                amount=-amount,
                currency=currency,
                ending_balance=ending,
                type="adjustment",
                description=description,
                created=self.now,
                metadata=metadata,
            )
            self.balance_transactions.append(made)
            self._replace(records, customer=records.customer.model_copy(update={"balance": ending}))
            return made

        result: BalanceTransaction = self._once(idempotency_key, credit)
        return result

    def list_balance_transactions(self, customer_id: str) -> list[BalanceTransaction]:
        self._record("list_balance_transactions", customer_id)
        return [t for t in reversed(self.balance_transactions) if t.customer_id == customer_id]


def _clauses(query: str) -> dict[str, str]:
    """`a:'x' AND b:8` -> {"a": "x", "b": "8"}: the only shape the lookup sends."""
    return {
        field: value.strip("'") for field, value in (clause.split(":", 1) for clause in query.split(" AND "))
    }


def _card_matches(card: CardSummary, wanted: dict[str, str]) -> bool:
    prefix = "payment_method_details.card."
    actual = {"last4": card.last4, "exp_month": str(card.exp_month), "exp_year": str(card.exp_year)}
    return all(actual.get(field.removeprefix(prefix)) == value for field, value in wanted.items())


def _find(items: list[Any], object_id: str) -> Any:
    for item in items:
        if item.id == object_id:
            return item
    raise ObjectNotFound(object_id)


def _ends_since(subscription: Subscription, gte: datetime | None) -> bool:
    ends = subscription.current_period_end
    return gte is None or (ends is not None and ends >= gte)


def _since(created: datetime, created_gte: datetime | None) -> bool:
    return created_gte is None or created >= created_gte


def _matches(customer: Customer, field: str, key: str | None, op: str, value: str) -> bool:
    if key is not None:
        actual = customer.metadata.get(key)
    else:
        actual = customer.name if field == "name" else customer.email
    if actual is None:
        return False
    if op == "~":
        return value.lower() in actual.lower()
    return value.lower() == actual.lower()


# --- builders: terse models for tests (all times UTC, defaults describe a healthy $20/month plan) ---

T0 = datetime(2026, 11, 1, 9, 0, tzinfo=UTC)


def card(brand: str = "visa", last4: str = "4242", exp_month: int = 8, exp_year: int = 2030) -> CardSummary:
    return CardSummary(brand=brand, last4=last4, exp_month=exp_month, exp_year=exp_year)


def customer(
    customer_id: str = "cus_Jane0001", *, email: str | None = "jane@example.com", **fields: Any
) -> Customer:
    values: dict[str, Any] = {"name": "Jane Doe", "created": T0 - timedelta(days=60), **fields}
    return Customer(id=customer_id, email=email, **values)


def price(
    price_id: str = "price_Pro00001",
    *,
    product_id: str = "prod_Pro00001",
    product_name: str | None = "Pro",
    unit_amount: int = 2000,
    currency: str = "usd",
    interval: Interval | None = "month",
) -> Price:
    return Price(
        id=price_id,
        product_id=product_id,
        product_name=product_name,
        unit_amount=unit_amount,
        currency=currency,
        interval=interval,
    )


def subscription(
    subscription_id: str = "sub_Pro00001",
    *,
    customer_id: str = "cus_Jane0001",
    status: SubscriptionStatus = "active",
    created: datetime = T0,
    quantity: int = 1,
    item_price: Price | None = None,
    period_end: datetime | None = None,
    **fields: Any,
) -> Subscription:
    the_price = item_price or price()
    item = SubscriptionItem(
        id="si_" + subscription_id.removeprefix("sub_"),
        price=the_price,
        quantity=quantity,
        current_period_start=created,
        current_period_end=period_end or created + timedelta(days=30),
    )
    return Subscription(
        id=subscription_id,
        customer_id=customer_id,
        status=status,
        created=created,
        currency=the_price.currency,
        items=[item],
        **fields,
    )


def invoice(invoice_id: str = "in_Pro00001", *, customer_id: str = "cus_Jane0001", **fields: Any) -> Invoice:
    values: dict[str, Any] = {
        "currency": "usd",
        "amount_due": 2000,
        "amount_paid": 2000,
        "amount_remaining": 0,
        "status": "paid",
        "created": T0,
        **fields,
    }
    return Invoice(id=invoice_id, customer_id=customer_id, **values)


def charge(charge_id: str = "ch_Pro00001", *, customer_id: str = "cus_Jane0001", **fields: Any) -> Charge:
    values: dict[str, Any] = {
        "amount": 2000,
        "currency": "usd",
        "status": "succeeded",
        "created": T0,
        **fields,
    }
    return Charge(id=charge_id, customer_id=customer_id, **values)


def records(the_customer: Customer | None = None, **fields: Any) -> BillingRecords:
    values: dict[str, Any] = {"subscriptions": [], "invoices": [], "charges": [], **fields}
    return BillingRecords(customer=the_customer or customer(), **values)


def portal(*, cancel: bool, default: bool = True, active: bool = True) -> PortalConfiguration:
    return PortalConfiguration(
        id="bpc_Default01",
        is_default=default,
        active=active,
        payment_method_update=True,
        subscription_cancel=cancel,
        invoice_history=True,
        subscription_update=False,
    )


_BILLING_GATEWAY_CHECK: type[BillingGateway] = FakeGateway  # mypy: the fake implements the whole Protocol
