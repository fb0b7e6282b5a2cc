from __future__ import annotations

import pytest

from billing.errors import BadQuery
from billing.identity import Identifier, IdentifierKind, identifiers_in_message, parse_query, quote

Kind = IdentifierKind


@pytest.mark.parametrize(
    ("text", "kind", "value"),
    [
        ("jane@example.com", Kind.EMAIL, "jane@example.com"),
        ("  Jane.Doe+billing@example.co.uk ", Kind.EMAIL, "Jane.Doe+billing@example.co.uk"),
        ("<mailto:jane@example.com|jane@example.com>", Kind.EMAIL, "jane@example.com"),
        ("cus_QXg1o8vcGmoR32", Kind.CUSTOMER_ID, "cus_QXg1o8vcGmoR32"),
        ("sub_1Pgc6rB7WZ01zgkW", Kind.SUBSCRIPTION_ID, "sub_1Pgc6rB7WZ01zgkW"),
        ("in_1Pgc6tB7WZ01zgkW", Kind.INVOICE_ID, "in_1Pgc6tB7WZ01zgkW"),
        ("ch_1PgafuB7WZ01zgkW", Kind.CHARGE_ID, "ch_1PgafuB7WZ01zgkW"),
        ("pi_3MtwBwLkdIwHu7ix", Kind.PAYMENT_INTENT_ID, "pi_3MtwBwLkdIwHu7ix"),
        ("github:octocat", Kind.METADATA, "octocat"),
        ("GitHub:@octo-cat", Kind.METADATA, "octo-cat"),
        ("Jane   Doe", Kind.NAME, "Jane Doe"),
        ("john_smith", Kind.NAME, "john_smith"),
        ("Seán O'Brien", Kind.NAME, "Seán O'Brien"),
    ],
)
def test_parse_query_recognises_each_identifier(text: str, kind: IdentifierKind, value: str) -> None:
    identifier = parse_query(text)
    assert (identifier.kind, identifier.value) == (kind, value)


def test_metadata_key_is_configurable() -> None:
    identifier = parse_query("gitlab:octocat", metadata_key="gitlab")
    assert identifier == Identifier(Kind.METADATA, "octocat", "gitlab")
    assert parse_query("github:octocat", metadata_key="gitlab").kind == Kind.NAME


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "Look a customer up by email"),
        ("   ", "Look a customer up by email"),
        ("jane@", "not a valid email address"),
        ("re_1Pgc72B7WZ01zgkW", "`re_…` IDs are not supported"),
        ("github:", "Expected `github:handle`"),
        ("j", "at least 2 characters"),
        ("a" * 201, "too long"),
        ("Jane\\ Doe", "characters a customer lookup cannot use"),
    ],
)
def test_parse_query_rejects_bad_input_with_a_clear_message(text: str, message: str) -> None:
    with pytest.raises(BadQuery) as raised:
        parse_query(text)
    assert message in raised.value.message


def test_search_queries_are_quoted_and_escaped() -> None:
    assert parse_query("Seán O'Brien").search_query() == "name~'Seán O\\'Brien'"
    assert parse_query("Al").search_query() == "name:'Al'"
    assert parse_query("github:octocat").search_query() == "metadata['github']:'octocat'"
    assert parse_query("jane@example.com").search_query() == "email:'jane@example.com'"


def test_quote_refuses_what_stripe_cannot_escape() -> None:
    with pytest.raises(BadQuery):
        quote("a\\' OR name:'x")


def test_object_ids_are_fetched_not_searched() -> None:
    with pytest.raises(ValueError):
        parse_query("cus_QXg1o8vcGmoR32").search_query()


def test_describe_reads_as_matched_on() -> None:
    assert parse_query("jane@example.com").describe() == "email jane@example.com"
    assert parse_query("sub_1Pgc6rB7WZ01zgkW").describe() == "subscription sub_1Pgc6rB7WZ01zgkW"
    assert parse_query("github:octocat").describe() == "github:octocat"


def test_identifiers_in_message_strongest_first_and_deduplicated() -> None:
    text = (
        "Hi, I'm <mailto:Jane@Example.com|Jane@Example.com> and I was charged twice! "
        "Receipt ch_1PgafuB7WZ01zgkWXYmP, subscription sub_1Pgc6rB7WZ01zgkWNy0C and again "
        "sub_1Pgc6rB7WZ01zgkWNy0C. My account is cus_QXg1o8vcGmoR32, also jane@example.com. "
        "The upgrade is in_progress. github:octocat"
    )
    found = identifiers_in_message(text)
    assert [(identifier.kind, identifier.value) for identifier in found] == [
        (Kind.CUSTOMER_ID, "cus_QXg1o8vcGmoR32"),
        (Kind.SUBSCRIPTION_ID, "sub_1Pgc6rB7WZ01zgkWNy0C"),
        (Kind.CHARGE_ID, "ch_1PgafuB7WZ01zgkWXYmP"),
        (Kind.EMAIL, "Jane@Example.com"),
        (Kind.METADATA, "octocat"),
    ]


def test_identifiers_in_message_finds_nothing_in_plain_text() -> None:
    assert identifiers_in_message("my card was charged twice, please help") == []


def test_an_invoice_number_whose_prefix_is_all_digits_is_still_an_invoice_number() -> None:
    # Stripe's invoice prefixes are 3-12 uppercase letters or digits: all digits happens (about 2% of the
    # sandbox's random hex prefixes), and such a query must not fall through to a name search.
    from billing.identity import IdentifierKind, parse_query

    assert parse_query("52816421-0001").kind == IdentifierKind.INVOICE_NUMBER
