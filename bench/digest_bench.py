"""Digest benchmark: seed N subscriptions in the sandbox, run the digest, print requests, time and memory.

    python bench/digest_bench.py [--subscriptions 10000]

Seeding goes through the sandbox's own API entry point in-process (no HTTP), so it is fast; the digest
itself talks HTTP to the sandbox through StripeGateway, like production. Request count should stay within
a small constant of objects ÷ 100 (one request per page of 100).
"""

from __future__ import annotations

import argparse
import math
import sys
import time
import tracemalloc
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from billing.digest import collect_digest  # noqa: E402
from billing.gateway import StripeGateway  # noqa: E402
from billing.sandbox import running_sandbox  # noqa: E402
from billing.sandbox.api import invoke, wire_params  # noqa: E402

AT_RISK_EVERY = 50  # one in this many is set to cancel at period end (a month out: outside the 14 days)


def call(state: Any, path: str, params: dict[str, Any]) -> Any:
    return invoke(state, "POST", path, wire_params(params))


def seed(state: Any, subscriptions: int) -> None:
    price = call(state, "/v1/prices", {
        "currency": "usd", "unit_amount": 2000, "recurring": {"interval": "month"}, "product_data": {"name": "Pro"},
    })  # fmt: skip
    for index in range(subscriptions):
        customer = call(state, "/v1/customers", {
            "name": f"Bench {index}", "payment_method": "pm_card_visa",
            "invoice_settings": {"default_payment_method": "pm_card_visa"},
        })  # fmt: skip
        subscription = call(
            state, "/v1/subscriptions", {"customer": customer["id"], "items": [{"price": price["id"]}]}
        )
        if index % AT_RISK_EVERY == 0:  # a trickle of at-risk rows; the rest is streamed and dropped
            call(state, f"/v1/subscriptions/{subscription['id']}", {"cancel_at_period_end": True})


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--subscriptions", type=int, default=10_000)
    args = parser.parse_args()
    with running_sandbox() as sandbox:
        started = time.perf_counter()
        seed(sandbox.state, args.subscriptions)
        print(
            f"seeded {args.subscriptions} subscriptions in {time.perf_counter() - started:.1f}s",
            file=sys.stderr,
        )
        gateway = StripeGateway(sandbox.api_key, api_base=sandbox.base_url)
        tracemalloc.start()
        started = time.perf_counter()
        digest = collect_digest(gateway, now=datetime.now(UTC), since=None)
        wall = time.perf_counter() - started
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
    pages = math.ceil(args.subscriptions / 100)
    print(f"subscriptions:      {args.subscriptions}")
    print(f"at-risk rows:       {len(digest.rows)}")
    print(
        f"stripe requests:    {gateway.request_count} (objects ÷ 100 = {pages}, overhead {gateway.request_count - pages})"
    )
    print(f"wall time:          {wall:.2f}s")
    print(f"peak memory:        {peak / 1_000_000:.1f} MB (tracemalloc)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
