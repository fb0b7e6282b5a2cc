"""Test-only fault injection for crash-recovery tests: a BillingGateway wrapper that kills its own process
right after Stripe answered a write, before the bot could record the result (the worst moment to die).

Enabled only by BILLING_TEST_CRASH_AFTER and never with a live key (bot/services.py)."""

from __future__ import annotations

import logging
import os
import signal
from typing import Any, cast

from billing.models import Invoice, Refund, Subscription
from billing.ports import BillingGateway
from bot.config import Settings

log = logging.getLogger(__name__)

STEP_METHODS = {"refund": "refund_charge", "cancel": "cancel_subscription", "pay": "pay_invoice"}


class CrashAfterWrite:
    """Every call goes to `gateway`; the chosen write returns from Stripe and then SIGKILLs the process."""

    def __init__(self, gateway: BillingGateway, step: str) -> None:
        self._gateway = gateway
        self._method = STEP_METHODS[step]

    def __getattr__(self, name: str) -> Any:
        return getattr(self._gateway, name)

    @property
    def livemode(self) -> bool:
        return self._gateway.livemode

    def refund_charge(self, charge_id: str, **kwargs: Any) -> Refund:
        return self._die_after(self._gateway.refund_charge(charge_id, **kwargs), "refund_charge")

    def cancel_subscription(self, subscription_id: str, **kwargs: Any) -> Subscription:
        return self._die_after(
            self._gateway.cancel_subscription(subscription_id, **kwargs), "cancel_subscription"
        )

    def pay_invoice(self, invoice_id: str, **kwargs: Any) -> Invoice:
        return self._die_after(self._gateway.pay_invoice(invoice_id, **kwargs), "pay_invoice")

    def _die_after(self, result: Any, method: str) -> Any:
        if method == self._method:
            os.kill(os.getpid(), signal.SIGKILL)
        return result


def with_test_faults(settings: Settings, gateway: BillingGateway) -> BillingGateway:
    """The gateway, wrapped by BILLING_TEST_CRASH_AFTER's fault when set; never with a live key."""
    step = settings.billing_test_crash_after
    if not step or gateway.livemode:
        return gateway
    log.warning(
        "BILLING_TEST_CRASH_AFTER=%s: this process kills itself after that Stripe write (tests only)", step
    )
    return cast(BillingGateway, CrashAfterWrite(gateway, step))
