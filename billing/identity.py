"""Operator input -> identifiers, and identifiers -> safely quoted Stripe search queries."""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import IntEnum

from billing.errors import BadQuery
from billing.models import CardSummary

USAGE = (
    "Look a customer up by email, Stripe ID (cus_…, sub_…, in_…, ch_…, pi_…), invoice number, "
    "`card 4242 08/30` (last 4 and expiry, or last 4 and name), name, or github:handle."
)
MAX_QUERY_LENGTH = 200
# Stripe's `~` (substring) operator needs at least three characters.
MIN_SUBSTRING_LENGTH = 3

EMAIL = re.compile(r"[A-Za-z0-9._%+'-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}")
STRIPE_ID = re.compile(r"\b(cus|sub|in|ch|pi)_[A-Za-z0-9]+\b")
ANY_STRIPE_ID = re.compile(r"^([a-z]{2,6})_[A-Za-z0-9_]{6,}$")
# Stripe objects an operator might paste that do not lead to a customer in one step.
OTHER_STRIPE_PREFIXES = frozenset(
    {
        "re",
        "dp",
        "pm",
        "si",
        "price",
        "prod",
        "evt",
        "cs",
        "txn",
        "acct",
        "card",
        "seti",
        "src",
        "il",
        "ii",
        "bpc",
    }
)
HANDLE = re.compile(r"^[A-Za-z0-9](?:[A-Za-z0-9._-]{0,98}[A-Za-z0-9_])?$")
# Slack renders links in message text as <mailto:jane@example.com|jane@example.com> or <url|label>.
SLACK_LINK = re.compile(r"<(?:mailto:)?([^|<>]+)(?:\|[^<>]*)?>")
CONTROL = re.compile(r"[\x00-\x1f\x7f]")


class IdentifierKind(IntEnum):
    """Ordered strongest first: a customer ID names exactly one customer, a name may match many."""

    CUSTOMER_ID = 0
    SUBSCRIPTION_ID = 1
    INVOICE_ID = 2
    CHARGE_ID = 3
    PAYMENT_INTENT_ID = 4
    INVOICE_NUMBER = 5
    EMAIL = 6
    METADATA = 7
    CARD = 8
    NAME = 9


ID_PREFIXES: dict[str, IdentifierKind] = {
    "cus": IdentifierKind.CUSTOMER_ID,
    "sub": IdentifierKind.SUBSCRIPTION_ID,
    "in": IdentifierKind.INVOICE_ID,
    "ch": IdentifierKind.CHARGE_ID,
    "pi": IdentifierKind.PAYMENT_INTENT_ID,
}
_NOUNS: dict[IdentifierKind, str] = {
    IdentifierKind.CUSTOMER_ID: "customer",
    IdentifierKind.SUBSCRIPTION_ID: "subscription",
    IdentifierKind.INVOICE_ID: "invoice",
    IdentifierKind.CHARGE_ID: "charge",
    IdentifierKind.PAYMENT_INTENT_ID: "payment",
    IdentifierKind.INVOICE_NUMBER: "invoice number",
    IdentifierKind.EMAIL: "email",
    IdentifierKind.CARD: "card",
    IdentifierKind.NAME: "name",
}
# Stripe numbers invoices PREFIX-SEQUENCE: the customer's invoice_prefix (letters and digits), then a counter.
INVOICE_NUMBER = re.compile(r"[A-Za-z0-9]{3,12}-\d{4,6}")
INVOICE_NUMBER_IN_TEXT = re.compile(r"\b(?=[A-Z0-9]*[A-Z])(?=[A-Z0-9]*\d)[A-Z0-9]{6,12}-\d{4,6}\b")
# `card 4242 08/30`, `card 4242 exp 08/2030`, `last4 4242 Jane Doe`, `•••• 4242 08/30`.
CARD_QUERY = re.compile(
    r"^(?:card|last4|last 4|••••|\*{4})[:\s]*(?P<last4>\d{4})\b\s*"
    r"(?:(?:exp(?:ires|iry)?[:\s]*)?(?P<month>\d{1,2})\s*/\s*(?P<year>\d{4}|\d{2})|(?P<name>\D.*))?$",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class CardHint:
    """What an operator knows of a card: its last 4, and its expiry or its holder's name."""

    last4: str
    exp_month: int | None = None
    exp_year: int | None = None
    name: str | None = None

    def describe(self) -> str:
        if self.exp_month is not None and self.exp_year is not None:
            return f"•••• {self.last4} exp {self.exp_month:02d}/{self.exp_year % 100:02d}"
        return f"•••• {self.last4} of {self.name}"

    def search_query(self) -> str:
        """charges.search on the last 4 (the field Stripe documents); expiry and name are compared with
        the charges and customers found."""
        return f"payment_method_details.card.last4:{quote(self.last4)}"

    def matches(self, card: CardSummary | None, customer_name: str | None) -> bool:
        if card is None or card.last4 != self.last4:
            return False
        if self.exp_month is not None and self.exp_year is not None:
            return (card.exp_month, card.exp_year) == (self.exp_month, self.exp_year)
        words = (self.name or "").lower().split()
        return bool(words) and all(word in (customer_name or "").lower() for word in words)


@dataclass(frozen=True)
class Identifier:
    kind: IdentifierKind
    value: str
    metadata_key: str | None = None
    card: CardHint | None = None

    @property
    def is_object_id(self) -> bool:
        return self.kind <= IdentifierKind.PAYMENT_INTENT_ID

    def describe(self) -> str:
        """How `matched_on` and `tried` read: "email jane@example.com", "subscription sub_…"."""
        if self.kind == IdentifierKind.METADATA:
            return f"{self.metadata_key}:{self.value}"
        if self.card is not None:
            return f"card {self.card.describe()}"
        return f"{_NOUNS[self.kind]} {self.value}"

    def search_query(self) -> str:
        """The Stripe search query for the identifiers that need search (names and metadata)."""
        if self.kind == IdentifierKind.METADATA:
            return f"metadata[{quote(self.metadata_key or '')}]:{quote(self.value)}"
        if self.kind == IdentifierKind.NAME:
            operator = "~" if len(self.value) >= MIN_SUBSTRING_LENGTH else ":"
            return f"name{operator}{quote(self.value)}"
        if self.kind == IdentifierKind.EMAIL:
            return f"email:{quote(self.value)}"
        if self.kind == IdentifierKind.INVOICE_NUMBER:
            return f"number:{quote(self.value)}"
        if self.card is not None:
            return self.card.search_query()
        raise ValueError(f"{self.describe()} is fetched directly, not searched")


def quote(value: str) -> str:
    """A single-quoted Stripe search string. Stripe escapes quotes with a backslash."""
    if "\\" in value or CONTROL.search(value):
        raise BadQuery("Search text cannot contain backslashes or control characters.")
    return "'" + value.replace("'", "\\'") + "'"


def parse_query(text: str, *, metadata_key: str = "github") -> Identifier:
    """One operator query -> one identifier, or BadQuery saying what is accepted."""
    query = _unwrap_slack_link(text.strip()).strip()
    if not query:
        raise BadQuery(USAGE)
    if len(query) > MAX_QUERY_LENGTH:
        raise BadQuery(f"That query is too long (over {MAX_QUERY_LENGTH} characters). {USAGE}")
    if CONTROL.search(query) or "\\" in query:
        raise BadQuery(f"That query has characters a customer lookup cannot use. {USAGE}")
    return (
        _as_stripe_id(query)
        or _as_metadata(query, metadata_key)
        or _as_email(query)
        or _as_invoice_number(query)
        or _as_card(query)
        or Identifier(IdentifierKind.NAME, _as_name(query))
    )


def split_query(text: str) -> tuple[str, str]:
    """`/billing jane@example.com she can't find the cancel button` -> (identifier, the customer's words).

    Only an email, a Stripe ID or `github:handle` can lead: `/billing Jane Doe` stays a name search."""
    parts = text.strip().split(maxsplit=1)
    if len(parts) < 2:
        return text.strip(), ""
    first = _unwrap_slack_link(parts[0])
    leads = (
        EMAIL.fullmatch(first)
        or ANY_STRIPE_ID.match(first)
        or INVOICE_NUMBER.fullmatch(first)
        or re.match(r"^[\w-]+:@?[\w.-]+$", first)
    )
    return (parts[0], parts[1].strip()) if leads else (text.strip(), "")


def identifiers_in_message(text: str, *, metadata_key: str = "github") -> list[Identifier]:
    """Every Stripe ID and email in a support message, strongest first, each once."""
    plain = SLACK_LINK.sub(lambda match: f" {match[1]} ", text)
    found: list[Identifier] = []
    for match in STRIPE_ID.finditer(plain):
        if _looks_generated(match[0]):
            found.append(Identifier(ID_PREFIXES[match[1]], match[0]))
    found += [Identifier(IdentifierKind.EMAIL, match[0]) for match in EMAIL.finditer(plain)]
    found += [
        Identifier(IdentifierKind.INVOICE_NUMBER, match[0])
        for match in INVOICE_NUMBER_IN_TEXT.finditer(plain)
    ]
    handle = re.compile(rf"(?<![\w@]){re.escape(metadata_key)}:@?([A-Za-z0-9][A-Za-z0-9._-]*)", re.I)
    found += [
        Identifier(IdentifierKind.METADATA, match[1].rstrip("._-"), metadata_key)
        for match in handle.finditer(plain)
    ]
    return _strongest_first_unique(found)


def _strongest_first_unique(identifiers: list[Identifier]) -> list[Identifier]:
    seen: set[tuple[IdentifierKind, str]] = set()
    unique = []
    # sorted() is stable: within one kind, the order of appearance in the message is kept.
    for identifier in sorted(identifiers, key=lambda identifier: identifier.kind):
        key = (identifier.kind, identifier.value.lower())
        if key not in seen:
            seen.add(key)
            unique.append(identifier)
    return unique


def _looks_generated(stripe_id: str) -> bool:
    """`in_progress` is English, `in_1Pgc6t…` is an ID: real IDs carry digits or capitals."""
    suffix = stripe_id.split("_", 1)[1]
    return len(suffix) >= 8 and any(char.isdigit() or char.isupper() for char in suffix)


def _unwrap_slack_link(text: str) -> str:
    match = SLACK_LINK.fullmatch(text)
    return match[1] if match else text


def _as_stripe_id(query: str) -> Identifier | None:
    match = ANY_STRIPE_ID.match(query)
    if match is None or " " in query:
        return None
    kind = ID_PREFIXES.get(match[1])
    if kind is None and match[1] in OTHER_STRIPE_PREFIXES:
        supported = ", ".join(f"{prefix}_" for prefix in ID_PREFIXES)
        raise BadQuery(
            f"`{match[1]}_…` IDs are not supported for lookups; use one of {supported}, or an email."
        )
    return Identifier(kind, query) if kind is not None else None


def _as_metadata(query: str, metadata_key: str) -> Identifier | None:
    prefix = f"{metadata_key}:"
    if not query.lower().startswith(prefix.lower()):
        return None
    handle = query[len(prefix) :].strip().removeprefix("@")
    if not HANDLE.match(handle):
        raise BadQuery(f"Expected `{metadata_key}:handle` with letters, digits, `.`, `_` or `-`.")
    return Identifier(IdentifierKind.METADATA, handle, metadata_key)


def _as_email(query: str) -> Identifier | None:
    if "@" not in query:
        return None
    if not EMAIL.fullmatch(query):
        raise BadQuery(f"`{query}` is not a valid email address. {USAGE}")
    return Identifier(IdentifierKind.EMAIL, query)


def _as_invoice_number(query: str) -> Identifier | None:
    return (
        Identifier(IdentifierKind.INVOICE_NUMBER, query.upper()) if INVOICE_NUMBER.fullmatch(query) else None
    )


def _as_card(query: str) -> Identifier | None:
    match = CARD_QUERY.match(query)
    if match is None:
        return None
    last4 = match["last4"]
    if match["month"]:
        month, year = int(match["month"]), int(match["year"])
        if not 1 <= month <= 12:
            raise BadQuery(
                f"`{match['month']}` is not a month. Write the expiry as MM/YY, e.g. `card 4242 08/30`."
            )
        hint = CardHint(last4, exp_month=month, exp_year=year + 2000 if year < 100 else year)
    elif match["name"] and len(match["name"].strip()) >= 2:
        hint = CardHint(last4, name=" ".join(match["name"].split()))
    else:
        raise BadQuery(
            "The last 4 digits alone match too many cards: add the expiry (`card 4242 08/30`) "
            "or the cardholder's name (`card 4242 Jane Doe`)."
        )
    return Identifier(IdentifierKind.CARD, last4, card=hint)


def _as_name(query: str) -> str:
    name = " ".join(query.split())
    if len(name) < 2:
        raise BadQuery(f"A name needs at least 2 characters. {USAGE}")
    return name
