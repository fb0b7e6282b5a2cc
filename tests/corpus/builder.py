"""Builds each corpus case's Stripe state through the sandbox's HTTP API with stripe-python.

One sandbox per portal setting (the portal configuration is account-wide); every case gets its own
customer (`<case id>@corpus.example`) on its own test clock, so history (minutes or weeks) is real
Stripe history: the clock starts `age` ago, `wait` steps advance it, and a last advance to now runs the
renewals that fall due (a renewal on a failing card leaves the subscription past due).
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import stripe
import yaml

from billing.sandbox import SandboxServer, running_sandbox

CASES_FILE = Path(__file__).with_name("cases.yaml")
UNREAD = "unread"
PRICES: dict[str, dict[str, Any]] = {
    "pro": {"product": "Pro", "unit_amount": 2000, "interval": "month"},
    "pro_year": {"product": "Pro", "unit_amount": 20000, "interval": "year"},
    "seat": {"product": "Team seat", "unit_amount": 1200, "interval": "month"},
    "storage": {"product": "Extra storage", "unit_amount": 500, "interval": "month"},
}
CARDS = {
    "visa": "pm_card_visa",
    "mastercard": "pm_card_mastercard",
    "amex": "pm_card_amex",
    "fail": "pm_card_chargeCustomerFail",
    "dispute": "pm_card_createDispute",
}
PORTALS: dict[str, dict[str, Any]] = {
    "cancel_off": {
        "subscription_cancel": {"enabled": False},
        "payment_method_update": {"enabled": True},
        "invoice_history": {"enabled": True},
        "subscription_update": {"enabled": False},
    },
    "cancel_on": {
        "subscription_cancel": {"enabled": True},
        "payment_method_update": {"enabled": True},
        "invoice_history": {"enabled": True},
        "subscription_update": {"enabled": False},
    },
}
DEFAULT_PORTAL = "cancel_off"
_DURATION = re.compile(r"^(\d+)([smhd])$")
_SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


@dataclass(frozen=True)
class CorpusCase:
    id: str
    expected: str
    message: str
    rationale: str
    state: dict[str, Any] = field(default_factory=dict)

    @property
    def email(self) -> str:
        return f"{self.id}@corpus.example"

    @property
    def portal(self) -> str:
        return str(self.state.get("portal", DEFAULT_PORTAL))

    def text(self) -> str:
        """The message as it reaches Slack: the customer's email inline, or on its own line below."""
        if "{email}" in self.message:
            return self.message.replace("{email}", self.email)
        return f"{self.message}\n\nFrom: {self.email}"

    def words(self) -> str:
        """The customer's words alone (what an operator types after `/billing EMAIL`)."""
        return self.message.replace("{email}", self.email)


def load_cases(path: Path = CASES_FILE) -> list[CorpusCase]:
    raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    return [CorpusCase(**entry) for entry in raw]


def seconds(duration: str | int) -> int:
    if isinstance(duration, int):
        return duration
    match = _DURATION.match(duration.strip())
    if match is None:
        raise ValueError(f"bad duration {duration!r}: use 90s, 5m, 3h or 2d")
    return int(match[1]) * _SECONDS[match[2]]


class CaseBuilder:
    """Creates prices once per sandbox, then one customer per case, all through the public API."""

    def __init__(self, client: stripe.StripeClient, portal: str) -> None:
        self.client = client
        self.client.v1.billing_portal.configurations.create(
            params={"features": PORTALS[portal], "business_profile": {"headline": "Corpus"}}  # type: ignore[typeddict-item]
        )
        # One product per name: pro and pro_year are one product on two intervals (an overlap's shape).
        self.products = {
            name: self.client.v1.products.create(params={"name": name}).id
            for name in dict.fromkeys(spec["product"] for spec in PRICES.values())
        }
        self.prices = {key: self._price(spec) for key, spec in PRICES.items()}

    def _price(self, spec: dict[str, Any]) -> str:
        price = self.client.v1.prices.create(
            params={
                "currency": "usd",
                "unit_amount": spec["unit_amount"],
                "recurring": {"interval": spec["interval"]},
                "product": self.products[spec["product"]],
            }
        )
        return price.id

    def build(self, case: CorpusCase) -> str:
        """The case's customer ID, its state built."""
        state = case.state
        now = int(time.time())
        start = now - seconds(state.get("age", 0))
        clock = self.client.v1.test_helpers.test_clocks.create(params={"frozen_time": start, "name": case.id})
        card = state.get("card", "visa")
        params: dict[str, Any] = {"email": case.email, "name": _name(case.id), "test_clock": clock.id}
        if card != "none":
            params |= {
                "payment_method": CARDS[card],
                "invoice_settings": {"default_payment_method": CARDS[card]},
            }
        customer = self.client.v1.customers.create(params=params)  # type: ignore[arg-type]
        moment = start
        subscriptions: list[str] = []
        for step in state.get("steps", []):
            moment = self._step(customer.id, clock.id, moment, step, subscriptions)
        if moment < int(time.time()):
            self._advance(clock.id, int(time.time()))
        return customer.id

    def _step(self, customer: str, clock: str, moment: int, step: dict[str, Any], subs: list[str]) -> int:
        [(kind, value)] = step.items()
        if kind == "wait":
            target = moment + seconds(value)
            self._advance(clock, target)
            return target
        if kind == "subscribe":
            subs.append(self._subscribe(customer, value if isinstance(value, dict) else {"price": value}))
        elif kind == "card":
            method = self.client.v1.payment_methods.attach(CARDS[value], params={"customer": customer})
            self.client.v1.customers.update(
                customer, params={"invoice_settings": {"default_payment_method": method.id}}
            )
        elif kind == "cancel_at_period_end":
            self.client.v1.subscriptions.update(subs[int(value)], params={"cancel_at_period_end": True})
        else:
            raise ValueError(f"unknown step {kind!r}")
        return moment

    def _subscribe(self, customer: str, spec: dict[str, Any]) -> str:
        params: dict[str, Any] = {
            "customer": customer,
            "items": [{"price": self.prices[spec["price"]], "quantity": int(spec.get("quantity", 1))}],
        }
        if "card" in spec:
            method = self.client.v1.payment_methods.attach(CARDS[spec["card"]], params={"customer": customer})
            params["default_payment_method"] = method.id
        # Stripe's default: a failed first payment leaves the subscription incomplete rather than erroring.
        params["payment_behavior"] = "allow_incomplete"
        return self.client.v1.subscriptions.create(params=params).id  # type: ignore[arg-type]

    def _advance(self, clock: str, target: int) -> None:
        self.client.v1.test_helpers.test_clocks.advance(clock, params={"frozen_time": target})


def _name(case_id: str) -> str:
    return "Corpus " + case_id.replace("-", " ").title()


@dataclass(frozen=True)
class BuiltCorpus:
    """Each case with the sandbox that holds its state and its customer's ID."""

    entries: list[tuple[CorpusCase, SandboxServer, str]]


def client_for(server: SandboxServer) -> stripe.StripeClient:
    return stripe.StripeClient(server.api_key, base_addresses={"api": server.base_url}, max_network_retries=0)


@contextmanager
def built_corpus(cases: list[CorpusCase] | None = None) -> Iterator[BuiltCorpus]:
    """Start one sandbox per portal setting the cases use and build every case in it."""
    cases = cases if cases is not None else load_cases()
    with ExitStack() as stack:
        servers: dict[str, SandboxServer] = {}
        builders: dict[str, CaseBuilder] = {}
        entries = []
        for case in cases:
            if case.portal not in servers:
                servers[case.portal] = stack.enter_context(running_sandbox())
                builders[case.portal] = CaseBuilder(client_for(servers[case.portal]), case.portal)
            entries.append((case, servers[case.portal], builders[case.portal].build(case)))
        yield BuiltCorpus(entries)
