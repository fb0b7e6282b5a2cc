"""Build everything once from Settings and hand the pieces out; nothing is global."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING

from billing.actions import ActionService
from billing.case_actions import ActionPolicy
from billing.cases import CaseService
from billing.classify import Classifier
from billing.clock import Clock, SystemClock
from billing.errors import ConfigError, DatabaseUnavailable
from billing.gateway import StripeGateway
from billing.lookup import LookupService
from billing.outbox import Outbox
from billing.ports import BillingGateway
from billing.reports import ReportService
from billing.store import Store
from bot.config import Settings

if TYPE_CHECKING:
    from handlers.work import WorkLanes

log = logging.getLogger(__name__)


@dataclass
class Services:
    settings: Settings
    gateway: BillingGateway
    store: Store
    clock: Clock
    lookup: LookupService
    actions: ActionService
    reports: ReportService
    cases: CaseService
    outbox: Outbox
    # Where listeners send their slow part after ack(); see handlers.work.
    work: WorkLanes


def open_store(settings: Settings, clock: Clock | None = None) -> Store:
    """The database BILLING_DB names (by default in the per-user data directory), logged so it can be found."""
    try:
        store = Store(settings.billing_db, clock)
    except DatabaseUnavailable as error:
        raise ConfigError(f"BILLING_DB is invalid: {error.message}") from None
    log.info("Database: %s", settings.billing_db)
    return store


def stripe_gateway(settings: Settings) -> StripeGateway:
    """The real gateway, configured as the settings say (Stripe, or a sandbox at STRIPE_API_BASE)."""
    settings.require("STRIPE_API_KEY")
    assert settings.stripe_api_key is not None
    return StripeGateway(
        settings.stripe_api_key.get_secret_value(),
        api_base=settings.stripe_api_base,
        max_retries=settings.stripe_max_retries,
        timeout_seconds=settings.stripe_timeout_seconds,
        rate_limit=settings.stripe_requests_per_second(),
    )


def build_services(settings: Settings, *, clock: Clock | None = None) -> Services:
    """The bot against Stripe (or the sandbox) as the settings say."""
    return assemble_services(settings, stripe_gateway(settings), clock=clock)


def assemble_services(
    settings: Settings,
    gateway: BillingGateway,
    *,
    clock: Clock | None = None,
    store: Store | None = None,
    lookup: LookupService | None = None,
    classifier: Classifier | None = None,
    work: WorkLanes | None = None,
) -> Services:
    """Everything above the gateway; tests and the demo pass their own gateway, clock or store."""
    from handlers.work import WorkLanes  # handlers import this module: import theirs when called

    clock = clock or SystemClock()
    store = store or open_store(settings, clock)
    lookup = lookup or LookupService(
        gateway, clock, metadata_key=settings.billing_identity_metadata_key, classifier=classifier
    )
    policy = ActionPolicy(
        operators=settings.billing_operators,
        approval=settings.approval_rule(),
        portal_return_url=settings.billing_portal_return_url,
    )
    return Services(
        settings=settings,
        gateway=gateway,
        store=store,
        clock=clock,
        lookup=lookup,
        actions=ActionService(gateway, store, lookup, clock, policy),
        cases=CaseService(store),
        reports=ReportService(
            gateway, store, clock, zone=settings.digest_zone, main_currency=settings.billing_main_currency
        ),
        outbox=Outbox(store, clock),
        work=work or WorkLanes(),
    )
