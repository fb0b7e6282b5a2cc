"""An in-memory BillingGateway with Stripe's idempotency semantics, and demo-like customers (no tests here)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

from billing.actions import ActionService
from billing.approval import ApprovalRule
from billing.case_actions import ActionPolicy
from billing.change_models import PortalFlowType
from billing.clock import FixedClock
from billing.errors import ObjectNotFound, StripeRefused, StripeUnavailable
from billing.models import (
    BillingRecords,
    Bucket,
    CardSummary,
    Charge,
    Customer,
    Invoice,
    PortalConfiguration,
    PortalSession,
    Price,
    Refund,
    Subscription,
    SubscriptionItem,
)
from billing.snapshot import CustomerSnapshot
from billing.store import Store
from tests.unit.fake_gateway import FakeGateway as BaseFakeGateway

T0 = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)
VISA = CardSummary(brand="visa", last4="4242", exp_month=12, exp_year=2030)
OPERATOR, SECOND_OPERATOR, STRANGER = "UOPS1", "UOPS2", "USTRANGER"


class FakeGateway(BaseFakeGateway):
    """The one fake, holding demo-like objects by ID, with Stripe's idempotency replay and injectable failures
    around each write."""

    def __init__(self) -> None:
        super().__init__()
        self.customers: dict[str, Customer] = {}
        self.subscriptions: dict[str, Subscription] = {}
        self.invoices: dict[str, Invoice] = {}
        self.charges: dict[str, Charge] = {}
        self.refunds: list[Refund] = []
        self.portal_configs = [
            PortalConfiguration(
                id="bpc_default",
                is_default=True,
                active=True,
                payment_method_update=True,
                subscription_cancel=True,
                invoice_history=True,
                subscription_update=False,
            )
        ]
        self.writes: list[tuple[str, str, str]] = []  # (method, object id, idempotency key) per real effect
        self.replayed: dict[str, object] = {}
        self.fail_next: list[Exception] = []
        self.fail_after_effect = False  # the write lands, then the answer is lost (timeout)

    # --- reads ---
    def get_subscription(self, subscription_id: str) -> Subscription:
        return self._get(self.subscriptions, subscription_id)

    def get_charge(self, charge_id: str) -> Charge:
        return self._get(self.charges, charge_id)

    def get_invoice(self, invoice_id: str) -> Invoice:
        return self._get(self.invoices, invoice_id)

    def list_refunds(self, charge_id: str) -> list[Refund]:
        return [refund for refund in reversed(self.refunds) if refund.charge_id == charge_id]

    def _get(self, table: dict, object_id: str):
        if object_id not in table:
            raise ObjectNotFound(object_id)
        return table[object_id]

    def list_portal_configurations(self) -> list[PortalConfiguration]:
        return self.portal_configs

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
        return PortalSession(
            id="bps_1", url="https://billing.stripe.com/p/session/test_1", customer_id=customer_id, created=T0
        )

    # --- writes with idempotency replay ---
    def _write(self, method: str, object_id: str, key: str, effect):
        if key in self.replayed:
            return self.replayed[key]
        if self.fail_next:
            raise self.fail_next.pop(0)
        result = effect()
        self.writes.append((method, object_id, key))
        self.replayed[key] = result
        if self.fail_after_effect:
            self.fail_after_effect = False
            raise StripeUnavailable("timed out", request_id="req_timeout")
        return result

    def cancel_subscription(
        self, subscription_id: str, *, at_period_end: bool, idempotency_key: str, comment: str | None = None
    ) -> Subscription:
        def effect() -> Subscription:
            sub = self.subscriptions[subscription_id]
            if at_period_end:
                sub = sub.model_copy(update={"cancel_at_period_end": True})
            else:
                sub = sub.model_copy(update={"status": "canceled", "canceled_at": T0})
            self.subscriptions[subscription_id] = sub
            return sub

        return self._write("cancel", subscription_id, idempotency_key, effect)

    def refund_charge(
        self, charge_id: str, *, amount: int, reason: str, metadata: dict[str, str], idempotency_key: str
    ) -> Refund:
        def effect() -> Refund:
            charge = self.charges[charge_id]
            if amount > charge.refundable_amount:
                raise StripeRefused("amount exceeds refundable", code="amount_too_large")
            self.charges[charge_id] = charge.model_copy(
                update={
                    "amount_refunded": charge.amount_refunded + amount,
                    "refunded": charge.amount_refunded + amount == charge.amount,
                }
            )
            refund = Refund(
                id=f"re_{len(self.refunds) + 1}",
                charge_id=charge_id,
                amount=amount,
                currency=charge.currency,
                status="succeeded",
                reason=reason,
                created=T0,
                metadata=metadata,
            )
            self.refunds.append(refund)
            return refund

        return self._write("refund", charge_id, idempotency_key, effect)

    def pay_invoice(self, invoice_id: str, *, idempotency_key: str) -> Invoice:
        def effect() -> Invoice:
            invoice = self.invoices[invoice_id].model_copy(
                update={
                    "status": "paid",
                    "amount_paid": self.invoices[invoice_id].amount_due,
                    "amount_remaining": 0,
                }
            )
            self.invoices[invoice_id] = invoice
            return invoice

        return self._write("pay", invoice_id, idempotency_key, effect)

    # --- the snapshot source the service uses ---
    def snapshot(self, customer_id: str, *, matched_on: str, complaint: str = "") -> CustomerSnapshot:
        customer = self.customers[customer_id]
        records = BillingRecords(
            customer=customer,
            subscriptions=[s for s in self.subscriptions.values() if s.customer_id == customer_id],
            invoices=[i for i in self.invoices.values() if i.customer_id == customer_id],
            charges=[c for c in self.charges.values() if c.customer_id == customer_id],
        )
        return CustomerSnapshot(records=records, matched_on=matched_on, taken_at=T0)

    # --- building demo customers ---
    def add_customer(self, customer_id: str, name: str, email: str) -> None:
        self.customers[customer_id] = Customer(
            id=customer_id,
            name=name,
            email=email,
            created=T0 - timedelta(days=90),
            default_payment_method=VISA,
        )

    def add_subscription(
        self,
        sub_id: str,
        customer_id: str,
        *,
        amount: int,
        currency: str = "usd",
        interval: str = "month",
        quantity: int = 1,
        status: str = "active",
        created: datetime = T0 - timedelta(days=10),
        product: str = "prod_pro",
        product_name: str = "Pro",
        paid_with: str | None = None,
    ) -> None:
        period_days = 365 if interval == "year" else 30
        price = Price(
            id=f"price_{product}_{currency}_{interval}",
            product_id=product,
            product_name=product_name,
            unit_amount=amount,
            currency=currency,
            interval=interval,  # type: ignore[arg-type]
        )
        item = SubscriptionItem(
            id=f"si_{sub_id}",
            price=price,
            quantity=quantity,
            current_period_start=created,
            current_period_end=created + timedelta(days=period_days),
        )
        self.subscriptions[sub_id] = Subscription(
            id=sub_id,
            customer_id=customer_id,
            status=status,  # type: ignore[arg-type]
            created=created,
            currency=currency,
            items=[item],
        )
        if paid_with:
            invoice_id = f"in_{sub_id}"
            self.invoices[invoice_id] = Invoice(
                id=invoice_id,
                customer_id=customer_id,
                subscription_id=sub_id,
                status="paid",
                currency=currency,
                amount_due=amount * quantity,
                amount_paid=amount * quantity,
                amount_remaining=0,
                created=created,
                payment_intent_ids=[f"pi_{paid_with}"],
            )
            self.charges[paid_with] = Charge(
                id=paid_with,
                customer_id=customer_id,
                payment_intent_id=f"pi_{paid_with}",
                amount=amount * quantity,
                currency=currency,
                status="succeeded",
                created=created,
                card=VISA,
            )


def demo_gateway() -> FakeGateway:
    gw = FakeGateway()
    gw.add_customer("cus_jane", "Jane Doe", "jane@example.com")
    gw.add_subscription(
        "sub_old", "cus_jane", amount=2000, created=T0 - timedelta(days=20), paid_with="ch_old"
    )
    gw.add_subscription(
        "sub_new", "cus_jane", amount=2000, created=T0 - timedelta(days=2), paid_with="ch_new"
    )
    gw.add_customer("cus_kenji", "Kenji Sato", "kenji@example.jp")
    gw.add_subscription("sub_jp", "cus_kenji", amount=3000, currency="jpy", paid_with="ch_jp")
    gw.add_customer("cus_yuki", "Yuki Tanaka", "yuki.annual@example.com")
    gw.add_subscription("sub_year", "cus_yuki", amount=20000, interval="year", paid_with="ch_year")
    gw.add_customer("cus_team", "Acme", "team@acme.example")
    gw.add_subscription(
        "sub_team", "cus_team", amount=1000, quantity=5, product="prod_team", product_name="Team"
    )
    gw.add_customer("cus_sam", "Sam Lee", "sam@example.com")
    gw.add_subscription("sub_sam", "cus_sam", amount=2000, status="past_due")
    gw.invoices["in_open"] = Invoice(
        id="in_open",
        customer_id="cus_sam",
        subscription_id="sub_sam",
        status="open",
        currency="usd",
        amount_due=2000,
        amount_paid=0,
        amount_remaining=2000,
        created=T0 - timedelta(days=1),
        attempt_count=2,
    )
    return gw


class World:
    """Gateway + store + service on one clock, with a helper to open a classified case."""

    def __init__(self, *, approval_above: Decimal | None = None, db: str = ":memory:") -> None:
        self.clock = FixedClock(T0)
        self.gateway = demo_gateway()
        self.store = Store(db, self.clock)
        self.policy = ActionPolicy(
            operators=[OPERATOR, SECOND_OPERATOR],
            approval=ApprovalRule({"usd": approval_above} if approval_above is not None else {}),
        )
        self.service = ActionService(self.gateway, self.store, self.gateway, self.clock, self.policy)

    def case(self, customer_id: str, bucket: Bucket | None = None, suggested: Bucket | None = None) -> str:
        case_id = self.store.open_case(
            customer_id=customer_id,
            query=customer_id,
            matched_on="email",
            suggested_bucket=suggested.value if suggested else None,
            opened_by=OPERATOR,
        )
        if bucket is not None:
            self.service.classify(case_id, bucket, OPERATOR)
        return case_id

    def events(self, case_id: str) -> list[tuple[str, str | None]]:
        return [(row["event"], row["outcome"]) for row in self.store.audit_rows(case_id=case_id)]
