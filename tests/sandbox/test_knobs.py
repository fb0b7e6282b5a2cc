"""Failure injection, rate limiting, latency, the request log, and many parallel clients."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest
import stripe

from billing.sandbox import SandboxServer


def test_fail_rate_one_answers_api_error_and_zero_recovers(
    sandbox: SandboxServer, stripe_client: stripe.StripeClient
) -> None:
    sandbox.set_fail_rate(1.0)
    with pytest.raises(stripe.APIError) as raised:
        stripe_client.v1.customers.create(params={"email": "x@example.com"})
    assert raised.value.http_status == 500
    assert raised.value.error is not None and raised.value.error.type == "api_error"
    sandbox.set_fail_rate(0.0)
    assert stripe_client.v1.customers.list().data == []  # the failed create did nothing


@pytest.mark.parametrize("set_knob", ["methods", "write_fail_rate"])
def test_failing_only_writes_leaves_reads_working(
    sandbox: SandboxServer, stripe_client: stripe.StripeClient, set_knob: str
) -> None:
    customer = stripe_client.v1.customers.create(params={"email": "w@example.com"})
    if set_knob == "methods":
        sandbox.set_fail_rate(1.0, methods={"POST", "DELETE"})
    else:
        sandbox.set_write_fail_rate(1.0)
    assert stripe_client.v1.customers.retrieve(customer.id).email == "w@example.com"
    assert [c.id for c in stripe_client.v1.customers.list().data] == [customer.id]
    with pytest.raises(stripe.APIError):
        stripe_client.v1.customers.update(customer.id, params={"name": "Never"})
    with pytest.raises(stripe.APIError):
        stripe_client.v1.customers.delete(customer.id)
    sandbox.set_fail_rate(1.0)  # back to failing everything, reads included
    with pytest.raises(stripe.APIError):
        stripe_client.v1.customers.retrieve(customer.id)
    sandbox.set_fail_rate(0.0)
    assert stripe_client.v1.customers.retrieve(customer.id).name is None


def test_fail_methods_must_be_http_methods_the_sandbox_serves(sandbox: SandboxServer) -> None:
    with pytest.raises(ValueError, match="PUT"):
        sandbox.set_fail_rate(1.0, methods={"PUT"})


def test_fail_rate_half_fails_some_but_not_all(
    sandbox: SandboxServer, stripe_client: stripe.StripeClient
) -> None:
    sandbox.set_fail_rate(0.5)
    outcomes = []
    for _ in range(60):
        try:
            stripe_client.v1.customers.list()
            outcomes.append(True)
        except stripe.APIError:
            outcomes.append(False)
    assert 0 < outcomes.count(False) < 60


def test_rate_limit_answers_429() -> None:
    from billing.sandbox import running_sandbox

    with running_sandbox(rate_limit=2) as limited:
        client = stripe.StripeClient(
            limited.api_key, base_addresses={"api": limited.base_url}, max_network_retries=0
        )
        errors = []
        for _ in range(20):
            try:
                client.v1.customers.list()
            except stripe.RateLimitError as error:
                errors.append(error)
        assert errors and errors[0].http_status == 429
        assert errors[0].error is not None and errors[0].error.code == "rate_limit"
        assert [r.status for r in limited.request_log].count(429) == len(errors)


def test_latency_and_request_log(sandbox: SandboxServer, stripe_client: stripe.StripeClient) -> None:
    sandbox.set_latency_ms(30)
    stripe_client.v1.customers.list(params={"email": "l@example.com"})
    record = sandbox.request_log[-1]
    assert (record.method, record.path, record.params, record.status) == (
        "GET",
        "/v1/customers",
        {"email": "l@example.com"},
        200,
    )
    assert record.ended - record.started >= 0.03
    sandbox.clear_log()
    assert sandbox.request_log == []


def test_dozens_of_parallel_requests(sandbox: SandboxServer, stripe_client: stripe.StripeClient) -> None:
    def create(n: int) -> str:
        return stripe_client.v1.customers.create(params={"email": f"p{n}@example.com"}).id

    with ThreadPoolExecutor(max_workers=24) as pool:
        ids = list(pool.map(create, range(48)))
    assert len(set(ids)) == 48
    listed = {c.id for c in stripe_client.v1.customers.list(params={"limit": 100}).data}
    assert listed == set(ids)
    assert sum(1 for r in sandbox.request_log if r.method == "POST") == 48
