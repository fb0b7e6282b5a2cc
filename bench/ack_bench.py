"""Ack benchmark: N concurrent `/billing EMAIL` against the real bot over HTTP, Stripe (sandbox) at 1 s.

    python bench/ack_bench.py [--latency-ms 1000] [--rate-limit 100] [--concurrent 20 50 100]

The bot is assembled as `billing-bot run --http` assembles it (settings -> services -> Bolt app -> uvicorn),
with STRIPE_RATE_LIMIT as given; the sandbox runs in its own process with the same latency and rate limit.
Prints per N: share acked (HTTP 200), ack p50/p99, time to the last card, and that time ÷ the floor the rate
limit allows: max(rounds, Stripe requests ÷ rate + one round), where rounds is 2, or 3 with a customer whose
charge is disputed (its disputes are read by charge, after the charges).
"""

from __future__ import annotations

import argparse
import multiprocessing
import sys
import tempfile
import threading
import time
from multiprocessing.connection import Connection
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.support import command_line, percentile, sandbox_process  # noqa: E402
from bot.app import build_app  # noqa: E402
from bot.demo import DEMO_CHANNEL, DEMO_OPERATOR, demo_settings  # noqa: E402
from bot.server import ListenerExecutor, serving_in_thread  # noqa: E402
from bot.services import build_services  # noqa: E402
from bot.slack_requests import SlackRequests  # noqa: E402
from bot.slack_standin import SlackStandIn  # noqa: E402

# Demo customers with exactly one match each (shared@example.com would answer with a chooser).
EMAILS = (
    "jane@example.com",
    "sam@example.com",
    "pat@example.com",
    "kenji@example.jp",
    "dana@example.com",
    "yuki.annual@example.com",
    "ines@example.com",
    "nora@example.com",
    "octo@example.com",
)

# A customer with a disputed charge takes a third round: its disputes are read by charge, after the charges.
DISPUTED = frozenset({"dana@example.com"})


def burst(slack: SlackRequests, count: int) -> list[tuple[int, float]]:
    """`count` commands released together; (status, seconds to the HTTP answer) each."""
    start = threading.Barrier(count + 1)
    results: list[tuple[int, float]] = [(0, 0.0)] * count

    def send(index: int) -> None:
        start.wait()
        began = time.perf_counter()
        try:
            status = slack.slash_command(EMAILS[index % len(EMAILS)]).status_code
        except httpx.HTTPError:
            status = 0
        results[index] = (status, time.perf_counter() - began)

    threads = [threading.Thread(target=send, args=(index,)) for index in range(count)]
    for thread in threads:
        thread.start()
    start.wait()
    for thread in threads:
        thread.join()
    return results


def load_generator(conn: Connection) -> None:
    """Slack's side, in its own process: the client's CPU must not compete with the bot's for one GIL."""
    url, secret, response_root = conn.recv()
    slack = SlackRequests(
        url=url,
        signing_secret=secret,
        response_urls=lambda name: f"{response_root}{name}",
        user_id=DEMO_OPERATOR,
        channel_id=DEMO_CHANNEL,
        http=httpx.Client(timeout=60, limits=httpx.Limits(max_connections=500)),
    )
    while (count := conn.recv()) is not None:
        conn.send(burst(slack, count))


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--latency-ms", type=int, default=1000)
    parser.add_argument("--rate-limit", type=int, default=100)
    parser.add_argument("--concurrent", type=int, nargs="+", default=[20, 50, 100])
    args = parser.parse_args()
    print(f"$ {command_line()}")
    latency = args.latency_ms / 1000
    # Forked first, while this process has no threads yet.
    context = multiprocessing.get_context("fork")
    generator, generator_end = context.Pipe()
    context.Process(target=load_generator, args=(generator_end,), daemon=True, name="slack").start()
    with (
        sandbox_process(demo=True, latency_ms=args.latency_ms, rate_limit=args.rate_limit) as sandbox,
        SlackStandIn(port=0) as standin,
        tempfile.TemporaryDirectory() as tmp,
    ):
        settings = demo_settings(slack_api_url=standin.base_url, sandbox=sandbox, db_path=Path(tmp) / "b.db")
        settings = settings.model_copy(update={"stripe_rate_limit": float(args.rate_limit)})
        services = build_services(settings)
        executor = ListenerExecutor()
        app = build_app(services, listener_executor=executor)
        with serving_in_thread(app) as url:
            secret = settings.slack_signing_secret.get_secret_value()  # type: ignore[union-attr]
            generator.send((url, secret, standin.response_url("")))
            generator.send(1)  # warm: product catalogue, connections
            generator.recv()
            standin.wait_for("chat.postMessage", count=1, timeout=60)
            print(
                f"Stripe at {args.latency_ms} ms, STRIPE_RATE_LIMIT={args.rate_limit} (sandbox answers 429 above it)"
            )
            print("   N  acked   ack p50   ack p99   last card   floor    ÷ floor  requests")
            for count in args.concurrent:
                cards_before = len(standin.calls_to("chat.postMessage"))
                requests_before = services.gateway.request_count  # type: ignore[attr-defined]
                began = time.perf_counter()
                generator.send(count)
                results = generator.recv()
                standin.wait_for("chat.postMessage", count=cards_before + count, timeout=300)
                last_card = time.perf_counter() - began
                executor.wait_idle(60)
                services.work.wait_idle(60)
                requests = services.gateway.request_count - requests_before  # type: ignore[attr-defined]
                rounds = 3 if any(EMAILS[index % len(EMAILS)] in DISPUTED for index in range(count)) else 2
                floor = max(rounds * latency, requests / args.rate_limit + latency)
                acks = [seconds for status, seconds in results if status == 200]
                print(
                    f"{count:>4}  {len(acks) * 100 // count:>4}%  {percentile(acks, 0.5):7.3f}s  "
                    f"{percentile(acks, 0.99):7.3f}s  {last_card:8.2f}s  {floor:6.2f}s  {last_card / floor:6.2f}×  "
                    f"{requests}"
                )
            generator.send(None)
        executor.shutdown(wait=True)
        services.work.shutdown(wait=True)
        services.gateway.close()  # type: ignore[attr-defined]
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
