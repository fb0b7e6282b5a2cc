"""Build everything once from Settings and hand the pieces out; nothing is global."""

from __future__ import annotations

from dataclasses import dataclass

from billing.actions import ActionPolicy, ActionService
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
    # Optional so containers built elsewhere (tests, demo) keep working; handlers build it on demand.
    actions: ActionService | None = None


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
    store = Store(settings.billing_db, clock)
    lookup = LookupService(gateway, clock, metadata_key=settings.billing_identity_metadata_key)
    return Services(
        settings=settings,
        gateway=gateway,
        store=store,
        clock=clock,
        lookup=lookup,
        actions=action_service(settings, gateway, store, lookup, clock),
    )


def action_service(
    settings: Settings, gateway: BillingGateway, store: Store, lookup: LookupService, clock: Clock
) -> ActionService:
    policy = ActionPolicy(
        operators=settings.billing_operators,
        refund_approval_above=settings.billing_refund_approval_above,
        main_currency=settings.billing_main_currency,
    )
    return ActionService(gateway, store, lookup, clock, policy)
