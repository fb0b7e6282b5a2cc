"""Shared fixtures: the Stripe sandbox (fresh or demo-seeded) and a stripe-python client pointed at it."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import stripe

from billing.sandbox import SandboxServer, running_sandbox


@pytest.fixture
def sandbox() -> Iterator[SandboxServer]:
    """A fresh, empty sandbox on a free port."""
    with running_sandbox() as server:
        yield server


@pytest.fixture
def demo_sandbox() -> Iterator[SandboxServer]:
    """A sandbox seeded with billing.sandbox.seed.DEMO_CUSTOMERS (about 50 ms), fresh for every test."""
    with running_sandbox(seed="demo") as server:
        yield server


def _client_for(server: SandboxServer) -> stripe.StripeClient:
    return stripe.StripeClient(server.api_key, base_addresses={"api": server.base_url}, max_network_retries=0)


@pytest.fixture
def stripe_client(sandbox: SandboxServer) -> stripe.StripeClient:
    return _client_for(sandbox)


@pytest.fixture
def demo_stripe_client(demo_sandbox: SandboxServer) -> stripe.StripeClient:
    return _client_for(demo_sandbox)
