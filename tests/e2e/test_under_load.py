"""Under load, end to end: signed Slack requests -> real Bolt app over HTTP -> sandbox with latency / rate limit.

Every request must be acked within Slack's 3 s (the harness's HTTP client gives up at 2.5 s), and a money
action must not wait behind lookups (its own lane) nor fail on Stripe's rate limit (a shared limiter in front
of every request, and 429s retried). Assertions are about order and outcome, not about durations.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import stripe

from billing.gateway import StripeGateway
from billing.rate_limit import TEST_RATE_LIMIT
from billing.sandbox import SandboxServer
from billing.sandbox.api import invoke, wire_params
from handlers.work import DEFAULT_LANES, QUEUE_FULL_TEXT, Lane, LaneLimits, WorkLanes
from tests.e2e.buttons import ActionId
from tests.e2e.slack_harness import SlackHarness, running_bot
from tests.e2e.test_actions_slack import classify, click_and_wait
from tests.e2e.test_lookup_slack import GatedGateway

DEMO_EMAILS = (
    "jane@example.com",
    "sam@example.com",
    "pat@example.com",
    "kenji@example.jp",
    "dana@example.com",
)
WAIT = 30


def all_at_once(requests: list[Callable[[], httpx.Response]]) -> list[httpx.Response]:
    """Send every request from its own thread, released together; the responses in the same order."""
    start = threading.Barrier(len(requests))
    responses: list[httpx.Response | None] = [None] * len(requests)

    def send(index: int) -> None:
        start.wait()
        responses[index] = requests[index]()

    threads = [threading.Thread(target=send, args=(index,)) for index in range(len(requests))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert all(response is not None for response in responses)
    return [response for response in responses if response is not None]


@contextmanager
def bot_on(gateway: StripeGateway, work: WorkLanes | None = None, **kwargs: Any) -> Iterator[SlackHarness]:
    try:
        with running_bot(gateway, work=work, **kwargs) as bot:
            yield bot
            bot.wait_idle(WAIT)
    finally:
        gateway.close()


def test_thirty_lookups_and_a_confirm_while_stripe_is_slow_all_ack_and_the_confirm_goes_first(
    demo_sandbox: SandboxServer, demo_stripe_client: stripe.StripeClient
) -> None:
    # Few lookup workers, so lookups visibly queue; a long start window, so none is dropped here.
    lanes = WorkLanes({**DEFAULT_LANES, Lane.INTERACTIVE: LaneLimits(workers=4, queue=100, start_within=60)})
    gateway = StripeGateway(demo_sandbox.api_key, api_base=demo_sandbox.base_url, max_retries=0)
    with bot_on(gateway, lanes) as bot:
        options = classify(bot, "pat@example.com", "product_failure")
        prompt = click_and_wait(bot, options, ActionId.CANCEL_AT_PERIOD_END)
        cards_before = len(bot.standin.calls_to("chat.postMessage"))
        demo_sandbox.set_latency_ms(250)
        demo_sandbox.clear_log()
        lookups: list[Callable[[], httpx.Response]] = [
            lambda email=email: bot.slash_command(email)  # type: ignore[misc]
            for email in DEMO_EMAILS * 6
        ]
        responses = all_at_once([*lookups, lambda: bot.click(prompt, ActionId.CONFIRM)])
        # Every request was acked: an ack slower than 2.5 s is an httpx timeout, raised above.
        assert [response.status_code for response in responses] == [200] * 31
        bot.wait_idle(WAIT)
        log = list(demo_sandbox.request_log)
        posts = bot.standin.calls_to("chat.postMessage")[cards_before:]
    cards = [index for index, call in enumerate(posts) if not call.args.get("thread_ts")]
    [handoff] = [index for index, call in enumerate(posts) if call.args.get("thread_ts")]
    assert len(cards) == 30
    # The Confirm finished (its handoff posted) before the lookups drained ...
    assert handoff < cards[-1]
    # ... and its write reached Stripe while some lookups had not yet started.
    [cancel] = [record for record in log if record.method == "POST"]
    assert any(record.path == "/v1/customers" and record.started > cancel.ended for record in log)
    subscription = demo_stripe_client.v1.subscriptions.retrieve(cancel.path.rsplit("/", 1)[1])
    assert subscription.cancel_at_period_end


def seed_customers(sandbox: SandboxServer, count: int) -> list[str]:
    """`count` customers with one active monthly subscription each, created in-process (no HTTP)."""

    def post(path: str, params: dict[str, Any]) -> dict[str, Any]:
        return invoke(sandbox.state, "POST", path, wire_params(params))

    price = post(
        "/v1/prices",
        {
            "currency": "usd",
            "unit_amount": 1500,
            "recurring": {"interval": "month"},
            "product_data": {"name": "Load"},
        },
    )
    emails = [f"load{index:02d}@example.com" for index in range(count)]
    for email in emails:
        customer = post(
            "/v1/customers",
            {
                "email": email,
                "name": email.split("@")[0].title(),
                "payment_method": "pm_card_visa",
                "invoice_settings": {"default_payment_method": "pm_card_visa"},
            },
        )
        post("/v1/subscriptions", {"customer": customer["id"], "items": [{"price": price["id"]}]})
    return emails


def test_twenty_simultaneous_confirms_at_stripes_test_mode_rate_limit_all_succeed_first_time(
    demo_sandbox: SandboxServer, demo_stripe_client: stripe.StripeClient, tmp_path: Path
) -> None:
    emails = seed_customers(demo_sandbox, 20)
    db = tmp_path / "bot.db"
    # The twenty Confirm prompts are prepared unmetered, to keep the test short ...
    unmetered = StripeGateway(demo_sandbox.api_key, api_base=demo_sandbox.base_url, max_retries=0)
    with bot_on(unmetered, db_path=db) as setup:
        prompts = [
            click_and_wait(setup, classify(setup, email, "product_failure"), ActionId.CANCEL_AT_PERIOD_END)
            for email in emails
        ]
    # ... and confirmed by a bot (same database) metered at what STRIPE_RATE_LIMIT defaults to for a test
    # key (tests/unit/test_rate_limit.py), against a sandbox that answers 429 past 25 requests a second.
    gateway = StripeGateway(
        demo_sandbox.api_key, api_base=demo_sandbox.base_url, max_retries=0, rate_limit=TEST_RATE_LIMIT
    )
    with bot_on(gateway, db_path=db) as bot:
        demo_sandbox.set_rate_limit(TEST_RATE_LIMIT)
        demo_sandbox.clear_log()
        responses = all_at_once(
            [lambda prompt=prompt: bot.click(prompt, ActionId.CONFIRM) for prompt in prompts]  # type: ignore[misc]
        )
        assert [response.status_code for response in responses] == [200] * 20
        bot.wait_idle(WAIT)
        log = list(demo_sandbox.request_log)
        told = [str(call.args.get("text")) for call in bot.standin.calls_to("response_url")]
        audit = bot.services.store.audit_rows()
    demo_sandbox.set_rate_limit(None)
    # Every Confirm succeeded on its one click: 20 handoffs, no failure told, nothing failed in the audit.
    assert len([row for row in audit if row["event"] == "action_succeeded"]) == 20
    assert not [row for row in audit if row["event"] == "action_failed"]
    assert told == []
    cancels = [record for record in log if record.method == "POST" and record.status == 200]
    assert len(cancels) == 20
    for record in cancels:
        assert demo_stripe_client.v1.subscriptions.retrieve(
            record.path.rsplit("/", 1)[1]
        ).cancel_at_period_end
    # Whatever got a 429 (the sandbox counts a sliding second; the bucket allows a small burst) was retried.
    rejected = [record for record in log if record.status == 429]
    assert len(log) - len(rejected) == len([record for record in log if record.status == 200])


def test_a_lookup_that_cannot_start_is_refused_at_once_and_the_operator_told(
    demo_sandbox: SandboxServer,
) -> None:
    lanes = WorkLanes({**DEFAULT_LANES, Lane.INTERACTIVE: LaneLimits(workers=1, queue=0, start_within=60)})
    gated = GatedGateway(StripeGateway(demo_sandbox.api_key, api_base=demo_sandbox.base_url, max_retries=0))
    with running_bot(gated, work=lanes) as bot:
        assert bot.slash_command("jane@example.com").status_code == 200
        bot.executor.wait_idle()  # its listener handed the lookup to the lane, where it waits at the gate
        assert bot.slash_command("sam@example.com").status_code == 200
        [reply] = bot.standin.wait_for("response_url")
        assert reply.args["text"] == QUEUE_FULL_TEXT[Lane.INTERACTIVE]
        assert reply.args["response_type"] == "ephemeral"
        gated.gate.set()
        bot.wait_idle(WAIT)
        [card] = bot.standin.calls_to("chat.postMessage")
    assert "jane@example.com" in str(card.args["blocks"])
    gated.inner.close()  # type: ignore[attr-defined]  # the real StripeGateway behind the gate
