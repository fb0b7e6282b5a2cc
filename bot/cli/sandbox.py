"""`billing-bot sandbox`: serve the Stripe emulator on 127.0.0.1 until Ctrl-C."""

from __future__ import annotations

import argparse

from bot.cli.sandbox_loader import sandbox_package

DEFAULT_PORT = 12111  # the emulator's own default (billing/sandbox/server.py), without importing it here


def register(subcommands: argparse._SubParsersAction) -> None:
    parser = subcommands.add_parser(
        "sandbox",
        help="serve a stateful Stripe API emulator on 127.0.0.1 (offline demo and tests)",
        description="Serve a stateful in-memory emulation of the Stripe API that stripe-python talks to.",
    )
    parser.add_argument(
        "--port", type=int, default=DEFAULT_PORT, help=f"port on 127.0.0.1 (default {DEFAULT_PORT})"
    )
    parser.add_argument("--seed", choices=["demo"], help="load demo customers covering every triage bucket")
    parser.add_argument(
        "--latency-ms", type=int, default=0, help="delay every answer by this many milliseconds"
    )
    parser.add_argument(
        "--fail-rate", type=_fraction, default=0.0, help="answer this fraction with 500 api_error"
    )
    parser.add_argument(
        "--fail-writes-only",
        action="store_true",
        help="apply --fail-rate only to POST and DELETE; reads always succeed",
    )
    parser.add_argument("--rate-limit", type=int, default=None, help="answer 429 above N requests per second")
    parser.set_defaults(handler=_serve)


def _fraction(text: str) -> float:
    value = float(text)
    if not 0.0 <= value <= 1.0:
        raise argparse.ArgumentTypeError("must be between 0 and 1")
    return value


def _serve(args: argparse.Namespace) -> int:
    package = sandbox_package()
    from billing.sandbox.server import ALL_METHODS, WRITE_METHODS

    sandbox = package.SandboxServer(
        port=args.port,
        seed=args.seed,
        latency_ms=args.latency_ms,
        fail_rate=args.fail_rate,
        rate_limit=args.rate_limit,
        fail_methods=WRITE_METHODS if args.fail_writes_only else ALL_METHODS,
    )
    print(f"Stripe sandbox listening on {sandbox.base_url}" + (f" (seed: {args.seed})" if args.seed else ""))
    print(f"  STRIPE_API_KEY={sandbox.api_key}   (any sk_test_… key works)")
    print(f"  STRIPE_API_BASE={sandbox.base_url}")
    print("Press Ctrl-C to stop.", flush=True)
    try:
        sandbox.serve_forever()
    except KeyboardInterrupt:
        print("\nStopping sandbox.")
    finally:
        sandbox.stop()
    return 0
