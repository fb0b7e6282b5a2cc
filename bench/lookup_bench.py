"""Lookup benchmark: one customer's card by email, against the sandbox (own process) at a given latency.

    python bench/lookup_bench.py [--latency-ms 50 200] [--repeat 5] [--cpu-repeat 40]

Prints, per customer size (1, 10, 100 subscriptions) and latency: the median lookup time and its ratio to
the two-round floor (resolve the email, then one parallel round); then the bot's CPU per lookup with the
sandbox at 0 ms (the sandbox's CPU is in its own process and not counted).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.support import command_line, sandbox_process  # noqa: E402
from billing.clock import SystemClock  # noqa: E402
from billing.gateway import StripeGateway  # noqa: E402
from billing.lookup import LookupService  # noqa: E402
from billing.rate_limit import LIVE_RATE_LIMIT  # noqa: E402
from billing.sandbox.api import invoke, wire_params  # noqa: E402
from billing.sandbox.state import Json, State  # noqa: E402

SIZES = (1, 10, 100)


def email_for(size: int) -> str:
    return f"size{size}@example.com"


def seed(state: State) -> None:
    def post(path: str, params: dict[str, object]) -> Json:
        return invoke(state, "POST", path, wire_params(params))

    price = post(
        "/v1/prices",
        {
            "currency": "usd",
            "unit_amount": 1000,
            "recurring": {"interval": "month"},
            "product_data": {"name": "Seat"},
        },
    )
    for size in SIZES:
        customer = post(
            "/v1/customers",
            {
                "email": email_for(size),
                "name": f"Size {size}",
                "payment_method": "pm_card_visa",
                "invoice_settings": {"default_payment_method": "pm_card_visa"},
            },
        )
        for _ in range(size):
            post("/v1/subscriptions", {"customer": customer["id"], "items": [{"price": price["id"]}]})


def service_for(base_url: str, api_key: str) -> tuple[LookupService, StripeGateway]:
    gateway = StripeGateway(api_key, api_base=base_url, max_retries=0, rate_limit=LIVE_RATE_LIMIT)
    return LookupService(gateway, SystemClock()), gateway


def timed_lookups(latency_ms: int, repeat: int) -> dict[int, tuple[float, int]]:
    """size -> (median seconds, Stripe requests per lookup)."""
    results: dict[int, tuple[float, int]] = {}
    with sandbox_process(seed, latency_ms=latency_ms) as sandbox:
        service, gateway = service_for(sandbox.base_url, sandbox.api_key)
        try:
            for size in SIZES:
                service.lookup(email_for(size))  # warm: product catalogue, connections
                before = gateway.request_count
                times = []
                for _ in range(repeat):
                    started = time.perf_counter()
                    service.lookup(email_for(size))
                    times.append(time.perf_counter() - started)
                results[size] = (statistics.median(times), (gateway.request_count - before) // repeat)
        finally:
            gateway.close()
    return results


def cpu_per_lookup(repeat: int) -> dict[int, float]:
    cpu: dict[int, float] = {}
    with sandbox_process(seed, latency_ms=0) as sandbox:
        service, gateway = service_for(sandbox.base_url, sandbox.api_key)
        try:
            for size in SIZES:
                service.lookup(email_for(size))
                started = time.process_time()
                for _ in range(repeat):
                    service.lookup(email_for(size))
                cpu[size] = (time.process_time() - started) / repeat
        finally:
            gateway.close()
    return cpu


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--latency-ms", type=int, nargs="+", default=[50, 200])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--cpu-repeat", type=int, default=40)
    args = parser.parse_args()
    print(f"$ {command_line()}")
    print("subs  latency  median    floor (2 rounds)  ÷ floor  requests")
    for latency_ms in args.latency_ms:
        floor = 2 * latency_ms / 1000
        for size, (median, requests) in timed_lookups(latency_ms, args.repeat).items():
            print(
                f"{size:>4}  {latency_ms:>5}ms  {median:6.3f}s  {floor:6.3f}s           {median / floor:5.2f}×  {requests}"
            )
    for size, seconds in cpu_per_lookup(args.cpu_repeat).items():
        print(
            f"CPU per lookup, {size:>3} subscriptions: {seconds * 1000:.1f} ms (bot process only, sandbox at 0 ms)"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
