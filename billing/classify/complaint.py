"""The complaint as stored and shown: card numbers and secrets removed, sized; and as read: Slack markup off."""

from __future__ import annotations

import html
import re

COMPLAINT_LIMIT = 2000
CARD_REMOVED = "[card number removed]"
SECRET_REMOVED = "[secret removed]"

# 13-19 digits, optionally grouped by spaces or dashes, not glued to other digits or word characters.
CARD_NUMBER = re.compile(r"(?<![\w/])(?:\d[ -]?){12,18}\d(?![\w])")
CARD_CODE = re.compile(r"\b(cvc|cvv|cvv2|csc|security code)\b\s*[:#=]?\s*\d{3,4}\b", re.IGNORECASE)
SECRETS = re.compile(
    r"\b(?:sk|rk)_(?:live|test)_[A-Za-z0-9]{8,}"
    r"|\bwhsec_[A-Za-z0-9]{8,}"
    r"|\bxox[abposr]-[A-Za-z0-9-]{8,}"
    r"|\bxapp-[A-Za-z0-9-]{8,}"
    r"|\bAKIA[0-9A-Z]{16}\b"
    r"|\bgh[pousr]_[A-Za-z0-9]{20,}"
)
PASSWORD = re.compile(r"\b(password|passwd|pwd|passcode|pin)\b(\s*(?:is|:|=)\s*)(\S+)", re.IGNORECASE)

SLACK_LINK = re.compile(r"<(?:mailto:)?([^|<>]+)\|([^<>]*)>|<(?:mailto:)?([^|<>]+)>")
SLACK_MENTION = re.compile(r"<[@#!][^<>]*>")
EMAIL = re.compile(r"[A-Za-z0-9._%+'-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}")
STRIPE_ID = re.compile(r"\b(?:cus|sub|in|ch|pi|re|dp|pm|prod|price|evt)_[A-Za-z0-9]{6,}\b")
URL = re.compile(r"https?://\S+")
# Slack's *bold*, _italic_, ~strike~ and `code`, and the > of a quote at a line start.
EMPHASIS = re.compile(r"(?<!\w)[*_~`]+|[*_~`]+(?!\w)")
QUOTE_MARK = re.compile(r"^\s*(?:&gt;|>)+\s?", re.MULTILINE)


def clean_complaint(text: str, limit: int = COMPLAINT_LIMIT) -> str:
    """What may be stored and shown: never a card number, card code, password or API secret."""
    cleaned = CARD_NUMBER.sub(CARD_REMOVED, text)
    cleaned = CARD_CODE.sub(lambda match: f"{match[1]} [removed]", cleaned)
    cleaned = SECRETS.sub(SECRET_REMOVED, cleaned)
    cleaned = PASSWORD.sub(lambda match: f"{match[1]}{match[2]}[removed]", cleaned)
    cleaned = cleaned.strip()
    return cleaned if len(cleaned) <= limit else cleaned[: limit - 1].rstrip() + "…"


def readable(text: str) -> str:
    """The customer's words without Slack markup, addresses and IDs (they carry no meaning to classify)."""
    plain = SLACK_LINK.sub(lambda match: f" {match[2] or match[3] or match[1]} ", text)
    plain = SLACK_MENTION.sub(" ", plain)
    plain = QUOTE_MARK.sub("", html.unescape(plain))
    plain = URL.sub(" ", plain)
    plain = EMAIL.sub(" ", plain)
    plain = STRIPE_ID.sub(" ", plain)
    plain = EMPHASIS.sub(" ", plain)
    return plain
