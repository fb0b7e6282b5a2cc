"""Fixtures shared by the e2e tests that drive the real gateway against one demo-seeded sandbox."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from billing.gateway import StripeGateway
from billing.sandbox import SandboxServer, running_sandbox


@pytest.fixture(scope="module")
def demo() -> Iterator[SandboxServer]:
    with running_sandbox(seed="demo") as server:
        yield server


@pytest.fixture(scope="module")
def gateway(demo: SandboxServer) -> Iterator[StripeGateway]:
    gateway = StripeGateway(demo.api_key, api_base=demo.base_url, max_retries=0)
    yield gateway
    gateway.close()
