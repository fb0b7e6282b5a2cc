"""What every part of the gateway shares: the configured StripeClient behind a rate limit, the request
count, the product-name cache, raw pages and pagination, and the one mapping from Stripe's errors to ours."""

from __future__ import annotations

import logging
import re
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeVar, cast
from urllib.parse import urlsplit

import stripe

from billing.errors import (
    ObjectNotFound,
    StripeKeyRejected,
    StripeRefused,
    StripeRefusedFinal,
    StripeUnavailable,
    StripeUnreachable,
)
from billing.gateway.convert import (
    _product_ids_of,
)
from billing.json_view import JsonView
from billing.metrics import STRIPE_ERRORS, STRIPE_SECONDS, stripe_endpoint
from billing.rate_limit import Backoff, TokenBucket

if TYPE_CHECKING:
    pass

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
# Discounts expanded so a subscription names its coupons (a discount ID alone does not).
SUBSCRIPTION_EXPAND = ["default_payment_method", "discounts.source.coupon"]
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
# Refusals about the object's state, which a retry of the same request cannot change.
FINAL_REFUSALS = frozenset({"charge_disputed", "charge_already_refunded"})
REFUND_REASONS = frozenset({"duplicate", "fraudulent", "requested_by_customer"})
# Event payloads are kept as plain dicts; these keys can hold payment-method details we never keep.
_SECRET = re.compile(r"\b(sk|rk|pk)_(test|live)_[A-Za-z0-9*]+")
T = TypeVar("T")
S = TypeVar("S", bound=stripe.StripeObject)


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


class GatewayBase:
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

    def _list(self, path: str, params: dict[str, Any]) -> ListedPage:
        """One page, its objects as JsonViews: a lookup converts a few fields of each (see _paginate)."""
        page = self._raw_page(path, params, None)
        return ListedPage(data=[JsonView(item) for item in page["data"]], has_more=bool(page["has_more"]))

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
    if write and isinstance(error, stripe.InvalidRequestError) and error.code in FINAL_REFUSALS:
        return StripeRefusedFinal(detail, error.code, request_id)
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
