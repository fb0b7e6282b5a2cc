"""`billing-bot lookup QUERY [--json] [--sandbox]`: the customer card as text, or the same data as JSON."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TextIO

from billing.clock import SystemClock
from billing.gateway import StripeGateway
from billing.lookup import LookupService
from billing.snapshot import LookupResult
from bot.cli.sandbox_loader import demo_sandbox
from bot.config import load_settings
from bot.services import stripe_gateway
from messages.text import candidates_text, snapshot_text


def register(subcommands: argparse._SubParsersAction) -> None:
    parser = subcommands.add_parser(
        "lookup",
        help="look a customer up and print their billing card",
        description="Look a customer up by email, Stripe ID (cus_/sub_/in_/ch_/pi_), name, or github:handle.",
    )
    parser.add_argument("query", help="email, Stripe ID, name, or github:handle")
    parser.add_argument("--words", default="", help="what the customer said, weighed with the Stripe state")
    parser.add_argument("--json", action="store_true", help="print the lookup result as JSON")
    parser.add_argument(
        "--sandbox",
        action="store_true",
        help="run against the bundled Stripe sandbox seeded with demo data (no keys needed)",
    )
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace, out: TextIO | None = None) -> int:
    with _gateway(sandbox=args.sandbox) as (gateway, metadata_key):
        service = LookupService(gateway, SystemClock(), metadata_key=metadata_key)
        result = service.lookup(args.query, complaint=args.words)
    print(render(result, as_json=args.json), end="", file=out or sys.stdout)
    return 0


def render(result: LookupResult, *, as_json: bool) -> str:
    if as_json:
        return json.dumps(result.model_dump(mode="json"), indent=2, ensure_ascii=False) + "\n"
    if result.snapshot is not None:
        return snapshot_text(result.snapshot)
    return candidates_text(result)


@contextmanager
def _gateway(*, sandbox: bool) -> Iterator[tuple[StripeGateway, str]]:
    if sandbox:
        with demo_sandbox() as server:
            gateway = StripeGateway(server.api_key, api_base=server.base_url, max_retries=0)
            try:
                yield gateway, "github"
            finally:
                gateway.close()
        return
    settings = load_settings()
    gateway = stripe_gateway(settings)
    try:
        yield gateway, settings.billing_identity_metadata_key
    finally:
        gateway.close()
