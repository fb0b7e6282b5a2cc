"""Digest benchmark: seed N subscriptions in the sandbox, run the digest, print requests, time and memory.

    python bench/digest_bench.py [--subscriptions 10000] [--latency-ms 0 300]

The sandbox runs in its own process (bench/support.py) and is seeded there through its own API entry point
(no HTTP), so seeding is fast and the bot's CPU time is its own; the digest talks HTTP to it through
StripeGateway, like production. Per latency it prints the wall time against the page floor (every request
back to back at that latency: what fetching alone costs when nothing overlaps). Exits 1 when the digest's
request count strays more than REQUEST_SLACK from objects ÷ 100 (one request per page of 100).
"""

from __future__ import annotations

import argparse
import math
import sys
import time
import tracemalloc
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import stripe  # noqa: E402

from bench.support import command_line, sandbox_process  # noqa: E402
from billing.digest import collect_digest  # noqa: E402
from billing.digest_models import Digest  # noqa: E402
from billing.gateway import StripeGateway  # noqa: E402
from billing.sandbox.api import invoke, wire_params  # noqa: E402
from billing.sandbox.periods import days  # noqa: E402
from billing.sandbox.state import Json, State  # noqa: E402

REQUEST_SLACK = 20
# One in this many subscriptions gets each risk (the rest are healthy and only streamed past the digest).
CANCELING_EVERY = 50
INCOMPLETE_EVERY = 100
PAST_DUE_EVERY = 200
PRICES = {
    "usd_month": {"currency": "usd", "unit_amount": 2000, "interval": "month"},
    "usd_year": {"currency": "usd", "unit_amount": 20000, "interval": "year"},
    "jpy_month": {"currency": "jpy", "unit_amount": 3000, "interval": "month"},
    "jpy_year": {"currency": "jpy", "unit_amount": 30000, "interval": "year"},
}
GOOD_CARD = "pm_card_visa"
FAILING_CARD = "pm_card_chargeCustomerFail"
# Far enough back for a monthly renewal (and its failed payment) to happen when the clock catches up.
PAST_DUE_HISTORY = days(33)
SOON = days(7)


@dataclass(frozen=True)
class Report:
    subscriptions: int
    objects: int
    requests: int
    rows: int
    wall_seconds: float
    peak_bytes: int

    @property
    def pages(self) -> int:
        return math.ceil(self.subscriptions / 100)

    @property
    def within_budget(self) -> bool:
        return abs(self.requests - self.pages) <= REQUEST_SLACK


class Seeder:
    """Creates data through the sandbox's request handlers, with the parameters Stripe would receive."""

    def __init__(self, state: State) -> None:
        self.state = state
        self.prices = {name: self._price(name, spec) for name, spec in PRICES.items()}

    def post(self, path: str, params: dict[str, Any]) -> Json:
        return invoke(self.state, "POST", path, wire_params(params))

    def _price(self, name: str, spec: dict[str, Any]) -> Json:
        return self.post(
            "/v1/prices",
            {
                "currency": spec["currency"],
                "unit_amount": spec["unit_amount"],
                "recurring": {"interval": spec["interval"]},
                "product_data": {"name": f"Bench {name}"},
            },
        )

    def customer(self, index: int, card: str, **extra: Any) -> Json:
        return self.post(
            "/v1/customers",
            {
                "name": f"Bench {index}",
                "email": f"bench{index}@example.com",
                "payment_method": card,
                "invoice_settings": {"default_payment_method": card},
                **extra,
            },
        )

    def subscribe(self, customer: Json, price: Json, **extra: Any) -> Json:
        return self.post(
            "/v1/subscriptions", {"customer": customer["id"], "items": [{"price": price["id"]}], **extra}
        )

    def healthy(self, index: int, price: Json) -> None:
        self.subscribe(self.customer(index, GOOD_CARD), price)

    def canceling(self, index: int, price: Json) -> None:
        """Half at the period's end (weeks away), half within the digest's 14-day horizon."""
        customer = self.customer(index, GOOD_CARD)
        if (index // CANCELING_EVERY) % 2:
            self.subscribe(customer, price, cancel_at_period_end=True)
        else:
            # Inside the first period: Stripe would prorate that period unless told not to.
            self.subscribe(customer, price, cancel_at=self.state.now() + SOON, proration_behavior="none")

    def incomplete(self, index: int, price: Json) -> None:
        self.subscribe(self.customer(index, FAILING_CARD), price)

    def past_due(self, index: int) -> None:
        """Paid a month ago on a test clock, then the card fails at renewal."""
        now = self.state.now()
        clock = self.post("/v1/test_helpers/test_clocks", {"frozen_time": now - PAST_DUE_HISTORY})
        customer = self.customer(index, GOOD_CARD, test_clock=clock["id"])
        self.subscribe(customer, self.prices["usd_month"])
        failing = self.post(f"/v1/payment_methods/{FAILING_CARD}/attach", {"customer": customer["id"]})
        self.post(
            f"/v1/customers/{customer['id']}", {"invoice_settings": {"default_payment_method": failing["id"]}}
        )
        self.post(f"/v1/test_helpers/test_clocks/{clock['id']}/advance", {"frozen_time": now})


def seed(state: State, subscriptions: int) -> None:
    seeder = Seeder(state)
    prices = list(seeder.prices.values())
    for index in range(subscriptions):
        price = prices[index % len(prices)]
        if index % PAST_DUE_EVERY == 1:
            seeder.past_due(index)
        elif index % INCOMPLETE_EVERY == 2:
            seeder.incomplete(index, price)
        elif index % CANCELING_EVERY == 3:
            seeder.canceling(index, price)
        else:
            seeder.healthy(index, price)


class RecordingClient(stripe.RequestsClient):
    """stripe-python's own HTTP client, remembering each request so the page floor can replay them."""

    def __init__(self) -> None:
        super().__init__(timeout=60)
        self.sent: list[tuple[str, str, Any]] = []

    def request(  # type: ignore[override]  # RequestsClient narrows HTTPClient's signature the same way
        self, method: str, url: str, headers: Any, post_data: Any = None
    ) -> Any:
        self.sent.append((method, url, headers))
        return super().request(method, url, headers, post_data)


def page_floor(client: RecordingClient) -> float:
    """The digest's requests again, back to back, bodies read but not decoded: fetching alone."""
    started = time.perf_counter()
    for method, url, headers in list(client.sent):
        client.request(method, url, headers)
    return time.perf_counter() - started


def run_digest(gateway: StripeGateway) -> tuple[Digest, float, float]:
    started, cpu = time.perf_counter(), time.process_time()
    digest = collect_digest(gateway, now=datetime.now(UTC), since=None)
    return digest, time.perf_counter() - started, time.process_time() - cpu


def traced_peak(gateway: StripeGateway) -> int:
    """A separate, traced run: tracemalloc slows allocation-heavy code several times, so it is not timed."""
    tracemalloc.start()
    try:
        collect_digest(gateway, now=datetime.now(UTC), since=None)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return peak


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--subscriptions", type=int, default=10_000)
    parser.add_argument("--latency-ms", type=int, nargs="+", default=[0])
    parser.add_argument("--no-memory", action="store_true", help="skip the traced run for peak memory")
    args = parser.parse_args()
    print(f"$ {command_line()}")
    started = time.perf_counter()
    within_budget = True
    with sandbox_process(lambda state: seed(state, args.subscriptions)) as sandbox:
        objects = sandbox.object_count()
        print(
            f"subscriptions seeded: {args.subscriptions} ({objects} sandbox objects, {time.perf_counter() - started:.1f}s)"
        )
        # Warm-up: the sandbox caches each list's order on first traversal, which a replay would not pay.
        warm = StripeGateway(sandbox.api_key, api_base=sandbox.base_url)
        run_digest(warm)
        warm.close()
        for latency_ms in args.latency_ms:
            sandbox.set_latency_ms(latency_ms)
            client = RecordingClient()
            gateway = StripeGateway(sandbox.api_key, api_base=sandbox.base_url, http_client=client)
            try:
                digest, wall, cpu = run_digest(gateway)
                requests = gateway.request_count
                floor = page_floor(client)
            finally:
                gateway.close()
            report = Report(args.subscriptions, objects, requests, len(digest.rows), wall, 0)
            within_budget = within_budget and report.within_budget
            ratio = f"{wall / floor:.2f}× the page floor ({requests} requests back to back: {floor:.2f}s)"
            print(f"latency {latency_ms:>4} ms: {wall:6.2f}s wall, {cpu:5.2f}s CPU (bot process), {ratio}")
        sections = {section.value: len(rows) for section, rows in digest.sections()}
        print(
            f"digest rows:          {len(digest.rows)} " + ", ".join(f"{k} {v}" for k, v in sections.items())
        )
        pages = math.ceil(args.subscriptions / 100)
        print(
            f"stripe requests:      {requests}; objects ÷ 100: {pages} (overhead {requests - pages}, allowed ±{REQUEST_SLACK})"
        )
        if not args.no_memory:
            sandbox.set_latency_ms(0)
            gateway = StripeGateway(sandbox.api_key, api_base=sandbox.base_url)
            try:
                peak = traced_peak(gateway)
            finally:
                gateway.close()
            print(
                f"peak memory:          {peak / 1_000_000:.1f} MB (tracemalloc, separate run, bot process only)"
            )
    if not within_budget:
        print(f"FAIL: {requests} requests is not within {REQUEST_SLACK} of {pages}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
