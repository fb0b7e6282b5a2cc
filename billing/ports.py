"""What billing/ needs from Stripe, as a Protocol: StripeGateway implements it, tests pass fakes."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from typing import Protocol

from billing.change_models import InvoicePreview, PortalFlowType
from billing.credit_notes import CreditNote, CreditNoteDraft
from billing.models import (
    BalanceTransaction,
    BillingRecords,
    Charge,
    Customer,
    Dispute,
    Event,
    Invoice,
    PortalConfiguration,
    PortalSession,
    Refund,
    Subscription,
)
from billing.toolbox_models import Coupon, PauseBehavior


class BillingGateway(Protocol):
    @property
    def livemode(self) -> bool:
        """True when the configured key moves real money."""
        ...

    # --- identity -----------------------------------------------------------------------------
    def find_customers_by_email(self, email: str) -> list[Customer]:
        """customers.list(email=…): exact and immediately consistent (search lags up to a minute)."""
        ...

    def search_customers(self, query: str) -> list[Customer]:
        """customers.search with a query already in Stripe's search language."""
        ...

    def customers_with_invoices(self, query: str) -> list[Customer]:
        """The customers of the invoices an invoices.search query finds (e.g. `number:'ABC-0001'`)."""
        ...

    def charges_with_customers(self, query: str) -> list[tuple[Charge, Customer]]:
        """The charges a charges.search query finds (e.g. a card's last 4), each with its customer."""
        ...

    def get_customer(self, customer_id: str) -> Customer: ...

    def customer_for(self, object_id: str) -> Customer:
        """The customer behind a cus_/sub_/in_/ch_/pi_ ID in one request (customer expanded).

        Raises ObjectNotFound. Lets a lookup by object ID stay within its two rounds.
        """
        ...

    # --- one customer's state (at most 2 sequential rounds in all, independent requests in parallel)
    def load_billing_records(self, customer: Customer) -> BillingRecords: ...

    # --- re-reads just before a money action --------------------------------------------------
    def get_subscription(self, subscription_id: str) -> Subscription: ...

    def get_charge(self, charge_id: str) -> Charge: ...

    def get_invoice(self, invoice_id: str) -> Invoice: ...

    def list_refunds(self, charge_id: str) -> list[Refund]:
        """Every refund of the charge, newest first (resolving a refund whose outcome was unknown)."""
        ...

    # --- writes: every one takes an idempotency key ------------------------------------------
    def cancel_subscription(
        self, subscription_id: str, *, at_period_end: bool, idempotency_key: str, comment: str | None = None
    ) -> Subscription: ...

    def refund_charge(
        self,
        charge_id: str,
        *,
        amount: int,
        reason: str,
        metadata: dict[str, str],
        idempotency_key: str,
    ) -> Refund: ...

    def pay_invoice(self, invoice_id: str, *, idempotency_key: str) -> Invoice: ...

    def create_portal_session(
        self,
        customer_id: str,
        *,
        return_url: str | None = None,
        flow: PortalFlowType | None = None,
        subscription_id: str | None = None,
    ) -> PortalSession:
        """A portal session; `flow` deep-links into one flow (subscription_cancel needs the subscription)."""
        ...

    def list_portal_configurations(self) -> list[PortalConfiguration]: ...

    # --- account-wide listing for the digest and plan mix: 100 a page, never a request per customer
    def iter_subscriptions(
        self, *, status: str = "all", created_gte: datetime | None = None
    ) -> Iterator[tuple[Subscription, Customer]]: ...

    def iter_ended_subscriptions(
        self, *, ended_gte: datetime
    ) -> Iterator[tuple[Subscription, Customer | None]]:
        """Cancelled subscriptions, customer expanded (None if deleted): every one ended since `ended_gte`,
        and possibly some that ended earlier."""
        ...

    def iter_disputes(self, *, created_gte: datetime | None = None) -> Iterator[Dispute]: ...

    def iter_events(self, *, types: list[str], created_gte: datetime | None = None) -> Iterator[Event]: ...

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
        """invoices.create_preview of one item's new quantity or price, prorated as of `proration_date`."""
        ...

    def change_subscription_item(
        self,
        subscription_id: str,
        *,
        item_id: str,
        proration_date: datetime,
        idempotency_key: str,
        quantity: int | None = None,
        price_id: str | None = None,
    ) -> Subscription: ...

    def send_invoice(self, invoice_id: str, *, idempotency_key: str) -> Invoice:
        """invoices.send_invoice: Stripe emails the invoice (collection_method send_invoice only)."""

    # --- issue 13 money actions: credit notes on paid invoices, accepting a dispute ----------------
    def preview_credit_note(self, draft: CreditNoteDraft) -> CreditNote:
        """credit_notes.preview: the credit note Stripe would issue; nothing is created or moved."""
        ...

    def create_credit_note(self, draft: CreditNoteDraft, *, idempotency_key: str) -> CreditNote: ...

    def list_credit_notes(self, invoice_id: str) -> list[CreditNote]:
        """Every credit note of the invoice (finding the one an action made, by its metadata)."""
        ...

    def get_dispute(self, dispute_id: str) -> Dispute: ...

    def close_dispute(self, dispute_id: str, *, idempotency_key: str) -> Dispute:
        """disputes.close: accept the dispute; Stripe marks it lost and the money stays with the cardholder."""

    # --- toolbox: time and goodwill (issue 13: undo a cancellation, pause/resume, trial, coupon, credit) ---
    def undo_scheduled_cancellation(self, subscription_id: str, *, idempotency_key: str) -> Subscription:
        """cancel_at_period_end=false: the subscription renews as before."""
        ...

    def pause_collection(
        self,
        subscription_id: str,
        *,
        behavior: PauseBehavior,
        resumes_at: datetime | None,
        idempotency_key: str,
    ) -> Subscription: ...

    def resume_collection(self, subscription_id: str, *, idempotency_key: str) -> Subscription: ...

    def set_trial_end(
        self, subscription_id: str, *, trial_end: datetime, idempotency_key: str
    ) -> Subscription: ...

    def apply_coupon(self, subscription_id: str, *, coupon_id: str, idempotency_key: str) -> Subscription:
        """discounts=[{coupon}]: replaces the subscription's discounts with this coupon's."""
        ...

    def list_coupons(self) -> list[Coupon]:
        """The account's coupons; `valid` says which can still be redeemed."""
        ...

    def get_coupon(self, coupon_id: str) -> Coupon: ...

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
        """Credit `amount` (positive, minor units) to the customer's balance: Stripe records -amount."""
        ...

    def list_balance_transactions(self, customer_id: str) -> list[BalanceTransaction]:
        """Newest first (finding the credit an action made, by its metadata)."""
        ...
