"""Is this message in English? A classifier that reads English says so instead of guessing at others."""

from __future__ import annotations

import re
import unicodedata


def word_set(text: str) -> frozenset[str]:
    return frozenset(text.split())


WORD = re.compile(r"[^\W\d_]+(?:'[^\W\d_]+)?")
# Common English function words (none of them also common in the languages below).
ENGLISH = word_set(
    "the and to of i i'm my is it you your for this that was have with we our can not but please hi hello "
    "why how what do does did are be at just want need there they been from would could should dont don't "
    "can't cant thanks thank account again"
)
# Frequent words of languages customers write in, that English messages do not use.
OTHER: dict[str, frozenset[str]] = {
    "French": word_set(
        "je j'ai nous vous mon ma mes les des une est pas avec pour merci bonjour compte annuler aucun dans "
        "et il elle sur n'arrive n'y moi le la du mais votre"
    ),
    "German": word_set(
        "ich und nicht mein meine bitte wurde ist eine einen der das sie hallo danke mit für zahlung "
        "doppelt kündigen abo diesen monat beiden zahlungen erstatten"
    ),
    "Spanish": word_set(
        "hola mi el los las que por favor gracias una con para cancelar suscripción cuenta pero muy "
        "tengo quiero cobro"
    ),
    "Portuguese": word_set("olá obrigado obrigada não minha conta assinatura cobrança você"),
    "Italian": word_set("ciao grazie mio abbonamento sono della buongiorno vorrei disdire"),
    "Dutch": word_set("ik niet mijn het een bedankt graag opzeggen"),
}
SCRIPTS = (
    ("HIRAGANA", "Japanese"),
    ("KATAKANA", "Japanese"),
    ("CJK", "Chinese or Japanese"),
    ("HANGUL", "Korean"),
    ("CYRILLIC", "Russian or another Cyrillic-script language"),
    ("ARABIC", "Arabic"),
    ("HEBREW", "Hebrew"),
    ("GREEK", "Greek"),
    ("THAI", "Thai"),
    ("DEVANAGARI", "Hindi or another Devanagari-script language"),
)
NON_LATIN_SHARE = 0.3
MIN_OTHER_WORDS = 2


def unread_language(text: str) -> str | None:
    """The language's name when the text is clearly not English; None for English (or too little to tell)."""
    letters = [char for char in text if char.isalpha()]
    if not letters:
        return None
    non_latin = [char for char in letters if not _is_latin(char)]
    if len(non_latin) / len(letters) >= NON_LATIN_SHARE:
        return _script_name(non_latin)
    words = [word.lower().replace("’", "'") for word in WORD.findall(text.replace("’", "'"))]
    english = sum(word in ENGLISH for word in words)
    name, hits = max(
        ((name, sum(word in vocabulary for word in words)) for name, vocabulary in OTHER.items()),
        key=lambda pair: pair[1],
    )
    return name if hits >= MIN_OTHER_WORDS and hits > english else None


def _is_latin(char: str) -> bool:
    return ord(char) < 0x250 or unicodedata.name(char, "").startswith("LATIN")


def _script_name(chars: list[str]) -> str:
    names = [unicodedata.name(char, "") for char in chars]
    for prefix, language in SCRIPTS:
        if any(name.startswith(prefix) for name in names):
            return language
    return "a script I do not read"
