"""The Stripe objects the bot changed, read back from the sandbox with stripe-python: which objects comes
from the sandbox's request log (every write the bot sent), what they look like now from Stripe itself."""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass
from typing import Any

import stripe

from billing.money import format_money
from billing.sandbox import SandboxServer

_SUBSCRIPTION = re.compile(r"^/v1/subscriptions/(sub_[A-Za-z0-9]+)$")
_INVOICE_PAY = re.compile(r"^/v1/invoices/(in_[A-Za-z0-9]+)/pay$")
_PORTAL = "/v1/billing_portal/sessions"


@dataclass(frozen=True)
class ChangedObject:
    kind: str
    id: str
    facts: tuple[tuple[str, str], ...]


class StripeChanges:
    """Read back only when the bot wrote something new; the page polls often."""

    def __init__(self, sandbox: SandboxServer, client: stripe.StripeClient) -> None:
        self._sandbox = sandbox
        self._client = client
        self._lock = threading.Lock()
        self._seen_writes = -1
        self._objects: list[ChangedObject] = []

    def writes(self) -> list[tuple[str, str, dict[str, Any]]]:
        return [
            (record.method, record.path, dict(record.params))
            for record in list(self._sandbox.request_log)
            if record.method != "GET" and record.status < 400
        ]

    def objects(self) -> list[ChangedObject]:
        with self._lock:
            writes = self.writes()
            if len(writes) != self._seen_writes:
                self._objects = self._read_back(writes)
                self._seen_writes = len(writes)
            return list(self._objects)

    def _read_back(self, writes: list[tuple[str, str, dict[str, Any]]]) -> list[ChangedObject]:
        objects: list[ChangedObject] = []
        seen: set[str] = set()
        for _, path, params in writes:
            for found in self._objects_for(path, params):
                if found.id not in seen:
                    seen.add(found.id)
                    objects.append(found)
        return objects

    def _objects_for(self, path: str, params: dict[str, Any]) -> list[ChangedObject]:
        if match := _SUBSCRIPTION.match(path):
            return [self._subscription(match.group(1))]
        if path == "/v1/refunds" and params.get("charge"):
            return self._refunds(str(params["charge"]))
        if match := _INVOICE_PAY.match(path):
            return [self._invoice(match.group(1))]
        if path == _PORTAL:
            customer = str(params.get("customer") or "")
            return [
                ChangedObject("billing portal session", f"portal for {customer}", (("customer", customer),))
            ]
        return []

    def _subscription(self, subscription_id: str) -> ChangedObject:
        sub = self._client.v1.subscriptions.retrieve(subscription_id)
        facts = [("status", str(sub.status)), ("customer", str(sub.customer))]
        if sub.cancel_at_period_end:
            facts.append(("cancel at period end", "yes"))
        details = sub.cancellation_details
        if details is not None and details.comment:
            facts.append(("comment", str(details.comment)))
        return ChangedObject("subscription", str(sub.id), tuple(facts))

    def _refunds(self, charge_id: str) -> list[ChangedObject]:
        refunds = self._client.v1.refunds.list(params={"charge": charge_id, "limit": 100}).data
        return [
            ChangedObject(
                "refund",
                str(refund.id),
                (
                    ("amount", format_money(refund.amount, refund.currency)),
                    ("status", str(refund.status)),
                    ("charge", str(refund.charge)),
                    ("reason", str(refund.reason or "—")),
                ),
            )
            for refund in refunds
        ]

    def _invoice(self, invoice_id: str) -> ChangedObject:
        invoice = self._client.v1.invoices.retrieve(invoice_id)
        return ChangedObject(
            "invoice",
            str(invoice.id),
            (
                ("status", str(invoice.status)),
                ("amount paid", format_money(invoice.amount_paid, invoice.currency)),
                ("customer", str(invoice.customer)),
            ),
        )
