"""StripeGateway: one customer's records, the re-reads and the writes of a money action (listing and the shared
client are in listing.py and base.py, the converters in convert.py)."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any, cast

import stripe

from billing.credit_notes import CreditNote, CreditNoteDraft
from billing.errors import (
    ObjectNotFound,
    StripeRefused,
    StripeUnavailable,
)
from billing.gateway.base import (
    CARD_ONLY_CUSTOMER_EXPAND,
    CUSTOMER_EXPAND,
    DISPUTES_PER_CHARGE,
    LISTED_CUSTOMER_EXPAND,
    PAGE_SIZE,
    RECENT_CHARGES,
    RECENT_INVOICES,
    RECENT_SUBSCRIPTIONS,
    REFUND_REASONS,
    SEARCHED_OWNER_EXPAND,
    SUBSCRIPTION_EXPAND,
    ListedPage,
)
from billing.gateway.convert import (
    _charge_refunds,
    _disputes_of,
    _distinct_owners,
    _to_charge,
    _to_credit_note,
    _to_customer,
    _to_dispute,
    _to_invoice,
    _to_portal_configuration,
    _to_refund,
    _to_subscription,
    _with_request_id,
)
from billing.models import (
    BillingRecords,
    Charge,
    Customer,
    Dispute,
    Invoice,
    PortalConfiguration,
    Refund,
    Subscription,
)

if TYPE_CHECKING:
    from stripe.params import (
        CreditNoteCreateParams,
        SubscriptionCancelParams,
        SubscriptionUpdateParams,
    )

from billing.gateway.listing import AccountListing
from billing.gateway.plan_changes import PlanChangeCalls
from billing.gateway.toolbox import ToolboxWrites

log = logging.getLogger(__name__)


class StripeGateway(AccountListing, ToolboxWrites, PlanChangeCalls):
    # --- identity -----------------------------------------------------------------------------

    def find_customers_by_email(self, email: str) -> list[Customer]:
        # Usually one match, whose subscriptions the next round reads anyway: embedding them here too made
        # a large customer's first response hundreds of KB. Only several matches need their counts.
        page = self._list("/v1/customers", {"email": email, "limit": 20, "expand": CARD_ONLY_CUSTOMER_EXPAND})
        if len(page.data) > 1:
            page = self._list(
                "/v1/customers", {"email": email, "limit": 20, "expand": LISTED_CUSTOMER_EXPAND}
            )
        return [_to_customer(customer) for customer in page.data]

    def search_customers(self, query: str) -> list[Customer]:
        page = self._read(
            lambda: self._client.v1.customers.search(
                params={
                    "query": query,
                    "limit": 20,
                    "expand": LISTED_CUSTOMER_EXPAND,
                }
            )
        )
        return [_to_customer(customer) for customer in page.data]

    def customers_with_invoices(self, query: str) -> list[Customer]:
        page = self._read(
            lambda: self._client.v1.invoices.search(
                params={"query": query, "limit": 20, "expand": SEARCHED_OWNER_EXPAND}
            )
        )
        return _distinct_owners(invoice.customer for invoice in page.data)

    def charges_with_customers(self, query: str) -> list[tuple[Charge, Customer]]:
        page = self._read(
            lambda: self._client.v1.charges.search(
                params={"query": query, "limit": 100, "expand": SEARCHED_OWNER_EXPAND}
            )
        )
        return [
            (_to_charge(charge), _to_customer(charge.customer))
            for charge in page.data
            if isinstance(charge.customer, stripe.Customer) and not getattr(charge.customer, "deleted", False)
        ]

    def get_customer(self, customer_id: str) -> Customer:
        customer = self._read(
            lambda: self._client.v1.customers.retrieve(customer_id, params={"expand": CUSTOMER_EXPAND}),
            object_id=customer_id,
        )
        if getattr(customer, "deleted", False):
            raise ObjectNotFound(customer_id)
        return _to_customer(customer)

    def customer_id_for(self, object_id: str) -> str:
        owner = self._owner_of(object_id, expand=[])
        if owner is None:
            raise ObjectNotFound(object_id)
        return owner if isinstance(owner, str) else owner.id

    def customer_for(self, object_id: str) -> Customer:
        """The customer behind a cus_/sub_/in_/ch_/pi_ ID in ONE request (the customer is expanded)."""
        if object_id.startswith("cus_"):
            return self.get_customer(object_id)
        owner = self._owner_of(object_id, expand=["customer", *(f"customer.{p}" for p in CUSTOMER_EXPAND)])
        if owner is None or isinstance(owner, str) or getattr(owner, "deleted", False):
            raise ObjectNotFound(object_id)
        return _to_customer(owner)

    def _owner_of(self, object_id: str, *, expand: list[str]) -> str | stripe.Customer | None:
        v1 = self._client.v1
        if object_id.startswith("cus_"):
            return object_id
        if object_id.startswith("sub_"):
            return self._read(
                lambda: v1.subscriptions.retrieve(object_id, params={"expand": expand}), object_id=object_id
            ).customer
        if object_id.startswith("in_"):
            return self._read(
                lambda: v1.invoices.retrieve(object_id, params={"expand": expand}), object_id=object_id
            ).customer
        if object_id.startswith("ch_"):
            return self._read(
                lambda: v1.charges.retrieve(object_id, params={"expand": expand}), object_id=object_id
            ).customer
        if object_id.startswith("pi_"):
            return self._read(
                lambda: v1.payment_intents.retrieve(object_id, params={"expand": expand}),
                object_id=object_id,
            ).customer
        raise ObjectNotFound(object_id)

    # --- one customer's state -----------------------------------------------------------------

    def load_billing_records(self, customer: Customer) -> BillingRecords:
        """One round: every request below is independent, so they run side by side. Disputes are read
        per disputed charge, right after the charges and in the same thread, so most lookups need none."""
        products = self._pool.submit(self._product_names)
        subscriptions = self._pool.submit(self._recent_subscriptions, customer.id)
        invoices = self._pool.submit(self._recent_invoices, customer.id)
        charges = self._pool.submit(self._recent_charges_and_disputes, customer.id)
        portal = self._pool.submit(self._portal_configurations_or_empty)
        prices = self._pool.submit(self.recurring_price_page)
        coupons = self._pool.submit(self._coupons_or_empty)

        products.result()
        subscription_page = subscriptions.result()
        product_names = self._names_for(subscription_page.data)
        invoice_page = invoices.result()
        charge_page, disputes = charges.result()
        charge_list = [_to_charge(charge) for charge in charge_page.data]
        return BillingRecords(
            customer=customer,
            subscriptions=[
                _to_subscription(sub, product_names).model_copy(update={"list_position": position})
                for position, sub in enumerate(subscription_page.data)
            ],
            invoices=[_to_invoice(invoice) for invoice in invoice_page.data],
            charges=charge_list,
            refunds=[_to_refund(refund) for charge in charge_page.data for refund in _charge_refunds(charge)],
            disputes=_disputes_of(customer.id, {c.id for c in charge_list}, disputes),
            has_more_invoices=invoice_page.has_more,
            has_more_charges=charge_page.has_more,
            portal_configurations=portal.result(),
            prices=self.prices_named(prices.result(), product_names),
            coupons=coupons.result(),
        )

    def _recent_charges_and_disputes(self, customer_id: str) -> tuple[ListedPage, list[Any]]:
        page = self._recent_charges(customer_id)
        disputes = [
            dispute for charge in page.data if charge.disputed for dispute in self._disputes_on(charge.id)
        ]
        return page, disputes

    def _recent_subscriptions(self, customer_id: str) -> ListedPage:
        expand = [f"data.{path}" for path in SUBSCRIPTION_EXPAND]
        params = {"customer": customer_id, "status": "all", "limit": RECENT_SUBSCRIPTIONS, "expand": expand}
        return self._list("/v1/subscriptions", params)

    def _recent_invoices(self, customer_id: str) -> ListedPage:
        return self._list(
            "/v1/invoices", {"customer": customer_id, "limit": RECENT_INVOICES, "expand": ["data.payments"]}
        )

    def _recent_charges(self, customer_id: str) -> ListedPage:
        # Refunds come embedded in their charges: listing refunds by charge would be a request per charge.
        return self._list(
            "/v1/charges", {"customer": customer_id, "limit": RECENT_CHARGES, "expand": ["data.refunds"]}
        )

    def _disputes_on(self, charge_id: str) -> list[Any]:
        # disputes.list has no customer filter, but a charge filter: only this customer's disputed charges.
        return self._list("/v1/disputes", {"charge": charge_id, "limit": DISPUTES_PER_CHARGE}).data

    def _portal_configurations_or_empty(self) -> list[PortalConfiguration]:
        try:
            return self.list_portal_configurations()
        except StripeUnavailable:
            # A restricted key without portal access must not break a lookup.
            log.warning("could not list portal configurations; continuing without them")
            return []

    # --- re-reads just before a money action --------------------------------------------------

    def get_subscription(self, subscription_id: str) -> Subscription:
        subscription = self._read(
            lambda: self._client.v1.subscriptions.retrieve(
                subscription_id, params={"expand": SUBSCRIPTION_EXPAND}
            ),
            object_id=subscription_id,
        )
        return _to_subscription(subscription, self._names_for([subscription]))

    def get_charge(self, charge_id: str) -> Charge:
        return _to_charge(
            self._read(lambda: self._client.v1.charges.retrieve(charge_id), object_id=charge_id)
        )

    def get_invoice(self, invoice_id: str) -> Invoice:
        invoice = self._read(
            lambda: self._client.v1.invoices.retrieve(invoice_id, params={"expand": ["payments"]}),
            object_id=invoice_id,
        )
        return _to_invoice(invoice)

    def list_refunds(self, charge_id: str) -> list[Refund]:
        """Every refund of the charge (to find the one an action made, by its metadata)."""
        params: Any = {"charge": charge_id, "limit": PAGE_SIZE}
        return [_to_refund(refund) for refund in self._paginate("/v1/refunds", params, stripe.Refund)]

    # --- writes -------------------------------------------------------------------------------

    def cancel_subscription(
        self, subscription_id: str, *, at_period_end: bool, idempotency_key: str, comment: str | None = None
    ) -> Subscription:
        options: stripe.RequestOptions = {"idempotency_key": idempotency_key}
        subscriptions = self._client.v1.subscriptions
        if at_period_end:
            update: SubscriptionUpdateParams = {"cancel_at_period_end": True, "expand": SUBSCRIPTION_EXPAND}
            if comment:
                update["cancellation_details"] = {"comment": comment}
            updated = self._write(
                lambda: subscriptions.update(subscription_id, params=update, options=options),
                object_id=subscription_id,
            )
        else:
            cancel: SubscriptionCancelParams = {"expand": SUBSCRIPTION_EXPAND}
            if comment:
                cancel["cancellation_details"] = {"comment": comment}
            updated = self._write(
                lambda: subscriptions.cancel(subscription_id, params=cancel, options=options),
                object_id=subscription_id,
            )
        return _with_request_id(_to_subscription(updated, self._names_for([updated])), updated)

    def refund_charge(
        self,
        charge_id: str,
        *,
        amount: int,
        reason: str,
        metadata: dict[str, str],
        idempotency_key: str,
    ) -> Refund:
        if reason not in REFUND_REASONS:
            raise StripeRefused(f"refund reason must be one of {', '.join(sorted(REFUND_REASONS))}")
        refund = self._write(
            lambda: self._client.v1.refunds.create(
                params={
                    "charge": charge_id,
                    "amount": amount,
                    "reason": cast(Any, reason),
                    "metadata": metadata,
                },
                options={"idempotency_key": idempotency_key},
            ),
            object_id=charge_id,
        )
        return _with_request_id(_to_refund(refund), refund)

    def pay_invoice(self, invoice_id: str, *, idempotency_key: str) -> Invoice:
        invoice = self._write(
            lambda: self._client.v1.invoices.pay(
                invoice_id, params={"expand": ["payments"]}, options={"idempotency_key": idempotency_key}
            ),
            object_id=invoice_id,
        )
        return _with_request_id(_to_invoice(invoice), invoice)

    def list_portal_configurations(self) -> list[PortalConfiguration]:
        page = self._read(
            lambda: self._client.v1.billing_portal.configurations.list(params={"limit": PAGE_SIZE})
        )
        return [_to_portal_configuration(configuration) for configuration in page.data]

    # --- issue 13 money actions: credit notes on paid invoices, accepting a dispute ----------------

    def preview_credit_note(self, draft: CreditNoteDraft) -> CreditNote:
        params = _credit_note_params(draft)
        # Translated as a write: Stripe refusing the preview (e.g. an amount over what is creditable) is a
        # refusal to show the operator, not Stripe being unavailable. Nothing is created either way.
        note = self._write(
            lambda: self._client.v1.credit_notes.preview(params=cast(Any, params)), object_id=draft.invoice_id
        )
        return _to_credit_note(note)

    def create_credit_note(self, draft: CreditNoteDraft, *, idempotency_key: str) -> CreditNote:
        params = _credit_note_params(draft)
        note = self._write(
            lambda: self._client.v1.credit_notes.create(
                params=params, options={"idempotency_key": idempotency_key}
            ),
            object_id=draft.invoice_id,
        )
        return _with_request_id(_to_credit_note(note), note)

    def list_credit_notes(self, invoice_id: str) -> list[CreditNote]:
        params: Any = {"invoice": invoice_id, "limit": PAGE_SIZE}
        return [
            _to_credit_note(note) for note in self._paginate("/v1/credit_notes", params, stripe.CreditNote)
        ]

    def get_dispute(self, dispute_id: str) -> Dispute:
        dispute = self._read(
            lambda: self._client.v1.disputes.retrieve(dispute_id, params={"expand": ["charge"]}),
            object_id=dispute_id,
        )
        return _to_dispute(dispute)

    def close_dispute(self, dispute_id: str, *, idempotency_key: str) -> Dispute:
        dispute = self._write(
            lambda: self._client.v1.disputes.close(
                dispute_id, params={"expand": ["charge"]}, options={"idempotency_key": idempotency_key}
            ),
            object_id=dispute_id,
        )
        return _with_request_id(_to_dispute(dispute), dispute)


def _credit_note_params(draft: CreditNoteDraft) -> CreditNoteCreateParams:
    params: CreditNoteCreateParams = {
        "invoice": draft.invoice_id,
        "amount": draft.amount,
        "reason": cast(Any, draft.reason),
        "metadata": dict(draft.metadata),
    }
    if draft.refund_amount:
        params["refund_amount"] = draft.refund_amount
    if draft.credit_amount:
        params["credit_amount"] = draft.credit_amount
    if draft.memo:
        params["memo"] = draft.memo
    return params
