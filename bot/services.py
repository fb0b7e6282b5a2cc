"""Build everything once from Settings and hand the pieces out; nothing is global."""

from __future__ import annotations

from dataclasses import dataclass

from billing.clock import Clock, SystemClock
from billing.lookup import LookupService
from billing.ports import BillingGateway
from billing.store import Store
from bot.config import Settings


@dataclass
class Services:
    settings: Settings
    gateway: BillingGateway
    store: Store
    clock: Clock
    lookup: LookupService


def build_services(settings: Settings, *, clock: Clock | None = None) -> Services:
    from billing.gateway import StripeGateway

    settings.require("STRIPE_API_KEY")
    assert settings.stripe_api_key is not None
    clock = clock or SystemClock()
    gateway = StripeGateway(
        settings.stripe_api_key.get_secret_value(),
        api_base=settings.stripe_api_base,
        max_retries=settings.stripe_max_retries,
        timeout_seconds=settings.stripe_timeout_seconds,
    )
    return Services(
        settings=settings,
        gateway=gateway,
        store=Store(settings.billing_db, clock),
        clock=clock,
        lookup=LookupService(gateway, clock, metadata_key=settings.billing_identity_metadata_key),
    )
