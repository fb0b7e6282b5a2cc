"""LookupService: operator text -> identifiers -> customer(s) -> CustomerSnapshot.

Request budget: one round to resolve the customer (an exact list or search, or one retrieve that
expands the customer), then one parallel round in `gateway.load_billing_records`.
"""

from __future__ import annotations

from billing.classify import Classifier, RuleClassifier, clean_complaint
from billing.clock import Clock
from billing.errors import BadQuery, CustomerNotFound, ObjectNotFound
from billing.identity import CardHint, Identifier, IdentifierKind, identifiers_in_message, parse_query
from billing.models import Customer
from billing.ports import BillingGateway
from billing.snapshot import CustomerCandidate, CustomerSnapshot, LookupResult, build_snapshot

NO_IDENTIFIERS = (
    "No email address, invoice number or Stripe ID (cus_…, sub_…, in_…, ch_…, pi_…) found in that message."
)
SEVERAL_NAMED = "several customers named in the message"


class LookupService:
    def __init__(
        self,
        gateway: BillingGateway,
        clock: Clock,
        *,
        metadata_key: str = "github",
        classifier: Classifier | None = None,
    ) -> None:
        self.gateway = gateway
        self.clock = clock
        self.metadata_key = metadata_key
        self.classifier = classifier or RuleClassifier()

    def lookup(self, query: str, *, complaint: str = "") -> LookupResult:
        """`/billing QUERY`: email, cus_/sub_/in_/ch_/pi_ ID, name, or `github:octocat`."""
        identifier = parse_query(query, metadata_key=self.metadata_key)
        customers, tried = self._resolve(identifier)
        if not customers:
            raise CustomerNotFound(query.strip(), tried)
        return self._result(query.strip(), identifier, customers, clean_complaint(complaint))

    def lookup_in_message(self, text: str, *, context: str = "") -> LookupResult:
        """Message shortcut: every email and Stripe ID in the text, strongest first; the text (after
        `context`, e.g. the thread's first message) is the complaint."""
        identifiers = identifiers_in_message(text, metadata_key=self.metadata_key) or identifiers_in_message(
            context, metadata_key=self.metadata_key
        )
        if not identifiers:
            raise BadQuery(NO_IDENTIFIERS)
        complaint = clean_complaint("\n\n".join(part for part in (context, text) if part.strip()))
        tried: list[str] = []
        found: dict[str, tuple[Identifier, Customer]] = {}
        for identifier in identifiers:
            customers, attempts = self._resolve(identifier)
            tried += attempts
            for customer in customers:
                found.setdefault(customer.id, (identifier, customer))
        if not found:
            raise CustomerNotFound(", ".join(identifier.value for identifier in identifiers), tried)
        first = next(iter(found.values()))[0]
        named = {identifier for identifier, _ in found.values()}
        if len(named) == 1:
            return self._result(first.value, first, [customer for _, customer in found.values()], complaint)
        # Each identifier led somewhere else: offer every customer rather than silently pick one.
        return LookupResult(
            query=", ".join(dict.fromkeys(identifier.value for identifier, _ in found.values())),
            matched_on=SEVERAL_NAMED,
            candidates=[_candidate(customer) for _, customer in found.values()],
            complaint=complaint,
        )

    def snapshot(self, customer_id: str, *, matched_on: str, complaint: str = "") -> CustomerSnapshot:
        """Fresh state for one customer (used after choosing a candidate, and before actions)."""
        customer = self.gateway.get_customer(customer_id)
        return self._snapshot(customer, matched_on=matched_on, complaint=clean_complaint(complaint))

    # --- internals ----------------------------------------------------------------------------

    def _result(
        self, query: str, identifier: Identifier, customers: list[Customer], complaint: str
    ) -> LookupResult:
        matched_on = identifier.describe()
        if len(customers) > 1:
            candidates = [_candidate(customer) for customer in customers]
            return LookupResult(
                query=query, matched_on=matched_on, candidates=candidates, complaint=complaint
            )
        snapshot = self._snapshot(customers[0], matched_on=matched_on, complaint=complaint)
        return LookupResult(query=query, matched_on=matched_on, snapshot=snapshot, complaint=complaint)

    def _snapshot(self, customer: Customer, *, matched_on: str, complaint: str) -> CustomerSnapshot:
        records = self.gateway.load_billing_records(customer)
        return build_snapshot(
            records,
            now=self.clock.now(),
            matched_on=matched_on,
            livemode=self.gateway.livemode,
            complaint=complaint,
            classifier=self.classifier,
        )

    def _resolve(self, identifier: Identifier) -> tuple[list[Customer], list[str]]:
        """(customers found, what was tried, for the not-found message)."""
        if identifier.is_object_id:
            return self._by_object_id(identifier), [identifier.describe()]
        if identifier.kind == IdentifierKind.EMAIL:
            return self._by_email(identifier.value)
        if identifier.kind == IdentifierKind.INVOICE_NUMBER:
            return self.gateway.customers_with_invoices(identifier.search_query()), [identifier.describe()]
        if identifier.card is not None:
            return self._by_card(identifier.card), [identifier.describe()]
        return self.gateway.search_customers(identifier.search_query()), [f"search {identifier.describe()}"]

    def _by_object_id(self, identifier: Identifier) -> list[Customer]:
        try:
            return [self.gateway.customer_for(identifier.value)]
        except ObjectNotFound:
            return []

    def _by_email(self, email: str) -> tuple[list[Customer], list[str]]:
        # customers.list(email=) is exact and immediately consistent, but case-sensitive: the address as
        # typed, then lower case, then search (case-insensitive, but up to a minute behind), compared
        # case-insensitively so `mixed.case@example.com` finds `Mixed.Case@Example.com`.
        tried = [f"email {email}"]
        customers = self.gateway.find_customers_by_email(email)
        if not customers and email.lower() != email:
            tried.append(f"email {email.lower()}")
            customers = self.gateway.find_customers_by_email(email.lower())
        if not customers:
            tried.append(f"search email {email} (any case)")
            found = self.gateway.search_customers(Identifier(IdentifierKind.EMAIL, email).search_query())
            customers = [customer for customer in found if (customer.email or "").lower() == email.lower()]
        return customers, tried

    def _by_card(self, card: CardHint) -> list[Customer]:
        found: dict[str, Customer] = {}
        for charge, customer in self.gateway.charges_with_customers(card.search_query()):
            if card.matches(charge.card, customer.name):
                found.setdefault(customer.id, customer)
        return list(found.values())


def _candidate(customer: Customer) -> CustomerCandidate:
    return CustomerCandidate(customer=customer, subscription_count=customer.subscription_count or 0)
