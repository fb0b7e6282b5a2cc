"""RuleClassifier: the expert's principles, each on the smallest state and message that shows it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from billing.classify import RuleClassifier, Suggestion, clean_complaint
from billing.classify.language import unread_language
from billing.classify.words import normalise
from billing.errors import BadQuery
from billing.identity import parse_query, split_query
from billing.models import BillingRecords, Bucket, Dispute, Subscription
from billing.snapshot import find_anomalies
from tests.unit.fake_gateway import T0, card, portal, price, records, subscription

NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)
DISPUTE = Dispute(
    id="dp_Open0001",
    charge_id="ch_X0000001",
    amount=2000,
    currency="usd",
    status="needs_response",
    reason="fraudulent",
    created=T0,
)
CANCEL_OFF = [portal(cancel=False)]


def classify(the_records: BillingRecords, words: str = "") -> Suggestion:
    return RuleClassifier().classify(the_records, find_anomalies(the_records, now=NOW), words)


def twins(gap: timedelta = timedelta(minutes=2), **newer: object) -> list[Subscription]:
    return [
        subscription("sub_A0000001"),
        subscription("sub_B0000001", created=T0 + gap, **newer),  # type: ignore[arg-type]
    ]


def one(**fields: object) -> BillingRecords:
    return records(subscriptions=[subscription(**fields)], portal_configurations=CANCEL_OFF)  # type: ignore[arg-type]


# --- the state decides when the words are silent --------------------------------------------------


@pytest.mark.parametrize(
    ("the_records", "bucket"),
    [
        (records(subscriptions=twins()), Bucket.DUPLICATE),
        (records(subscriptions=[subscription(quantity=5)]), Bucket.TEAM),
        (records(subscriptions=[subscription(status="past_due")]), Bucket.FAILED_PAYMENT),
        (records(subscriptions=[subscription()], disputes=[DISPUTE]), Bucket.PRODUCT_FAILURE),
        (records(subscriptions=twins(timedelta(days=21))), Bucket.TEAM),
        (records(subscriptions=[subscription()]), None),
    ],
)
def test_silent_words_leave_the_decision_to_the_state(
    the_records: BillingRecords, bucket: Bucket | None
) -> None:
    assert classify(the_records, "hi, can you check my account?").bucket == bucket


def test_past_due_team_is_a_failed_payment_not_a_team_question() -> None:
    assert classify(records(subscriptions=[subscription(status="past_due", quantity=5)])).bucket == (
        Bucket.FAILED_PAYMENT
    )


# --- intent beats the account's shape ----------------------------------------------------------------


def test_two_subscriptions_for_my_husband_are_seats_not_a_duplicate() -> None:
    suggestion = classify(records(subscriptions=twins()), "one for me and one for my husband")
    assert suggestion.bucket == Bucket.TEAM
    assert suggestion.quotes == ["one for me and one for my husband"]


def test_not_a_duplicate_is_read_as_a_negation() -> None:
    assert (
        classify(records(subscriptions=twins()), "Not a duplicate, it's for my colleague").bucket
        == Bucket.TEAM
    )
    assert (
        classify(records(subscriptions=twins()), "this is a duplicate, please fix").bucket == Bucket.DUPLICATE
    )


def test_charged_five_times_on_five_seats_is_a_per_seat_question() -> None:
    assert classify(
        records(subscriptions=[subscription(quantity=5)]), "why was I charged 5 times"
    ).bucket == (Bucket.TEAM)


def test_a_duplicate_retried_on_a_second_card_is_still_a_duplicate_when_they_say_so() -> None:
    subs = twins(default_payment_method=card("mastercard", "4444"))
    suggestion = classify(
        records(subscriptions=subs), "the first card failed so I used my other card, now both charged"
    )
    assert suggestion.bucket == Bucket.DUPLICATE
    assert any("Mastercard •••• 4444" in fact for fact in suggestion.facts)


# --- blocked cancellation, trust breaks, declines ------------------------------------------------------


def test_blocked_cancellation_is_missing_self_serve_even_when_the_renewal_then_failed() -> None:
    suggestion = classify(one(status="past_due"), "I've been trying to cancel for weeks, there's no button")
    assert suggestion.bucket == Bucket.MISSING_SELF_SERVE
    assert "The customer portal does not let customers cancel" in suggestion.facts


def test_cannot_find_cancel_is_missing_self_serve_even_when_the_portal_allows_it() -> None:
    the_records = records(subscriptions=[subscription()], portal_configurations=[portal(cancel=True)])
    suggestion = classify(the_records, "where is the cancel button?? looked everywhere")
    assert suggestion.bucket == Bucket.MISSING_SELF_SERVE


def test_an_outage_and_a_dispute_threat_outrank_a_failed_renewal() -> None:
    suggestion = classify(
        one(status="past_due"), "the product has been down all week, I'm disputing the charge"
    )
    assert suggestion.bucket == Bucket.PRODUCT_FAILURE


def test_a_decline_is_a_failed_payment_even_when_they_call_it_broken() -> None:
    suggestion = classify(one(status="past_due"), "your payment page is broken, it keeps rejecting my card")
    assert suggestion.bucket == Bucket.FAILED_PAYMENT


def test_a_broken_feature_on_a_healthy_account_is_a_product_failure() -> None:
    suggestion = classify(one(), "the export has been broken for a week, I want my money back")
    assert suggestion.bucket == Bucket.PRODUCT_FAILURE
    assert suggestion.quotes == ["the export has been broken for a week, I want my money back"]
    assert suggestion.confidence == 1.0


def test_do_not_cancel_is_not_a_cancellation() -> None:
    suggestion = classify(one(status="past_due"), "Don't cancel my account! my bank blocked the card")
    assert suggestion.bucket == Bucket.FAILED_PAYMENT


# --- how customers write -----------------------------------------------------------------------------


def test_typos_in_the_words_that_matter_are_read() -> None:
    assert classify(one(), "how do i cancell my subscribtion, cant find it anywere").bucket == (
        Bucket.MISSING_SELF_SERVE
    )
    assert [normalise(word) for word in ("chraged", "twise", "faild", "payement")] == [
        "charged",
        "twice",
        "failed",
        "payment",
    ]


def test_slack_formatting_is_read_through_and_not_quoted() -> None:
    words = "<mailto:jane@example.com|jane@example.com> says: *double charged* for `Pro` &amp; wants a refund"
    suggestion = classify(records(subscriptions=twins()), words)
    assert suggestion.bucket == Bucket.DUPLICATE
    assert suggestion.quotes == ["says: double charged for Pro & wants a refund"]


def test_close_buckets_say_unsure_between_them() -> None:
    suggestion = classify(records(subscriptions=[subscription()], disputes=[DISPUTE] * 1), "charged twice!!")
    assert (suggestion.bucket, suggestion.runner_up) == (Bucket.DUPLICATE, Bucket.PRODUCT_FAILURE)
    assert suggestion.unsure


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("Bonjour, je n'arrive pas à annuler mon abonnement. Merci", "French"),
        ("Hallo, ich wurde doppelt belastet, bitte erstatten", "German"),
        ("Hola, quiero cancelar mi suscripción por favor", "Spanish"),
        ("サブスクリプションの解約方法が見つかりません", "Japanese"),
        ("Hi, I need cancel my suscription please, I don't find the option", None),
        ("there are two abonnements on my account", None),
        ("hello?", None),
        ("", None),
    ],
)
def test_language_check(text: str, language: str | None) -> None:
    assert unread_language(text) == language


def test_an_unread_message_gets_no_bucket_but_keeps_the_state_facts() -> None:
    suggestion = classify(
        records(subscriptions=twins()), "Hallo, ich wurde doppelt belastet, bitte erstatten Sie"
    )
    assert suggestion.bucket is None
    assert suggestion.unread_language == "German"
    assert "I read English only" in suggestion.reason
    assert suggestion.facts and "2 live Pro subscriptions" in suggestion.facts[0]


def test_same_input_same_suggestion() -> None:
    the_records = records(subscriptions=twins())
    assert classify(the_records, "charged twice") == classify(the_records, "charged twice")


# --- the complaint as stored --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "stored"),
    [
        ("card 4242 4242 4242 4242 exp 08/30", "card [card number removed] exp 08/30"),
        ("number 4242-4242-4242-4242, cvc: 123", "number [card number removed], cvc [removed]"),
        ("use sk_live_51HabcdefghijklmnopQRS", "use [secret removed]"),
        ("token xoxb-123456789012-abcdefABCDEF", "token [secret removed]"),
        ("my password is hunter2!", "my password is [removed]"),
        ("invoice in_1Pgc6tLkdIwHu7ix and order 12345", "invoice in_1Pgc6tLkdIwHu7ix and order 12345"),
    ],
)
def test_clean_complaint_strips_card_numbers_and_secrets(raw: str, stored: str) -> None:
    assert clean_complaint(raw) == stored


def test_clean_complaint_is_sized() -> None:
    assert len(clean_complaint("x" * 5000, limit=100)) == 100


@pytest.mark.parametrize(
    ("text", "split"),
    [
        (
            "jane@example.com she can't find the cancel button",
            ("jane@example.com", "she can't find the cancel button"),
        ),
        ("sub_1Pgc6tLkdIwHu7ix charged twice", ("sub_1Pgc6tLkdIwHu7ix", "charged twice")),
        ("<mailto:a@b.co|a@b.co> it broke", ("<mailto:a@b.co|a@b.co>", "it broke")),
        ("github:octocat wants out", ("github:octocat", "wants out")),
        ("Jane Doe", ("Jane Doe", "")),
        ("jane@example.com", ("jane@example.com", "")),
    ],
)
def test_split_query_takes_the_words_after_an_email_or_id(text: str, split: tuple[str, str]) -> None:
    assert split_query(text) == split


@pytest.mark.parametrize(
    ("query", "described"),
    [
        ("card 4242 08/30", "card •••• 4242 exp 08/30"),
        ("last4 4242 exp 8/2030", "card •••• 4242 exp 08/30"),
        ("card 4444 Jane Doe", "card •••• 4444 of Jane Doe"),
        ("8f3a2b1c-0002", "invoice number 8F3A2B1C-0002"),
    ],
)
def test_invoice_numbers_and_cards_are_lookup_queries(query: str, described: str) -> None:
    assert parse_query(query).describe() == described


@pytest.mark.parametrize("query", ["card 4242", "card 4242 13/30"])
def test_a_card_needs_its_expiry_or_name(query: str) -> None:
    with pytest.raises(BadQuery):
        parse_query(query)


def test_same_second_subscriptions_are_ordered_by_stripes_list_not_by_id() -> None:
    # Stripe lists newest first: sub_A… was created after sub_Z… although both carry the same second.
    newest, original = subscription("sub_A0000001"), subscription("sub_Z0000001")
    suggestion = classify(records(subscriptions=[newest, original]), "charged twice")
    assert suggestion.facts[0].endswith("(sub_Z0000001, then sub_A0000001)")
    assert "in the same second" in suggestion.facts[0]


def test_the_fact_says_which_card_pays_for_which_subscription() -> None:
    subs = twins(default_payment_method=card("mastercard", "4444"))
    [fact] = classify(records(subscriptions=subs), "").facts
    assert fact == (
        "2 live Pro subscriptions created 2 minutes apart: sub_A0000001 paid by no card on file,"
        " then sub_B0000001 paid by Mastercard •••• 4444"
    )


def test_seats_are_context_when_the_words_name_a_problem() -> None:
    team = records(subscriptions=[subscription(quantity=4)])
    assert (
        classify(team, "nothing syncs anymore since Tuesday, please refund").bucket == Bucket.PRODUCT_FAILURE
    )
    assert classify(team, "we need to add a seat for our new hire").bucket == Bucket.TEAM


@pytest.mark.parametrize(
    "words",
    [
        "How do I turn off auto-renew? I don't want to be charged again",
        "your site makes it impossible to cancel",
    ],
)
def test_ways_of_saying_the_cancellation_is_out_of_reach(words: str) -> None:
    assert classify(one(), words).bucket == Bucket.MISSING_SELF_SERVE


def test_a_case_opened_with_the_card_company_is_a_dispute_not_a_team() -> None:
    words = "I've opened a case with my credit card company about your charge."
    assert classify(one(), words).bucket == Bucket.PRODUCT_FAILURE


def test_the_reason_quotes_the_words_then_names_the_state() -> None:
    suggestion = classify(one(), "I can't find where to cancel")
    assert suggestion.reason == (
        "The customer wrote “I can't find where to cancel”. The customer portal does not let customers cancel."
    )


def test_little_evidence_is_little_confidence() -> None:
    assert classify(records(subscriptions=twins())).confidence == 0.62
    assert classify(one(), "refund please").confidence == 0.25
    assert classify(one(), "I can't find where to cancel").confidence == 1.0


# --- a monthly and a yearly of one product: an accidental switch unless the words say otherwise ------


def overlap(gap: timedelta = timedelta(hours=3), **monthly: object) -> list[Subscription]:
    yearly_price = price("price_Year0001", unit_amount=20000, interval="year")
    return [
        subscription("sub_Mon00001", **monthly),  # type: ignore[arg-type]
        subscription("sub_Yea00001", created=T0 + gap, item_price=yearly_price),
    ]


def test_a_silent_overlap_is_a_duplicate_with_the_overlap_as_evidence() -> None:
    suggestion = classify(records(subscriptions=overlap()), "can you check my account?")
    assert suggestion.bucket == Bucket.DUPLICATE
    assert suggestion.facts[0].startswith("Pro on two billing periods, created 3 hours apart")
    assert "sub_Mon00001" in suggestion.reason


def test_a_switch_that_left_the_monthly_running_is_a_duplicate_even_when_they_ask_to_cancel() -> None:
    words = "I moved to yearly, please cancel the monthly one"
    assert classify(records(subscriptions=overlap(), portal_configurations=CANCEL_OFF), words).bucket == (
        Bucket.DUPLICATE
    )


@pytest.mark.parametrize(
    "words",
    [
        "one for me one for my wife",
        "the yearly is for the team, the monthly is mine",
        "not a duplicate, I want both",
    ],
)
def test_an_overlap_the_customer_says_is_intended_is_team(words: str) -> None:
    suggestion = classify(records(subscriptions=overlap()), words)
    assert suggestion.bucket == Bucket.TEAM
    assert any("two billing periods" in fact for fact in suggestion.facts)


def test_words_about_a_decline_or_a_dispute_beat_the_overlap() -> None:
    declined = records(subscriptions=overlap(status="past_due"))
    assert classify(declined, "my card was declined on renewal").bucket == Bucket.FAILED_PAYMENT
    disputed = records(subscriptions=overlap(), disputes=[DISPUTE])
    assert classify(disputed, "I disputed it, the app was down all week").bucket == Bucket.PRODUCT_FAILURE


def test_an_overlap_bought_weeks_apart_is_no_overlap() -> None:
    assert classify(records(subscriptions=overlap(timedelta(days=30)))).bucket is None


def test_an_unread_message_keeps_the_overlap_fact() -> None:
    suggestion = classify(records(subscriptions=overlap()), "Hallo, ich wurde doppelt belastet")
    assert suggestion.bucket is None
    assert any("two billing periods" in fact for fact in suggestion.facts)


# --- requests the newer tools answer still land in the bucket of their root cause --------------------


@pytest.mark.parametrize(
    ("words", "bucket"),
    [
        ("can you pause my account for 2 months while I'm on leave", Bucket.MISSING_SELF_SERVE),
        ("is possible to put my subscription on hold until march?", Bucket.MISSING_SELF_SERVE),
        ("I need more time to evaluate, my trial ends tomorrow", Bucket.MISSING_SELF_SERVE),
        ("please move me to yearly billing", Bucket.MISSING_SELF_SERVE),
        ("I want change to annual payment", Bucket.MISSING_SELF_SERVE),
        ("please send me the invoice, our company accounting needs it", Bucket.MISSING_SELF_SERVE),
        ("I cancelled by mistake, please keep my plan", Bucket.MISSING_SELF_SERVE),
        ("i accidentaly canceled, can you reactivate my subscription", Bucket.MISSING_SELF_SERVE),
        ("we bought 10 seats but only need 6", Bucket.TEAM),
    ],
)
def test_requests_for_the_newer_tools_keep_their_bucket(words: str, bucket: Bucket) -> None:
    assert classify(one(quantity=10 if "seats" in words else 1), words).bucket == bucket


def test_cancelled_by_mistake_is_not_a_second_purchase() -> None:
    suggestion = classify(one(), "I cancelled by mistake, please keep my plan")
    assert suggestion.runner_up != Bucket.DUPLICATE
    assert "cancelled by mistake" in suggestion.quotes[0]


def test_change_is_not_read_as_charge() -> None:
    assert normalise("change") == "change"
    assert normalise("chnage") == "change"
    assert normalise("chagred") == "charged"
