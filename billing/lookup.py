"""LookupService: operator text -> identifiers -> customer(s) -> CustomerSnapshot."""

from __future__ import annotations

from billing.clock import Clock
from billing.ports import BillingGateway
from billing.snapshot import CustomerSnapshot, LookupResult


class LookupService:
    def __init__(self, gateway: BillingGateway, clock: Clock, *, metadata_key: str = "github") -> None:
        self.gateway = gateway
        self.clock = clock
        self.metadata_key = metadata_key

    def lookup(self, query: str) -> LookupResult:
        """`/billing QUERY`: email, cus_/sub_/in_/ch_/pi_ ID, name, or `github:octocat`."""
        raise NotImplementedError

    def lookup_in_message(self, text: str) -> LookupResult:
        """Message shortcut: every email and Stripe ID in the text, strongest first."""
        raise NotImplementedError

    def snapshot(self, customer_id: str, *, matched_on: str) -> CustomerSnapshot:
        """Fresh state for one customer (used after choosing a candidate, and before actions)."""
        raise NotImplementedError
