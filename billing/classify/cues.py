"""What customers write, per bucket: cue patterns over normalised words (billing.classify.words).

Weights are evidence on one scale with the state facts in rules.py (a clear statement is worth about
3, a hint 1-2). `negatable` cues flip when a negation comes just before them ("not a duplicate",
"no team", "don't cancel"). `breakage` cues describe something broken; in a clause about paying
("the payment page is broken", "checkout crashed") they are read as a failed payment instead.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from billing.models import Bucket

NEGATIONS = frozenset({"not", "no", "dont", "doesnt", "didnt", "isnt", "never", "without", "wasnt", "wont"})
PAYING = re.compile(
    r"\b(pay|paid|paying|payment|payments|checkout|card|cards|charge|charged|billing|bank|renewal)\b"
)
PEOPLE = (
    r"husband|wife|partner|colleague|colleagues|coworker|coworkers|daughter|son|kid|kids|child|children|"
    r"mom|mother|dad|father|brother|sister|friend|boss|assistant|employee|employees|new hire|intern"
)
SEAT_NOUNS = (
    r"seat|seats|licence|licences|license|licenses|users|user|members|member|people|persons|employees"
)
COUNT = r"\d+|two|three|four|five|six|seven|eight|nine|ten"
SELF_SERVE_VERBS = r"cancel|unsubscribe|close|stop|downgrade|switch|download|delete"


@dataclass(frozen=True)
class Cue:
    name: str
    bucket: Bucket
    weight: float
    pattern: re.Pattern[str]
    negatable: bool = False
    breakage: bool = False


def _cue(name: str, bucket: Bucket, weight: float, pattern: str, **flags: bool) -> Cue:
    return Cue(name, bucket, weight, re.compile(pattern), **flags)


D, T, F, M, P = (
    Bucket.DUPLICATE,
    Bucket.TEAM,
    Bucket.FAILED_PAYMENT,
    Bucket.MISSING_SELF_SERVE,
    Bucket.PRODUCT_FAILURE,
)

CUES: tuple[Cue, ...] = (
    # --- duplicate personal subscription
    _cue(
        "charged twice",
        D,
        3,
        r"\b(charged|billed|paid|charging|billing|charge|charges|payment|payments|subscribed|went through)\b"
        r"(?: \S+){0,3} (twice|two times|2 times|2x|x2|double|doubled)\b"
        r"|\b(twice|double|doubled|2x) (charged|billed|charge|charges|payment|payments)\b",
    ),
    _cue("both charged", D, 2, r"\b(both|two|2) (were |got |have been )?(charged|billed)\b"),
    _cue("duplicate", D, 3, r"\b(duplicate|duplicated|duplicates)\b", negatable=True),
    _cue(
        "two subscriptions",
        D,
        1,
        r"\b(two|2) (\S+ )?(subscriptions|subscription|accounts|abonnements|plans|payments|payment|charges|"
        r"memberships)\b",
    ),
    _cue(
        "only one",
        D,
        2,
        r"\bonly (want|need|have|ordered|bought|use)( \S+)? (one|1)\b|\b(ordered|bought|paid) only (one|once)\b"
        r"|\bonly once\b|\bonly one (time|account|subscription|plan)\b",
    ),
    _cue(
        "remove the extra one",
        D,
        2,
        r"\b(refund|cancel|delete|remove|stop) (the )?(second|extra|other|new|newer|additional|duplicate)"
        r" (one|subscription|charge|payment)\b|\b(cancel|delete|refund|remove) one( of them)?\b"
        r"|\bextra (charge|one|subscription|payment)\b",
    ),
    _cue(
        "bought again",
        D,
        2.5,
        r"\b(clicked|bought|ordered|purchased|subscribed|signed up|paid)\b(?: \S+){0,6} (twice|two times|2 times|again)\b",
    ),
    _cue(
        "by accident",
        D,
        2,
        r"\b(by accident|accidentally|by mistake|mistakenly|double click|double clicked)\b",
    ),
    _cue(
        "retried on another card",
        D,
        1.5,
        r"\b(used|tried|with) (my )?(other|another|second|different) card\b",
    ),
    _cue(
        "already had one",
        D,
        2.5,
        r"\bforgot i (already )?(had|have)\b|\balready (had|have) (an account|a subscription|one)\b",
    ),
    _cue("same plan", D, 2, r"\b(same|identical) (plan|subscription|product|charge|description|amount)\b"),
    _cue("just me", D, 1.5, r"\b(just|only) me\b"),
    _cue("paying for two", D, 2, r"\bpaying for (2|two|both)\b"),
    # Evidence only beside a monthly+yearly overlap (rules.py): the customer names one of its two plans.
    _cue("names a billing period", D, 0, r"\b(monthly|yearly|annual|annually)\b"),
    # --- team / multi-seat
    _cue(
        "for another person",
        T,
        3.5,
        rf"\bfor (my|our|a|the) ({PEOPLE})\b|\bone for me and one for\b"
        rf"|\b(my|our) ({PEOPLE}) (and i|uses|has|also|needs)\b|\b({PEOPLE}) and i\b",
    ),
    _cue(
        "change seats",
        T,
        3,
        rf"\b(add|adding|remove|removing|reduce|reducing|increase|lower|change|upgrade)\b(?: \S+){{0,4}} ({SEAT_NOUNS})\b",
    ),
    _cue("another person mentioned", T, 2, rf"\b(my|our) ({PEOPLE})\b"),
    _cue("own login", T, 2, r"\b(own|separate|their|her|his) (login|logins|account|accounts|seat)\b"),
    _cue("seat count", T, 2, rf"\b({COUNT}) ({SEAT_NOUNS}|ppl)\b"),
    _cue(
        "per seat", T, 2, r"\b(per|each|every) (seat|user|member|licence|license|person)\b|\b\d+ x \$?\d+\b"
    ),
    _cue(
        "for the team",
        T,
        3,
        r"\b(is|are|its|one|plan|yearly|monthly|annual) (is )?for (the|our|my) (team|company|office|staff|business)\b",
    ),
    _cue(
        "team words",
        T,
        1.5,
        r"\b(team|teams|workspace|(our|my|the) company|agency|office|organisation|organization|staff)\b",
        negatable=True,
    ),
    # --- failed payment
    _cue(
        "declined",
        F,
        3,
        r"\b(declined|decline|declining|rejected|rejecting|rejects|refused|refuse|refuses|bounced)\b",
    ),
    _cue(
        "expired card",
        F,
        3,
        r"\b(card|cards) (has |had |got |was |is )?(expired|expires)\b|\bexpired card\b|\bnew card from\b",
    ),
    _cue(
        "insufficient funds",
        F,
        3,
        r"\b(insufficient funds|not enough (money|funds)|topped up|top up|added money|added funds)\b",
    ),
    _cue(
        "payment failed",
        F,
        3,
        r"\b(payment|payments|charge|transaction|renewal|card)\b(?: \S+){0,2} (failed|failing|fails|fail|"
        r"didnt go through|did not go through|unsuccessful|errored|bounced)\b"
        r"|\b(failed|failing|unsuccessful) (payment|payments|charge|renewal|transaction)\b"
        r"|\b(didnt|did not) go through\b",
    ),
    _cue(
        "checkout error",
        F,
        3,
        r"\bcheckout\b(?: \S+){0,4} (error|errored|failed|crashed|crash|broke|broken|froze)\b"
        r"|\b(3d secure|3ds|authentication|otp)\b",
    ),
    _cue(
        "retry",
        F,
        1.5,
        r"\b(retry|charge (me |it |the card |my card )?again|try (the card |my card )?again|run (it|the card) again)\b",
    ),
    _cue("bank blocked", F, 2, r"\bbank (blocked|blocks|flagged|declined|refuse|refused|stopped|says)\b"),
    _cue("new card", F, 1, r"\b(update|change|replace) (my|the) (card|payment method)\b|\bnew card\b"),
    _cue(
        "not charged",
        F,
        2,
        r"\b(didnt|wasnt|havent) (\S+ ){0,2}(charged|billed)\b|\bdont think i (got|was|have been) (charged|billed)\b",
    ),
    _cue("wrong with payment", F, 2, r"\b(wrong|problem|issue) with (my |the )?(payment|card)\b"),
    _cue("account locked", F, 1, r"\baccount (is |was |got )?(locked|suspended|blocked|deactivated)\b"),
    # --- missing self-serve
    _cue(
        "wants to cancel",
        M,
        1.5,
        r"\b(cancel(?! (one|the (second|new|newer|extra|other|duplicate)))|cancelling|canceling|cancellation|"
        r"unsubscribe|close my account|close the account|close our account|end my subscription|"
        r"stop (my|the) subscription|stop charging|stop billing|downgrade|terminate|auto renew|autorenew|"
        r"auto renewal|stop (the )?renewal|do not renew|dont renew|dont want to be charged again)\b",
        negatable=True,
    ),
    _cue(
        "cannot cancel",
        M,
        3.5,
        rf"\b(tried|trying|try|tries|asked|asking|emailed|requested) to ({SELF_SERVE_VERBS})\b"
        rf"|\b(cannot|couldnt|unable to|not able to|no way to|impossible to|hard to|difficult to) ({SELF_SERVE_VERBS})\b",
    ),
    _cue(
        "cannot find it",
        M,
        3.5,
        r"\b(cannot|couldnt|dont|didnt|not|doesnt) (find|see|locate)\b|\bno (\S+ )?(button|option|link|setting|settings|"
        r"way|place|menu)\b|\b(where is|where are|where do i|where can i)\b|\bnowhere\b|\blooked everywhere\b"
        r"|\b(only shows|only has|nothing in|theres nothing|there is nothing|is missing|isnt there)\b"
        rf"|\bhow (do|can|to) (i |we )?({SELF_SERVE_VERBS})\b",
    ),
    _cue(
        "self-serve task",
        M,
        2,
        r"\b(download|get|find|see|send)( me| us)? (my |the |our |an |a )?(invoices|invoice|receipts|receipt)\b"
        r"|\b(switch|change|move)( me| us)? (to |from )?(monthly|yearly|annual|my plan)\b|\bfree plan\b",
    ),
    _cue(
        "pause or extend",
        M,
        2.5,
        r"\b(pause|pausing|freeze|suspend) (my |our |the )?(account|subscription|plan|membership|billing)\b"
        r"|\b(on hold|more time to (evaluate|test|try|decide))\b|\b(extend|extension of) (my |the |our )?trial\b",
    ),
    _cue(
        "undo a cancellation",
        M,
        3.5,
        r"\b(cancelled|canceled|clicked cancel)\b(?: \S+){0,3} (by mistake|by accident|accidentally|accidentaly)\b"
        r"|\b(accidentally|accidentaly|mistakenly) (cancelled|canceled|clicked cancel)\b"
        r"|\b(undo|reverse|revert) (the |my )?cancel\w*\b"
        r"|\b(reactivate|restore|resume|keep) (my |our |the )?(plan|subscription|account|membership)\b",
    ),
    # --- product failure
    _cue(
        "broken",
        P,
        3,
        r"\b(broken|broke|not working|isnt working|doesnt work|does not work|dont work|didnt work|not work|"
        r"stopped working|crash|crashes|crashing|crashed|bug|bugs|buggy|glitch|failing|error|errors)\b",
        negatable=True,
        breakage=True,
    ),
    _cue(
        "outage",
        P,
        3,
        r"\b(been down|is down|was down|went down|are down|outage|offline|unusable|not loading|wont load|"
        r"doesnt load|never worked|never work|data loss|lost (all|my)|disappeared|is empty|are empty|"
        r"shown nothing|shows nothing|error \d{3}|useless|do nothing|does nothing|"
        r"nothing (works|syncs|loads|saves|happens)|"
        r"(doesnt|dont|wont|cannot|not) (sync|syncs|load|loads|save|saves|open|opens|connect|connects))\b",
    ),
    _cue("slow", P, 2, r"\b(slow|takes? \d+ seconds|laggy)\b"),
    _cue(
        "dispute",
        P,
        3,
        r"\b(dispute|disputed|disputing|chargeback|charge back|reverse the (charge|payment)|"
        r"call my bank|contact my bank|bank is asking|report you|"
        r"(opened|filed|raised|started|made) a (case|claim|dispute|complaint) with (my |the )?"
        r"(bank|credit card company|card company|card issuer|issuer))\b",
    ),
    _cue(
        "not what was sold",
        P,
        3,
        r"\b(not what i paid for|doesnt exist|does not exist|false advertising|misleading|"
        r"paying for nothing|waste of money|scam)\b",
    ),
    _cue("refund", P, 1, r"\b(refund|refunded|money back|reimburse)\b"),
    _cue("fix it", P, 1, r"\bfix (it|this)\b|\b(isnt|not) fixed\b"),
)
