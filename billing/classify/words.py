"""The customer's words as normalised tokens that remember where they came from.

Cues are regular expressions over the normalised tokens joined by single spaces; a match maps back to
the customer's own words (for quoting) and to its clause (for cues that depend on what is near them).
Normalising: lower case, contractions folded ("can't" -> "cannot"), `card_declined` split, and common
misspellings of the words the cues need corrected by edit distance ("cancell", "subscribtion", "faild").
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache


def word_set(text: str) -> frozenset[str]:
    return frozenset(text.split())


TOKEN = re.compile(r"[$]?[^\W_]+(?:['’][^\W_]+)*|[$]")
CLAUSE_BREAK = re.compile(r"[.!?;,\n:()]|\bbut\b|\band now\b", re.IGNORECASE)
SENTENCE_BREAK = re.compile(r"(?<=[.!?\n])\s+|\n")
CONTRACTIONS = {
    "can't": "cannot",
    "cant": "cannot",
    "couldn't": "couldnt",
    "don't": "dont",
    "doesn't": "doesnt",
    "didn't": "didnt",
    "isn't": "isnt",
    "wasn't": "wasnt",
    "won't": "wont",
    "haven't": "havent",
    "i'm": "im",
    "it's": "its",
    "there's": "theres",
    "you're": "youre",
    "i've": "ive",
    "i'd": "id",
    "we're": "were",
    "that's": "thats",
    "u": "you",
    "pls": "please",
    "plz": "please",
    "ppl": "people",
    "thx": "thanks",
}
# The words cues are written with; a token within edit distance of one of them is read as it.
VOCABULARY = word_set("""
    cancel cancelled canceled cancellation subscription subscriptions subscribe subscribed unsubscribe
    charged charges charge twice double duplicate duplicated payment payments failed failing declined
    decline rejected rejecting refused refund refunded broken working crashing crashed crashes outage
    dispute disputed disputing chargeback anywhere button option invoice invoices seats licence license
    licences licenses members colleague coworker employees expired insufficient update account
    accidentally accident downgrade unusable disappeared workspace
    change changes changed switch pause trial receipt receipts yearly annual reactivate
    """)
MIN_FUZZY_LENGTH = 5


@dataclass(frozen=True)
class Token:
    norm: str
    start: int  # in the original text
    end: int
    clause: int


@dataclass(frozen=True)
class Match:
    start: int  # in the original text
    end: int
    clause: int
    first_token: int
    last_token: int


class Words:
    def __init__(self, text: str) -> None:
        self.text = text
        self.tokens = _tokens(text)
        self.joined = " ".join(token.norm for token in self.tokens)
        self._offsets: list[int] = []
        position = 0
        for token in self.tokens:
            self._offsets.append(position)
            position += len(token.norm) + 1

    def find(self, pattern: re.Pattern[str]) -> list[Match]:
        matches = []
        for found in pattern.finditer(self.joined):
            first, last = self._token_at(found.start()), self._token_at(max(found.start(), found.end() - 1))
            if first is None or last is None:
                continue
            tokens = self.tokens
            matches.append(Match(tokens[first].start, tokens[last].end, tokens[first].clause, first, last))
        return matches

    def clause_text(self, clause: int) -> str:
        return " ".join(token.norm for token in self.tokens if token.clause == clause)

    def preceding(self, match: Match, count: int) -> list[str]:
        first = max(0, match.first_token - count)
        return [
            token.norm for token in self.tokens[first : match.first_token] if token.clause == match.clause
        ]

    def quote(self, match: Match, limit: int = 120) -> str:
        """The sentence the match is in, in the customer's own words, clipped around the match."""
        start = max((m.end() for m in SENTENCE_BREAK.finditer(self.text, 0, match.start)), default=0)
        following = SENTENCE_BREAK.search(self.text, match.end)
        end = following.start() if following else len(self.text)
        sentence = " ".join(self.text[start:end].split()).rstrip(" -—–:,")
        if len(sentence) <= limit:
            return sentence
        core = " ".join(self.text[match.start : match.end].split())
        return core if len(core) <= limit else core[: limit - 1] + "…"

    def _token_at(self, offset: int) -> int | None:
        # The last token starting at or before `offset`.
        low, high = 0, len(self._offsets) - 1
        found = None
        while low <= high:
            middle = (low + high) // 2
            if self._offsets[middle] <= offset:
                found, low = middle, middle + 1
            else:
                high = middle - 1
        return found


def _tokens(text: str) -> list[Token]:
    clause_starts = [0, *(match.end() for match in CLAUSE_BREAK.finditer(text))]
    tokens = []
    clause = 0
    for match in TOKEN.finditer(text):
        while clause + 1 < len(clause_starts) and clause_starts[clause + 1] <= match.start():
            clause += 1
        for part in normalise(match[0]).split():
            tokens.append(Token(part, match.start(), match.end(), clause))
    return tokens


@cache
def normalise(word: str) -> str:
    lowered = word.lower().replace("’", "'")
    if lowered in CONTRACTIONS:
        return CONTRACTIONS[lowered]
    if "'" in lowered:
        lowered = lowered.replace("'", "")
    if len(lowered) < MIN_FUZZY_LENGTH or lowered in VOCABULARY or not lowered.isalpha():
        return lowered
    return _closest(lowered) or lowered


def _closest(word: str) -> str | None:
    allowed = 1 if len(word) < 8 else 2
    best: tuple[int, str] | None = None
    for known in VOCABULARY:
        if abs(len(known) - len(word)) > allowed or known[0] != word[0]:
            continue
        distance = _distance(word, known, allowed)
        if distance <= allowed and (best is None or distance < best[0]):
            best = (distance, known)
    return best[1] if best else None


def _distance(a: str, b: str, bound: int) -> int:
    """Damerau-Levenshtein (optimal string alignment), giving up past `bound`."""
    previous2: list[int] = []
    previous = list(range(len(b) + 1))
    for i in range(1, len(a) + 1):
        current = [i] + [0] * len(b)
        for j in range(1, len(b) + 1):
            cost = 0 if a[i - 1] == b[j - 1] else 1
            current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
            if i > 1 and j > 1 and a[i - 1] == b[j - 2] and a[i - 2] == b[j - 1]:
                current[j] = min(current[j], previous2[j - 2] + 1)
        if min(current) > bound:
            return bound + 1
        previous2, previous = previous, current
    return previous[len(b)]
