"""Build everything once from Settings and hand the pieces out; nothing is global."""

from __future__ import annotations

from dataclasses import dataclass
from typing import cast

from billing.actions import ActionPolicy, ActionService
from billing.clock import Clock, SystemClock
from billing.lookup import LookupService
from billing.outbox import Outbox
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
    actions: ActionService
    outbox: Outbox


def build_services(settings: Settings, *, clock: Clock | None = None) -> Services:
    """The bot against Stripe (or the sandbox) as the settings say."""
    from billing.gateway import StripeGateway

    settings.require("STRIPE_API_KEY")
    assert settings.stripe_api_key is not None
    gateway = StripeGateway(
        settings.stripe_api_key.get_secret_value(),
        api_base=settings.stripe_api_base,
        max_retries=settings.stripe_max_retries,
        timeout_seconds=settings.stripe_timeout_seconds,
    )
    if settings.billing_test_crash_after and not gateway.livemode:
        from bot.faults import CrashAfterWrite

        return assemble_services(
            settings,
            cast(BillingGateway, CrashAfterWrite(gateway, settings.billing_test_crash_after)),
            clock=clock,
        )
    return assemble_services(settings, gateway, clock=clock)


def assemble_services(
    settings: Settings,
    gateway: BillingGateway,
    *,
    clock: Clock | None = None,
    store: Store | None = None,
    lookup: LookupService | None = None,
) -> Services:
    """Everything above the gateway; tests and the demo pass their own gateway, clock or store."""
    clock = clock or SystemClock()
    store = store or Store(settings.billing_db, clock)
    lookup = lookup or LookupService(gateway, clock, metadata_key=settings.billing_identity_metadata_key)
    policy = ActionPolicy(
        operators=settings.billing_operators,
        refund_approval_above=settings.billing_refund_approval_above,
        main_currency=settings.billing_main_currency,
    )
    return Services(
        settings=settings,
        gateway=gateway,
        store=store,
        clock=clock,
        lookup=lookup,
        actions=ActionService(gateway, store, lookup, clock, policy),
        outbox=Outbox(store, clock),
    )
