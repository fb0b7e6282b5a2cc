"""The shared Stripe rate limit: the token bucket, the gateway's 429 retries, and the setting."""

from __future__ import annotations

import pytest

from billing.errors import StripeUnavailable
from billing.gateway import StripeGateway
from billing.rate_limit import Backoff, TokenBucket
from bot.config import load_settings
from tests.unit.test_gateway_fakes import FakeStripeHTTP, SentRequest, error, fixture

KEY = "sk_test_51SecretKeyNeverShown"
RATE_LIMITED = error("invalid_request_error", "Too many requests hit the API too quickly.", code="rate_limit")


class ManualClock:
    def __init__(self) -> None:
        self.now = 50.0

    def __call__(self) -> float:
        return self.now


def test_bucket_lets_a_burst_through_then_spaces_requests_by_the_rate() -> None:
    clock = ManualClock()
    bucket = TokenBucket(10, burst=2, monotonic=clock)
    waits = [bucket.reserve() for _ in range(4)]
    assert waits == pytest.approx([0, 0, 0.1, 0.2])


def test_bucket_refills_while_idle_but_never_beyond_its_burst() -> None:
    clock = ManualClock()
    bucket = TokenBucket(10, burst=2, monotonic=clock)
    for _ in range(4):
        bucket.reserve()
    clock.now += 10
    assert [bucket.reserve() for _ in range(3)] == pytest.approx([0, 0, 0.1])


def test_default_burst_is_a_quarter_second_of_requests() -> None:
    assert TokenBucket(100).burst == 25
    assert TokenBucket(25).burst == 6
    assert TokenBucket(2).burst == 1


def fails_then(times: int, body: dict[str, object]) -> tuple[list[SentRequest], object]:
    seen: list[SentRequest] = []

    def answer(sent: SentRequest) -> tuple[int, dict[str, object]]:
        seen.append(sent)
        return (429, RATE_LIMITED) if len(seen) <= times else (200, body)

    return seen, answer


def gateway_with(http: FakeStripeHTTP, sleeps: list[float], **kwargs: object) -> StripeGateway:
    no_jitter = Backoff(retries=3, base=0.25, cap=4.0, jitter=lambda: 1.0)
    return StripeGateway(
        KEY,
        api_base="http://sandbox.test",
        max_retries=0,
        http_client=http,
        backoff=no_jitter,
        sleep=sleeps.append,
        **kwargs,  # type: ignore[arg-type]
    )


def test_a_rate_limited_read_is_retried_with_growing_waits() -> None:
    http = FakeStripeHTTP()
    seen, answer = fails_then(2, fixture("charge", id="ch_Retry0001"))
    http.routes[("GET", "/v1/charges/ch_Retry0001")] = answer  # type: ignore[assignment]
    sleeps: list[float] = []
    gateway = gateway_with(http, sleeps)
    assert gateway.get_charge("ch_Retry0001").id == "ch_Retry0001"
    assert len(seen) == 3 and sleeps == [0.25, 0.5]
    assert gateway.request_count == 3


def test_a_rate_limited_write_repeats_with_the_same_idempotency_key() -> None:
    http = FakeStripeHTTP()
    seen, answer = fails_then(1, fixture("refund", charge="ch_Retry0001"))
    http.routes[("POST", "/v1/refunds")] = answer  # type: ignore[assignment]
    sleeps: list[float] = []
    refund = gateway_with(http, sleeps).refund_charge(
        "ch_Retry0001", amount=100, reason="duplicate", metadata={}, idempotency_key="case-1-refund-0"
    )
    assert refund.charge_id == "ch_Retry0001"
    assert [sent.headers.get("Idempotency-Key") for sent in seen] == ["case-1-refund-0"] * 2


def test_rate_limited_past_the_retries_is_stripe_unavailable() -> None:
    http = FakeStripeHTTP()
    http.on("GET", "/v1/charges/ch_Busy0001", RATE_LIMITED, status=429)
    sleeps: list[float] = []
    with pytest.raises(StripeUnavailable, match="rate limited"):
        gateway_with(http, sleeps).get_charge("ch_Busy0001")
    assert sleeps == [0.25, 0.5, 1.0]
    assert len(http.sent) == 4


def test_every_request_waits_its_turn_in_the_shared_bucket() -> None:
    http = FakeStripeHTTP()
    http.on("GET", "/v1/charges/ch_Turn0001", fixture("charge", id="ch_Turn0001"))
    sleeps: list[float] = []
    gateway = gateway_with(http, sleeps, rate_limit=1)
    for _ in range(3):
        gateway.get_charge("ch_Turn0001")
    # Sleeping is recorded, not done: the bucket's reservations for a 1/s limit are 1 s and 2 s out.
    assert [round(wait) for wait in sleeps] == [1, 2]


@pytest.mark.parametrize(
    ("key", "configured", "expected"),
    [
        ("sk_test_abc", "", 25),
        ("rk_live_abc", "", 100),
        ("sk_test_abc", "40", 40),
    ],
)
def test_rate_limit_setting_defaults_to_stripes_limit_for_the_key(
    monkeypatch: pytest.MonkeyPatch, key: str, configured: str, expected: float
) -> None:
    monkeypatch.setenv("STRIPE_API_KEY", key)
    monkeypatch.setenv("BILLING_ALLOW_LIVE", "true")
    monkeypatch.setenv("STRIPE_RATE_LIMIT", configured)
    assert load_settings(_env_file=None).stripe_requests_per_second() == expected
