"""RuleClassifier: weigh the customer's words (cues.py) and the Stripe state together, as an expert would.

The principles, in the order they are applied:
1. A message in a language we do not read gets no suggestion, only the state facts, and says so.
2. What the customer says they intended beats the account's shape: two subscriptions "for my husband"
   are seats, not a duplicate; "charged 5 times" on a 5-seat subscription is a per-seat question; a
   monthly and a yearly of one product bought close together is a switch that left the old plan running
   (a duplicate to end and refund) unless the words say each plan has its own user ("the yearly is for the team").
3. A card decline, an expired card or a checkout that errored while paying is a failed payment whatever
   words like "broken" appear (breakage in a clause about paying counts as a failed payment).
4. A cancellation blocked by missing or unfindable self-serve controls is missing self-serve, even when a
   renewal then failed; an open dispute, a chargeback threat or a broken product is a trust break
   (product failure). Either makes a failed renewal in the state a symptom, not the case.
5. When the words are silent, the state decides.
Every bucket gets a score; the highest is suggested, with "unsure between" when the next is close.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from billing.classify.complaint import readable
from billing.classify.cues import CUES, NEGATIONS, PAYING, Cue
from billing.classify.language import unread_language
from billing.classify.suggestion import NO_SUGGESTION, Suggestion
from billing.classify.words import Match, Words
from billing.models import (
    Anomaly,
    AnomalyKind,
    BillingRecords,
    Bucket,
    CardSummary,
    PortalConfiguration,
    Subscription,
    oldest_first,
)

# State evidence, on the cue scale.
DUPLICATE_SHAPE = 2.5
MULTI_SEAT = 2.5
PAYMENT_PROBLEM = 2.5
OPEN_DISPUTE = 3.0
PORTAL_BLOCKS_CANCEL = 1.5
SEATS_OVER_TIME = 2.0
OVERLAP_SHAPE = 2.5
# "Cancel the monthly one" beside an overlap asks for the overlap's fix, not for a cancel button.
OVERLAP_NAMED = 1.5
SAME_PURCHASE_GAP = 24 * 3600
DUPLICATE_WINDOW = 7 * 24 * 3600
# A symptom (a failed renewal when the customer could not cancel, or stopped paying over a broken product).
SYMPTOM_FACTOR = 0.4
UNSURE_RATIO = 0.75
# Below this much evidence a lone bucket is still a guess (one hint, or the state alone).
STRONG_EVIDENCE = 4.0
MAX_QUOTES = 3
MAX_FACTS = 4
# Ties go to the bucket whose fix is most urgent (money taken twice first).
PRIORITY = (
    Bucket.DUPLICATE,
    Bucket.PRODUCT_FAILURE,
    Bucket.FAILED_PAYMENT,
    Bucket.MISSING_SELF_SERVE,
    Bucket.TEAM,
)
SELF_SERVE_TOPIC = re.compile(
    r"\b(cancel\w*|unsubscribe|subscription|plan|invoices?|receipts?|card|button|option|account|stop|close|"
    r"downgrade|switch|settings?|billing page)\b"
)
TIMES = re.compile(
    r"\b(charged|billed|charges|payments)\b(?: \S+){0,2} (\d+|two|three|four|five|six|seven|eight|nine|ten) times\b"
)
NUMBERS = {"two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9, "ten": 10}
PROBLEMS = (Bucket.FAILED_PAYMENT, Bucket.MISSING_SELF_SERVE, Bucket.PRODUCT_FAILURE)
ACCIDENT_WEIGHT = next(cue.weight for cue in CUES if cue.name == "by accident")
FAILED_PAYMENT_KINDS = frozenset(
    {AnomalyKind.PAST_DUE, AnomalyKind.UNPAID, AnomalyKind.INCOMPLETE, AnomalyKind.FAILED_PAYMENT}
)


@dataclass
class Tally:
    """Scores per bucket with the quotes and facts behind each."""

    scores: dict[Bucket, float] = field(default_factory=lambda: dict.fromkeys(Bucket, 0.0))
    quotes: dict[Bucket, list[str]] = field(default_factory=lambda: {bucket: [] for bucket in Bucket})
    facts: dict[Bucket, list[str]] = field(default_factory=lambda: {bucket: [] for bucket in Bucket})
    cues: set[str] = field(default_factory=set)

    def words(self, bucket: Bucket, weight: float, quote: str, cue: str) -> None:
        self.scores[bucket] += weight
        self.cues.add(cue)
        if weight > 0 and quote not in self.quotes[bucket]:
            self.quotes[bucket].append(quote)

    def state(self, bucket: Bucket, weight: float, fact: str) -> None:
        self.scores[bucket] += weight
        if fact not in self.facts[bucket]:
            self.facts[bucket].append(fact)


class RuleClassifier:
    """Deterministic and offline: the same records and words always give the same suggestion."""

    def classify(
        self, records: BillingRecords, anomalies: Sequence[Anomaly], complaint: str = ""
    ) -> Suggestion:
        text = readable(complaint)
        language = unread_language(text)
        state = StateReading(records, anomalies)
        if language is not None:
            return _unread(language, state)
        tally = Tally()
        words = Words(text)
        _read_words(words, tally)
        _mistake_is_the_cancellation(tally)
        _per_seat_charges(words, tally, state)
        word_scores = dict(tally.scores)
        state.weigh(tally, word_scores)
        return _suggest(tally)


# --- the words ----------------------------------------------------------------------------------------


def _read_words(words: Words, tally: Tally) -> None:
    self_serve_topic = bool(SELF_SERVE_TOPIC.search(words.joined))
    for cue in CUES:
        matches = words.find(cue.pattern)
        if cue.name == "cannot find it" and not self_serve_topic:
            continue
        counted = False
        for match in matches:
            negated = cue.negatable and _negated(words, match)
            if negated:
                _negated_cue(cue, words, match, tally)
            elif not counted:
                bucket = cue.bucket
                if cue.breakage and PAYING.search(words.clause_text(match.clause)):
                    bucket = Bucket.FAILED_PAYMENT
                tally.words(bucket, cue.weight, words.quote(match), cue.name)
                counted = True


def _mistake_is_the_cancellation(tally: Tally) -> None:
    """ "Cancelled by mistake": the accident is the cancellation, not a second purchase."""
    if {"undo a cancellation", "by accident"} <= tally.cues:
        tally.words(Bucket.DUPLICATE, -ACCIDENT_WEIGHT, "", "by accident")


def _negated(words: Words, match: Match) -> bool:
    return any(token in NEGATIONS for token in words.preceding(match, 3))


def _negated_cue(cue: Cue, words: Words, match: Match, tally: Tally) -> None:
    """ "Not a duplicate" is a statement of intent: two seats on purpose. "No team": one person."""
    quote = words.quote(match)
    if cue.bucket == Bucket.DUPLICATE:
        tally.words(Bucket.DUPLICATE, -cue.weight, quote, "not a duplicate")
        tally.words(Bucket.TEAM, 2, quote, "not a duplicate")
    elif cue.bucket == Bucket.TEAM:
        tally.words(Bucket.TEAM, -cue.weight, quote, "no team")
        tally.words(Bucket.DUPLICATE, 1, quote, "no team")
    elif cue.bucket == Bucket.MISSING_SELF_SERVE:
        tally.words(Bucket.MISSING_SELF_SERVE, -2, quote, "do not cancel")


def _per_seat_charges(words: Words, tally: Tally, state: StateReading) -> None:
    """ "Charged 5 times" on a 5-seat subscription: each seat is a line, not a repeated charge."""
    for match in words.find(TIMES):
        count_word = words.joined.split(" ")[match.last_token - 1]
        count = NUMBERS.get(count_word) or (int(count_word) if count_word.isdigit() else 0)
        if count > 1 and count in state.seat_counts():
            tally.words(Bucket.TEAM, 3, words.quote(match), "charged per seat")
            tally.cues.add("intent: seats")
            return


# --- the state ----------------------------------------------------------------------------------------


class StateReading:
    def __init__(self, records: BillingRecords, anomalies: Sequence[Anomaly]) -> None:
        self.records = records
        self.anomalies = list(anomalies)
        self.live = [sub for sub in records.subscriptions if sub.is_live]

    def seat_counts(self) -> set[int]:
        return {sub.quantity for sub in self.live}

    def weigh(self, tally: Tally, word_scores: dict[Bucket, float]) -> None:
        intent_seats = bool(
            {"for another person", "not a duplicate", "intent: seats", "own login"} & tally.cues
        )
        intent_seats = intent_seats or "for the team" in tally.cues
        self._same_product_pairs(tally, intent_seats)
        self._overlap(tally, intent_seats)
        # Seats are a shape of account, not a problem: when the words name a problem, they are context.
        problem_named = any(word_scores[bucket] >= 3 for bucket in PROBLEMS)
        self._seats(tally, SYMPTOM_FACTOR if problem_named and word_scores[Bucket.TEAM] < 2 else 1.0)
        self._disputes(tally)
        symptom = (
            word_scores[Bucket.MISSING_SELF_SERVE] >= 3.5 or word_scores[Bucket.PRODUCT_FAILURE] >= 3
        ) and word_scores[Bucket.FAILED_PAYMENT] < 3
        self._payment_problems(tally, SYMPTOM_FACTOR if symptom else 1.0)
        if word_scores[Bucket.MISSING_SELF_SERVE] > 0:
            self._portal(tally)

    def facts(self) -> list[str]:
        tally = Tally()
        self._same_product_pairs(tally, intent_seats=False)
        self._overlap(tally, intent_seats=False)
        self._seats(tally)
        self._disputes(tally)
        self._payment_problems(tally, 1.0)
        return [fact for bucket in PRIORITY for fact in tally.facts[bucket]]

    def _same_product_pairs(self, tally: Tally, intent_seats: bool) -> None:
        # Oldest first; within one second, Stripe's own list order (newest first) breaks the tie, never IDs.
        singles = oldest_first([sub for sub in self.live if sub.quantity == 1])
        for index, newer in enumerate(singles):
            for older in singles[:index]:
                if not _same_plan(newer, older):
                    continue
                gap = int((newer.created - older.created).total_seconds())
                fact = _pair_fact(older, newer, gap, self.records.customer.default_payment_method)
                if gap > DUPLICATE_WINDOW or intent_seats:
                    tally.state(
                        Bucket.TEAM, SEATS_OVER_TIME if gap > DUPLICATE_WINDOW else DUPLICATE_SHAPE, fact
                    )
                elif gap <= SAME_PURCHASE_GAP and _same_card(older, newer):
                    tally.state(Bucket.DUPLICATE, DUPLICATE_SHAPE, fact)
                else:
                    tally.state(Bucket.DUPLICATE, 1.5, fact)
                    tally.state(Bucket.TEAM, 1.0, fact)
                return

    def _overlap(self, tally: Tally, intent_seats: bool) -> None:
        """A monthly and a yearly of one product bought close together: a switch that left the old plan
        running, so a duplicate to end and refund, unless the words say each plan has its own user."""
        overlaps = [anomaly for anomaly in self.anomalies if anomaly.kind == AnomalyKind.OVERLAPPING_PLANS]
        if not overlaps:
            return
        if intent_seats:
            tally.state(Bucket.TEAM, OVERLAP_SHAPE, overlaps[0].summary)
            return
        named = OVERLAP_NAMED if "names a billing period" in tally.cues else 0.0
        tally.state(Bucket.DUPLICATE, OVERLAP_SHAPE + named, overlaps[0].summary)

    def _seats(self, tally: Tally, factor: float = 1.0) -> None:
        for sub in self.live:
            if sub.quantity > 1:
                tally.state(
                    Bucket.TEAM, MULTI_SEAT * factor, f"{_plan(sub)} has {sub.quantity} seats ({sub.id})"
                )
                return

    def _disputes(self, tally: Tally) -> None:
        for anomaly in self.anomalies:
            if anomaly.kind == AnomalyKind.OPEN_DISPUTE:
                tally.state(Bucket.PRODUCT_FAILURE, OPEN_DISPUTE, anomaly.summary)
                return

    def _payment_problems(self, tally: Tally, factor: float) -> None:
        problems = [anomaly for anomaly in self.anomalies if anomaly.kind in FAILED_PAYMENT_KINDS]
        if problems:
            tally.state(Bucket.FAILED_PAYMENT, PAYMENT_PROBLEM * factor, problems[0].summary)

    def _portal(self, tally: Tally) -> None:
        configurations = self.records.portal_configurations
        if not configurations:
            tally.state(Bucket.MISSING_SELF_SERVE, 0.5, "Customer portal settings unknown")
        elif not _portal_allows_cancel(configurations):
            tally.state(
                Bucket.MISSING_SELF_SERVE,
                PORTAL_BLOCKS_CANCEL,
                "The customer portal does not let customers cancel",
            )
        else:
            tally.state(
                Bucket.MISSING_SELF_SERVE,
                0.0,
                "The customer portal allows cancelling, but the customer did not find it",
            )


def _same_plan(newer: Subscription, older: Subscription) -> bool:
    intervals = {item.price.interval for item in (*newer.items, *older.items)}
    return bool(newer.product_ids & older.product_ids) and len(intervals) == 1


def _same_card(older: Subscription, newer: Subscription) -> bool:
    card, other = older.default_payment_method, newer.default_payment_method
    return card is None or other is None or card == other


def _pair_fact(older: Subscription, newer: Subscription, gap: int, default: CardSummary | None) -> str:
    """Which card pays for which: a second card is often a retried checkout, sometimes a second person."""
    when = f"{_gap(gap)} apart" if gap else "in the same second"
    cards = [sub.default_payment_method or default for sub in (older, newer)]
    head = f"2 live {_plan(older)} subscriptions created {when}"
    if cards[0] == cards[1]:
        paid_by = f", both paid by {cards[0].short_label()}" if cards[0] else ""
        return f"{head}{paid_by} ({older.id}, then {newer.id})"
    labels = [card.short_label() if card else "no card on file" for card in cards]
    return f"{head}: {older.id} paid by {labels[0]}, then {newer.id} paid by {labels[1]}"


def _portal_allows_cancel(configurations: list[PortalConfiguration]) -> bool:
    default = [config for config in configurations if config.is_default and config.active]
    return any(config.subscription_cancel for config in default)


def _plan(sub: Subscription) -> str:
    names = [item.price.product_name or item.price.nickname or item.price.product_id for item in sub.items]
    return ", ".join(dict.fromkeys(names)) or sub.id


def _gap(seconds: int) -> str:
    for unit, size in (("day", 86400), ("hour", 3600), ("minute", 60)):
        if seconds >= size:
            count = seconds // size
            return f"{count} {unit}{'s' if count != 1 else ''}"
    return f"{seconds} second{'s' if seconds != 1 else ''}"


# --- the suggestion -----------------------------------------------------------------------------------


def _suggest(tally: Tally) -> Suggestion:
    ranked = sorted(Bucket, key=lambda bucket: (-tally.scores[bucket], PRIORITY.index(bucket)))
    top, second = ranked[0], ranked[1]
    top_score, second_score = tally.scores[top], max(0.0, tally.scores[second])
    if top_score <= 0:
        return Suggestion(reason=NO_SUGGESTION)
    positive = sum(max(0.0, score) for score in tally.scores.values())
    unsure = second_score > 0 and second_score >= UNSURE_RATIO * top_score
    quotes = tally.quotes[top][:MAX_QUOTES]
    facts = tally.facts[top] + [fact for bucket in ranked[1:] for fact in tally.facts[bucket]]
    return Suggestion(
        bucket=top,
        # How much of the evidence points here, scaled down when there is little evidence at all.
        confidence=round(top_score / positive * min(1.0, top_score / STRONG_EVIDENCE), 2),
        runner_up=second if unsure else None,
        reason=_reason(top, quotes, tally.facts[top]),
        quotes=quotes,
        facts=list(dict.fromkeys(facts))[:MAX_FACTS],
    )


def _reason(bucket: Bucket, quotes: list[str], facts: list[str]) -> str:
    parts = []
    if quotes:
        parts.append(f"the customer wrote “{quotes[0]}”")
    if facts:
        parts.append(facts[0])
    if not parts:
        return bucket.label
    return ". ".join(part[0].upper() + part[1:] for part in parts) + "."


def _unread(language: str, state: StateReading) -> Suggestion:
    return Suggestion(
        reason=f"The message looks like {language}; I read English only, so I did not guess. Read it yourself.",
        facts=state.facts()[:MAX_FACTS],
        unread_language=language,
    )
