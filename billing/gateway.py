"""StripeGateway: the only module that imports stripe. Implements billing.ports.BillingGateway."""

from __future__ import annotations

import logging
import re
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, TypeVar, cast
from urllib.parse import urlsplit

import stripe

from billing.errors import (
    ObjectNotFound,
    StripeKeyRejected,
    StripeRefused,
    StripeUnavailable,
    StripeUnreachable,
)
from billing.json_view import JsonView
from billing.metrics import STRIPE_ERRORS, STRIPE_SECONDS, stripe_endpoint
from billing.models import (
    BillingRecords,
    CardSummary,
    Charge,
    Customer,
    Dispute,
    Event,
    Interval,
    Invoice,
    InvoiceStatus,
    PortalConfiguration,
    PortalSession,
    Price,
    Refund,
    Subscription,
    SubscriptionItem,
    SubscriptionStatus,
    WriteResult,
)
from billing.rate_limit import Backoff, TokenBucket

if TYPE_CHECKING:
    from stripe.params import (
        ChargeListParams,
        DisputeListParams,
        EventListParams,
        InvoiceListParams,
        SubscriptionCancelParams,
        SubscriptionListParams,
        SubscriptionUpdateParams,
    )

log = logging.getLogger(__name__)

# Pinned explicitly so a stripe-python upgrade never silently changes the shapes we convert.
STRIPE_API_VERSION = "2026-10-28.endive"

PAGE_SIZE = 100
RECENT_SUBSCRIPTIONS = 20
RECENT_INVOICES = 10
RECENT_CHARGES = 20
# A charge is disputed at most once, bar a rare inquiry before the dispute: a handful is plenty.
DISPUTES_PER_CHARGE = 10
# Products change rarely; one catalogue listing is shared by every lookup for a while.
PRODUCT_CACHE_SECONDS = 600.0

# Stripe allows expansions at most four levels deep, so `data.items.data.price.product` is refused:
# product names come from the cached catalogue instead.
CUSTOMER_EXPAND = ["invoice_settings.default_payment_method"]
# A customer page carries subscriptions (for counts) and each customer's default card.
CARD_ONLY_CUSTOMER_EXPAND = [f"data.{path}" for path in CUSTOMER_EXPAND]
LISTED_CUSTOMER_EXPAND = ["data.subscriptions", *CARD_ONLY_CUSTOMER_EXPAND]
SUBSCRIPTION_EXPAND = ["default_payment_method"]
# Invoices and charges found by search, each with its customer (and that customer's default card).
SEARCHED_OWNER_EXPAND = ["data.customer", *(f"data.customer.{path}" for path in CUSTOMER_EXPAND)]
# Account-wide listing: the subscription's own card, and the customer's default card (exactly four levels),
# which is the one Stripe charges when the subscription has none.
LISTED_SUBSCRIPTION_EXPAND = [
    "data.customer",
    *(f"data.customer.{path}" for path in CUSTOMER_EXPAND),
    *(f"data.{path}" for path in SUBSCRIPTION_EXPAND),
]
# Disputes name a charge; expanding it brings the customer ID in the same page.
DISPUTE_EXPAND = ["data.charge"]
REFUND_REASONS = frozenset({"duplicate", "fraudulent", "requested_by_customer"})
# Event payloads are kept as plain dicts; these keys can hold payment-method details we never keep.
_CARD_KEYS = frozenset({"card", "payment_method_details", "source", "sources", "billing_details"})
_SECRET = re.compile(r"\b(sk|rk|pk)_(test|live)_[A-Za-z0-9*]+")

T = TypeVar("T")
S = TypeVar("S", bound=stripe.StripeObject)
W = TypeVar("W", bound=WriteResult)


class MeteredRequestsClient(stripe.RequestsClient):
    """stripe-python's own HTTP client, timing every attempt (retries included) for /metrics."""

    def request(  # type: ignore[override]  # RequestsClient narrows HTTPClient's signature the same way
        self, method: str, url: str, headers: Mapping[str, str] | None, post_data: Any = None
    ) -> tuple[bytes, int, Mapping[str, str]]:
        endpoint = stripe_endpoint(urlsplit(url).path)
        started = time.perf_counter()
        try:
            content, status, response_headers = super().request(method, url, headers, post_data)
        except stripe.APIConnectionError:
            STRIPE_ERRORS.labels(method=method, endpoint=endpoint, status="unreachable").inc()
            raise
        finally:
            STRIPE_SECONDS.labels(method=method, endpoint=endpoint).observe(time.perf_counter() - started)
        if status >= 400:
            STRIPE_ERRORS.labels(method=method, endpoint=endpoint, status=str(status)).inc()
        return content, status, response_headers


@dataclass(frozen=True)
class ListedPage:
    data: list[Any]  # JsonViews, read by the converters as they read stripe-python's objects
    has_more: bool


class StripeGateway:
    def __init__(
        self,
        api_key: str,
        *,
        api_base: str = "https://api.stripe.com",
        max_retries: int = 2,
        timeout_seconds: float = 10.0,
        max_workers: int | None = None,
        http_client: stripe.HTTPClient | None = None,
        rate_limit: float | None = None,
        backoff: Backoff | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self._livemode = _is_live_key(api_key)
        # `rate_limit` requests/s across every thread (None: unmetered, e.g. a local sandbox). Concurrency
        # is metered by it, not by the pool: at 1 s latency a whole second of requests is in flight.
        self._limiter = TokenBucket(rate_limit, sleep=sleep) if rate_limit else None
        self._backoff = backoff or Backoff()
        self._sleep = sleep
        max_workers = max_workers or max(16, int(rate_limit or 64))
        self._client = stripe.StripeClient(
            api_key,
            stripe_version=STRIPE_API_VERSION,
            base_addresses={"api": api_base.rstrip("/")},
            max_network_retries=max_retries,
            http_client=http_client or MeteredRequestsClient(timeout=timeout_seconds),
        )
        self._pool = ThreadPoolExecutor(max_workers=max_workers, thread_name_prefix="stripe")
        self._lock = threading.Lock()
        self._request_count = 0
        self._products: dict[str, str] = {}
        self._products_loaded_at: float | None = None

    def __repr__(self) -> str:
        # Never include the key.
        return f"StripeGateway(livemode={self._livemode})"

    @property
    def livemode(self) -> bool:
        return self._livemode

    @property
    def request_count(self) -> int:
        """Stripe API calls made (one per page and per 429 retry; stripe-python's own retries not counted)."""
        return self._request_count

    def check_access(self) -> None:
        """One cheap read that proves the key works (every key the README describes can read customers)."""
        self._read(lambda: self._client.v1.customers.list(params={"limit": 1}))

    def close(self) -> None:
        self._pool.shutdown(wait=False, cancel_futures=True)

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

        products.result()
        subscription_page = subscriptions.result()
        product_names = self._names_for(subscription_page.data)
        invoice_page = invoices.result()
        charge_page, disputes = charges.result()
        charge_list = [_to_charge(charge) for charge in charge_page.data]
        return BillingRecords(
            customer=customer,
            subscriptions=[_to_subscription(sub, product_names) for sub in subscription_page.data],
            invoices=[_to_invoice(invoice) for invoice in invoice_page.data],
            charges=charge_list,
            refunds=[_to_refund(refund) for charge in charge_page.data for refund in _charge_refunds(charge)],
            disputes=_disputes_of(customer.id, {c.id for c in charge_list}, disputes),
            has_more_invoices=invoice_page.has_more,
            has_more_charges=charge_page.has_more,
            portal_configurations=portal.result(),
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

    def _list(self, path: str, params: dict[str, Any]) -> ListedPage:
        """One page, its objects as JsonViews: a lookup converts a few fields of each (see _paginate)."""
        page = self._raw_page(path, params, None)
        return ListedPage(data=[JsonView(item) for item in page["data"]], has_more=bool(page["has_more"]))

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

    def _product_names(self) -> dict[str, str]:
        with self._lock:
            loaded_at = self._products_loaded_at
        if loaded_at is not None and time.monotonic() - loaded_at < PRODUCT_CACHE_SECONDS:
            return self._products
        try:
            page = self._read(lambda: self._client.v1.products.list(params={"limit": PAGE_SIZE}))
        except StripeUnavailable:
            log.warning("could not list products; showing price IDs instead of product names")
            return self._products
        names = {product.id: product.name for product in page.data}
        with self._lock:
            self._products = names
            self._products_loaded_at = time.monotonic()
        return names

    def _names_for(self, subscriptions: list[stripe.Subscription]) -> dict[str, str]:
        """The cached catalogue page, plus any product these subscriptions name that it lacks (accounts
        with more products than one page), fetched by ID and kept in the cache."""
        names = self._product_names()
        missing = sorted(_product_ids_of(subscriptions) - names.keys())
        fetched: dict[str, str] = {}
        for start in range(0, len(missing), PAGE_SIZE):
            chunk = missing[start : start + PAGE_SIZE]
            try:
                page = self._read(
                    lambda chunk=chunk: self._client.v1.products.list(
                        params={"ids": chunk, "limit": PAGE_SIZE}
                    )  # type: ignore[misc]
                )
            except StripeUnavailable:
                log.warning("could not fetch %d product(s); showing price IDs instead of names", len(chunk))
                break
            fetched.update({product.id: product.name for product in page.data})
        if not fetched:
            return names
        with self._lock:
            self._products = {**self._products, **fetched}
            return self._products

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

    def create_portal_session(self, customer_id: str, *, return_url: str | None = None) -> PortalSession:
        session = self._write(
            lambda: self._client.v1.billing_portal.sessions.create(
                params={"customer": customer_id, **({"return_url": return_url} if return_url else {})}
            ),
            object_id=customer_id,
        )
        return PortalSession(
            id=session.id,
            url=session.url,
            customer_id=session.customer,
            created=_at(session.created),
            stripe_request_id=_request_id_of(session),
        )

    def list_portal_configurations(self) -> list[PortalConfiguration]:
        page = self._read(
            lambda: self._client.v1.billing_portal.configurations.list(params={"limit": PAGE_SIZE})
        )
        return [_to_portal_configuration(configuration) for configuration in page.data]

    # --- account-wide listing -----------------------------------------------------------------

    def iter_subscriptions(
        self, *, status: str = "all", created_gte: datetime | None = None
    ) -> Iterator[tuple[Subscription, Customer]]:
        params: SubscriptionListParams = {
            "status": cast(Any, status),
            "limit": PAGE_SIZE,
            "expand": LISTED_SUBSCRIPTION_EXPAND,
        }
        if created_gte is not None:
            params["created"] = {"gte": int(created_gte.timestamp())}
        batch: list[stripe.Subscription] = []
        for subscription in self._paginate("/v1/subscriptions", params, stripe.Subscription):
            batch.append(subscription)
            if len(batch) == PAGE_SIZE:
                yield from self._with_customers(batch)
                batch = []
        yield from self._with_customers(batch)

    def _with_customers(
        self, subscriptions: list[stripe.Subscription]
    ) -> Iterator[tuple[Subscription, Customer]]:
        product_names = self._names_for(subscriptions)
        for subscription in subscriptions:
            customer = subscription.customer
            if isinstance(customer, str) or getattr(customer, "deleted", False):
                continue
            yield _to_subscription(subscription, product_names), _to_customer(customer)

    def iter_invoices(
        self, *, status: str | None = None, created_gte: datetime | None = None
    ) -> Iterator[Invoice]:
        params: InvoiceListParams = {"limit": PAGE_SIZE, "expand": ["data.payments"]}
        if status is not None:
            params["status"] = cast(Any, status)
        if created_gte is not None:
            params["created"] = {"gte": int(created_gte.timestamp())}
        for invoice in self._paginate("/v1/invoices", params, stripe.Invoice):
            yield _to_invoice(invoice)

    def iter_disputes(self, *, created_gte: datetime | None = None) -> Iterator[Dispute]:
        params: DisputeListParams = {"limit": PAGE_SIZE, "expand": DISPUTE_EXPAND}
        if created_gte is not None:
            params["created"] = {"gte": int(created_gte.timestamp())}
        for dispute in self._paginate("/v1/disputes", params, stripe.Dispute):
            yield _to_dispute(dispute)

    def iter_events(self, *, types: list[str], created_gte: datetime | None = None) -> Iterator[Event]:
        params: EventListParams = {"limit": PAGE_SIZE, "types": types}
        if created_gte is not None:
            params["created"] = {"gte": int(created_gte.timestamp())}
        for event in self._paginate("/v1/events", params, stripe.Event):
            yield _to_event(event)

    def iter_charges(self, *, created_gte: datetime | None = None) -> Iterator[Charge]:
        params: ChargeListParams = {"limit": PAGE_SIZE}
        if created_gte is not None:
            params["created"] = {"gte": int(created_gte.timestamp())}
        for charge in self._paginate("/v1/charges", params, stripe.Charge):
            yield _to_charge(charge)

    def _paginate(self, path: str, params: Any, kind: type[S]) -> Iterator[S]:
        """Every page of a list, the next one in flight while this one is decoded and consumed.

        Pages are fetched raw (JSON only): the cursor is the last ID, known before anything is decoded, and
        each object is handed to the converters as a JsonView, not built into stripe-python's object tree
        (that was most of the digest's CPU). One page is held ahead, so memory stays flat."""
        ahead = self._pool.submit(self._raw_page, path, params, None)
        while True:
            page = ahead.result()
            items: list[dict[str, Any]] = page["data"]
            more = bool(page["has_more"] and items)
            if more:
                ahead = self._pool.submit(self._raw_page, path, params, items[-1]["id"])
            for item in items:
                # The converters read a few fields: a view of the JSON, not stripe-python's object tree.
                yield cast(S, JsonView(item))
            if not more:
                return

    def _raw_page(self, path: str, params: Any, cursor: str | None) -> dict[str, Any]:
        page_params = {**params, **({"starting_after": cursor} if cursor else {})}
        response = self._read(lambda: self._client.raw_request("get", path, **page_params))
        return cast(dict[str, Any], response.data)

    # --- error mapping ------------------------------------------------------------------------

    def _read(self, call: Callable[[], T], *, object_id: str | None = None) -> T:
        return self._call(call, object_id=object_id, write=False)

    def _write(self, call: Callable[[], T], *, object_id: str | None = None) -> T:
        return self._call(call, object_id=object_id, write=True)

    def _call(self, call: Callable[[], T], *, object_id: str | None, write: bool) -> T:
        for attempt in range(self._backoff.retries + 1):
            if self._limiter is not None:
                self._limiter.acquire()
            with self._lock:
                self._request_count += 1
            try:
                return call()
            except stripe.RateLimitError as error:
                # A 429 was not processed, so a write may repeat with its idempotency key.
                if attempt == self._backoff.retries:
                    raise _translate(error, object_id=object_id, write=write) from None
                self._sleep(self._backoff.delay(attempt))
            except stripe.StripeError as error:
                raise _translate(error, object_id=object_id, write=write) from None
        raise AssertionError("unreachable: the last attempt returns or raises")


def _translate(error: stripe.StripeError, *, object_id: str | None, write: bool) -> Exception:
    """Stripe's exception -> ours. `from None` above: the original can carry request headers."""
    request_id = error.request_id
    detail = _redact(error.user_message or str(error._message or "") or type(error).__name__)
    if isinstance(error, stripe.InvalidRequestError) and error.code == "resource_missing":
        return ObjectNotFound(object_id or error.param or "unknown")
    if isinstance(error, stripe.AuthenticationError):
        return StripeKeyRejected("Stripe rejected the API key (check STRIPE_API_KEY)", request_id)
    if isinstance(error, stripe.CardError):
        return StripeRefused(detail, error.code, request_id)
    if write and isinstance(
        error, stripe.InvalidRequestError | stripe.PermissionError | stripe.IdempotencyError
    ):
        return StripeRefused(detail, error.code, request_id)
    if write and _replayed_failure(error):
        # Stripe answers a key whose first request failed with that failure for 24 hours: the key is spent.
        return StripeRefused(
            f"Stripe replayed an earlier failure of this request ({detail})", "replayed_failure", request_id
        )
    if isinstance(error, stripe.RateLimitError):
        return StripeUnavailable(f"rate limited by Stripe, try again shortly ({detail})", request_id)
    if isinstance(error, stripe.APIConnectionError):
        return StripeUnreachable(f"could not reach Stripe ({detail})", request_id)
    return StripeUnavailable(detail, request_id)


def _replayed_failure(error: stripe.StripeError) -> bool:
    headers = {str(name).lower(): str(value) for name, value in (error.headers or {}).items()}
    return headers.get("idempotent-replayed") == "true" and (error.http_status or 0) >= 500


def _redact(text: str) -> str:
    return _SECRET.sub(r"\1_\2_[redacted]", text)


def _is_live_key(api_key: str) -> bool:
    return api_key.startswith(("sk_live_", "rk_live_"))


# --- converters: one Stripe object in, one of our models out -------------------------------------


def _request_id_of(obj: stripe.StripeObject) -> str | None:
    response = obj.last_response
    return response.request_id if response is not None else None


def _with_request_id(model: W, obj: stripe.StripeObject) -> W:
    return model.model_copy(update={"stripe_request_id": _request_id_of(obj)})


def _at(timestamp: int) -> datetime:
    return datetime.fromtimestamp(timestamp, UTC)


def _at_or_none(timestamp: int | None) -> datetime | None:
    return None if timestamp is None else _at(timestamp)


def _id_of(field: str | stripe.StripeObject | None) -> str | None:
    if field is None or isinstance(field, str):
        return field
    return cast(str, field["id"])


def _metadata(metadata: stripe.StripeObject | None) -> dict[str, str]:
    if metadata is None:
        return {}
    return {str(key): str(value) for key, value in metadata.to_dict().items()}


def _to_card(payment_method: str | stripe.PaymentMethod | None) -> CardSummary | None:
    """Brand, last 4 and expiry: nothing else of a card leaves this function."""
    if payment_method is None or isinstance(payment_method, str) or payment_method.card is None:
        return None
    card = payment_method.card
    return CardSummary(brand=card.brand, last4=card.last4, exp_month=card.exp_month, exp_year=card.exp_year)


def _charge_card(charge: stripe.Charge) -> CardSummary | None:
    details = charge.payment_method_details
    card = details.card if details is not None else None
    if card is None or card.brand is None or card.last4 is None:
        return None
    return CardSummary(brand=card.brand, last4=card.last4, exp_month=card.exp_month, exp_year=card.exp_year)


def _to_customer(customer: stripe.Customer) -> Customer:
    settings = customer.invoice_settings
    subscriptions = customer.subscriptions if "subscriptions" in customer else None
    return Customer(
        id=customer.id,
        name=customer.name,
        email=customer.email,
        created=_at(customer.created),
        livemode=customer.livemode,
        currency=customer.currency,
        delinquent=bool(customer.delinquent),
        metadata=_metadata(customer.metadata),
        default_payment_method=_to_card(settings.default_payment_method) if settings is not None else None,
        test_clock=_id_of(customer.test_clock),
        subscription_count=len(subscriptions.data) if subscriptions is not None else None,
    )


def _product_ids_of(subscriptions: list[stripe.Subscription]) -> set[str]:
    ids = set()
    for subscription in subscriptions:
        for item in subscription["items"].data:
            product = item.price.product
            if isinstance(product, str):
                ids.add(product)
    return ids


def _to_price(price: stripe.Price, product_names: dict[str, str]) -> Price:
    product = price.product
    product_id = _id_of(product) or ""
    # Expanded (a retrieve's StripeObject or a listed JsonView), or just the ID: then the cached catalogue.
    product_name = (
        product_names.get(product_id) if isinstance(product, str) or product is None else product.name
    )
    recurring = price.recurring
    return Price(
        id=price.id,
        product_id=product_id,
        product_name=product_name,
        nickname=price.nickname,
        unit_amount=price.unit_amount,
        currency=price.currency,
        interval=cast(Interval, recurring.interval) if recurring is not None else None,
        interval_count=recurring.interval_count if recurring is not None else 1,
    )


def _to_subscription_item(item: stripe.SubscriptionItem, product_names: dict[str, str]) -> SubscriptionItem:
    # The pinned API version keeps the billing period on the item.
    return SubscriptionItem(
        id=item.id,
        price=_to_price(item.price, product_names),
        quantity=item.quantity if item.quantity is not None else 1,
        current_period_start=_at(item.current_period_start),
        current_period_end=_at(item.current_period_end),
    )


def _to_subscription(subscription: stripe.Subscription, product_names: dict[str, str]) -> Subscription:
    details = subscription.cancellation_details
    percent_off, amount_off = _discounts(subscription)
    return Subscription(
        id=subscription.id,
        customer_id=_id_of(subscription.customer) or "",
        status=cast(SubscriptionStatus, subscription.status),
        created=_at(subscription.created),
        currency=subscription.currency,
        items=[_to_subscription_item(item, product_names) for item in subscription.items.data],
        cancel_at_period_end=subscription.cancel_at_period_end,
        cancel_at=_at_or_none(subscription.cancel_at),
        canceled_at=_at_or_none(subscription.canceled_at),
        ended_at=_at_or_none(subscription.ended_at),
        trial_end=_at_or_none(subscription.trial_end),
        latest_invoice_id=_id_of(subscription.latest_invoice),
        default_payment_method=_to_card(subscription.default_payment_method),
        cancellation_reason=details.reason if details is not None else None,
        cancellation_feedback=details.feedback if details is not None else None,
        cancellation_comment=details.comment if details is not None else None,
        discount_percent_off=percent_off,
        discount_amount_off=amount_off,
        test_clock=_id_of(subscription.test_clock),
    )


def _discounts(subscription: stripe.Subscription) -> tuple[float, int]:
    """Only expanded discounts carry their coupon; unexpanded IDs count as no discount."""
    percent_off = 0.0
    amount_off = 0
    for discount in subscription.discounts or []:
        if isinstance(discount, str):
            continue
        coupon = discount.source.coupon if discount.source is not None else None
        if coupon is not None and not isinstance(coupon, str):
            percent_off = max(percent_off, coupon.percent_off or 0.0)
            amount_off += coupon.amount_off or 0
    return percent_off, amount_off


def _to_invoice(invoice: stripe.Invoice) -> Invoice:
    parent = invoice.parent
    details = parent.subscription_details if parent is not None else None
    payments = invoice.payments if "payments" in invoice else None
    payment_intent_ids = [
        payment_intent_id
        for invoice_payment in (payments.data if payments is not None else [])
        if (payment_intent_id := _id_of(invoice_payment.payment.payment_intent)) is not None
    ]
    return Invoice(
        id=cast(str, invoice.id),
        number=invoice.number,
        customer_id=_id_of(invoice.customer) or "",
        subscription_id=_id_of(details.subscription) if details is not None else None,
        status=cast(InvoiceStatus | None, invoice.status),
        currency=invoice.currency,
        amount_due=invoice.amount_due,
        amount_paid=invoice.amount_paid,
        amount_remaining=invoice.amount_remaining,
        created=_at(invoice.created),
        attempt_count=invoice.attempt_count,
        billing_reason=invoice.billing_reason,
        hosted_invoice_url=invoice.hosted_invoice_url,
        payment_intent_ids=payment_intent_ids,
    )


def _to_charge(charge: stripe.Charge) -> Charge:
    return Charge(
        id=charge.id,
        customer_id=_id_of(charge.customer),
        payment_intent_id=_id_of(charge.payment_intent),
        amount=charge.amount,
        amount_refunded=charge.amount_refunded,
        currency=charge.currency,
        status=cast(Any, charge.status),
        refunded=charge.refunded,
        disputed=charge.disputed,
        created=_at(charge.created),
        failure_code=charge.failure_code,
        failure_message=charge.failure_message,
        card=_charge_card(charge),
        description=charge.description,
    )


def _charge_refunds(charge: stripe.Charge) -> list[stripe.Refund]:
    refunds = charge.refunds if "refunds" in charge else None
    return list(refunds.data) if refunds is not None else []


def _to_refund(refund: stripe.Refund) -> Refund:
    return Refund(
        id=refund.id,
        charge_id=_id_of(refund.charge),
        payment_intent_id=_id_of(refund.payment_intent),
        amount=refund.amount,
        currency=refund.currency,
        status=refund.status,
        reason=refund.reason,
        created=_at(refund.created),
        metadata=_metadata(refund.metadata),
    )


def _to_dispute(dispute: stripe.Dispute) -> Dispute:
    charge = dispute.charge
    return Dispute(
        id=dispute.id,
        charge_id=_id_of(charge),
        payment_intent_id=_id_of(dispute.payment_intent),
        customer_id=None if isinstance(charge, str) else _id_of(charge.customer),
        amount=dispute.amount,
        currency=dispute.currency,
        status=dispute.status,
        reason=dispute.reason,
        created=_at(dispute.created),
    )


def _disputes_of(customer_id: str, charge_ids: set[str], disputes: list[stripe.Dispute]) -> list[Dispute]:
    """A dispute is this customer's if its (expanded) charge names them, or it is on a listed charge."""
    converted = [_to_dispute(dispute) for dispute in disputes]
    return [d for d in converted if d.customer_id == customer_id or d.charge_id in charge_ids]


def _to_portal_configuration(configuration: stripe.billing_portal.Configuration) -> PortalConfiguration:
    features = configuration.features
    return PortalConfiguration(
        id=configuration.id,
        is_default=configuration.is_default,
        active=configuration.active,
        payment_method_update=features.payment_method_update.enabled,
        subscription_cancel=features.subscription_cancel.enabled,
        invoice_history=features.invoice_history.enabled,
        subscription_update=features.subscription_update.enabled,
    )


def _to_event(event: stripe.Event) -> Event:
    payload = _without_card_details(event.data.object.to_dict())
    # Only *.updated events carry previous_attributes.
    previous = event.data.previous_attributes if "previous_attributes" in event.data else None
    return Event(
        id=event.id,
        type=event.type,
        created=_at(event.created),
        object_id=payload.get("id"),
        data_object=payload,
        previous_attributes=_without_card_details(previous.to_dict()) if previous is not None else {},
    )


def _without_card_details(payload: dict[str, Any]) -> dict[str, Any]:
    return {key: _scrub(value) for key, value in payload.items() if key not in _CARD_KEYS}


def _scrub(value: Any) -> Any:
    if isinstance(value, dict):
        return _without_card_details(value)
    if isinstance(value, list):
        return [_scrub(item) for item in value]
    return value


def _distinct_owners(owners: Iterable[Any]) -> list[Customer]:
    """Each live customer once, in the order first seen (search results come newest first)."""
    customers: dict[str, Customer] = {}
    for owner in owners:
        if owner is None or isinstance(owner, str) or getattr(owner, "deleted", False):
            continue
        customers.setdefault(owner.id, _to_customer(owner))
    return list(customers.values())
