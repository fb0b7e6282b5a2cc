"""The operator's private message with a Stripe page for the customer (hosted invoice, receipt) and the text to
send with it (pure)."""

from __future__ import annotations

from billing.change_models import CustomerLink
from messages.format import SECTION_TEXT_LIMIT, clip, code, escape

TITLES = {"hosted_invoice": "Invoice payment page", "receipt": "Receipt"}


def customer_link_text(link: CustomerLink, follow_up: str) -> str:
    """The follow-up names the customer, so it is escaped; only the bot's own <link> becomes the URL."""
    text = f":link: *{TITLES[link.kind]}* of {code(link.id)} (only you can see this; nothing changed in Stripe):\n"
    text += link.url
    if follow_up:
        text += f"\n\n*Text to send:*\n>{escape(follow_up).replace('&lt;link&gt;', link.url)}"
    return clip(text, SECTION_TEXT_LIMIT)
