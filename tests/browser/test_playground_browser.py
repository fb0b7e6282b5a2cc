"""The playground in headless Chromium, clicked like a person would: what the page shows is what the bot
sent through the stand-in, and the Stripe panel is read back from the sandbox."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from bot.demo import DEMO_OPERATOR
from bot.playground.session import NON_OPERATOR, SECOND_OPERATOR, SUPPORT_CHANNEL

pytestmark = pytest.mark.browser

CARD = ".msg.from-app:has(.bk-header:text-is('Jane Doe'))"


def shoot(page: Any, folder: Path, name: str) -> None:
    page.screenshot(path=str(folder / f"{name}.png"))


def type_in_composer(page: Any, text: str) -> None:
    box = page.locator("#composer textarea")
    box.fill(text)
    box.press("Enter")


def switch_user(page: Any, user: str) -> None:
    """Pick someone in the switcher and wait until the page shows what they see."""
    page.select_option("#user-switcher", user)
    page.wait_for_function(
        "user => new URLSearchParams(document.getElementById('app').dataset.shown || '').get('user') === user",
        arg=user,
    )


def look_up_jane(page: Any) -> Any:
    type_in_composer(page, "/billing jane@example.com")
    card = page.locator(CARD)
    card.wait_for()
    return card


def test_an_operator_cancels_the_duplicate_and_refunds_and_sees_the_handoff_and_the_refund(
    page: Any, screenshots: Path
) -> None:
    card = look_up_jane(page)
    suggestion = card.locator(".bk-button.bk-primary[data-action-id='billing.classify']")
    assert suggestion.inner_text() == "Duplicate personal subscription"
    shoot(page, screenshots, "1-card")

    suggestion.click()
    cancel = card.get_by_role("button", name="Cancel duplicate now + refund")
    cancel.wait_for()
    shoot(page, screenshots, "2-classified")

    cancel.click()
    form = page.get_by_role("dialog")
    form.get_by_text("Subscription to cancel", exact=True).wait_for()
    chosen = form.locator("select.bk-select option:checked")
    assert chosen.inner_text().startswith(
        "Duplicate · $20.00/mo · Visa •••• 4242 · sub_"
    )  # keeps the original
    assert form.locator("select.bk-select option").count() == 2
    shoot(page, screenshots, "2b-choose")
    form.locator(".modal-submit").click()
    confirm = card.get_by_role("button", name="Confirm", exact=True)
    confirm.wait_for()
    assert "bk-danger" in (confirm.get_attribute("class") or "")
    assert page.locator("#stripe .stripe-object").count() == 0  # nothing moves before Confirm
    shoot(page, screenshots, "3-confirm")

    confirm.click()
    # Cancelling gives up the duplicate's yearly contract value: with the refund, above the playground's
    # approval threshold, so the requester's own Confirm moves nothing and a second operator confirms.
    page.locator(".msg.ephemeral", has_text="another operator must click Confirm").wait_for()
    assert page.locator("#stripe .stripe-object").count() == 0
    switch_user(page, SECOND_OPERATOR)
    card.get_by_role("button", name="Confirm", exact=True).click()
    replies = card.locator(".replies-link")
    replies.wait_for()
    assert replies.inner_text() == "1 reply"
    shoot(page, screenshots, "4-confirmed")

    replies.click()
    handoff = page.locator("#thread .thread-replies .msg")
    handoff.locator(".bk-header", has_text="Handoff").wait_for()
    refund = page.locator("#stripe .stripe-object[data-kind='refund']")
    refund.wait_for()
    assert "$20.00" in refund.inner_text() and "succeeded" in refund.inner_text()
    canceled = page.locator("#stripe .stripe-object[data-kind='subscription']")
    assert "canceled" in canceled.inner_text()
    shoot(page, screenshots, "5-handoff")


def test_a_non_operator_is_refused_privately(page: Any, screenshots: Path) -> None:
    card = look_up_jane(page)
    switch_user(page, NON_OPERATOR)
    card.locator(".bk-button.bk-primary[data-action-id='billing.classify']").click()
    refusal = page.locator(".msg.ephemeral", has_text="Only billing operators")
    refusal.wait_for()
    assert "Only visible to you" in refusal.inner_text()
    assert card.get_by_role("button", name="Cancel duplicate now + refund").count() == 0
    shoot(page, screenshots, "1-refused")

    switch_user(page, DEMO_OPERATOR)
    page.locator(CARD).wait_for()
    assert page.locator(".msg.ephemeral", has_text="Only billing operators").count() == 0  # only Alex saw it


def test_the_shortcut_on_a_support_message_suggests_a_bucket_quoting_the_customer(
    page: Any, screenshots: Path
) -> None:
    page.locator(f".channel-link[data-channel='{SUPPORT_CHANNEL}']").click()
    jane = page.locator(".msg", has_text="charged twice this month")
    jane.hover()
    jane.get_by_role("button", name="More actions").click()
    shoot(page, screenshots, "1-menu")
    jane.get_by_role("button", name=re.compile("Investigate billing")).click()

    told = page.locator(".msg.ephemeral", has_text="billing card")
    told.wait_for()
    told.get_by_role("link").first.click()
    card = page.locator(CARD)
    card.wait_for()
    assert page.locator("#channel-header h1").inner_text() == "# billing-ops"
    suggested = card.locator(".bk-text", has_text="SUGGESTED")
    assert "SUGGESTED: Duplicate personal subscription" in suggested.inner_text()
    # The classifier quotes the customer's own words from the support message.
    quotes = suggested.locator("blockquote")
    assert "I think I was charged twice this month" in quotes.first.inner_text()
    assert "support" in card.locator(".bk-context", has_text="Investigating").inner_text()
    shoot(page, screenshots, "2-suggested")


def test_customer_text_is_shown_as_text(page: Any) -> None:
    page.locator(f".channel-link[data-channel='{SUPPORT_CHANNEL}']").click()
    kenji = page.locator(".msg", has_text="kenji@example.jp")
    kenji.wait_for()
    assert "<b>urgent</b> <script>alert('hi')</script>" in kenji.inner_text()
    assert kenji.locator(".msg-content script, .msg-content b:text-is('urgent')").count() == 0


def test_the_global_shortcut_modal_shows_its_validation_error_then_posts(
    page: Any, screenshots: Path
) -> None:
    page.get_by_role("button", name="⚡ Billing lookup").click()
    modal = page.get_by_role("dialog")
    modal.locator(".modal-submit").click()
    # Empty, the required field is refused by Slack's client itself; blank, by the bot.
    modal.get_by_role("alert").wait_for()
    assert modal.get_by_role("alert").inner_text() == "Please complete this required field."
    customer = modal.get_by_role("textbox", name=re.compile("^Customer"))
    customer.fill("   ")
    modal.locator(".modal-submit").click()
    modal.get_by_role("alert").filter(has_text="Enter an email").wait_for()
    shoot(page, screenshots, "1-validation")

    customer.fill("jane@example.com")
    customer.press("Enter")
    modal.get_by_text("Posted in").wait_for()
    assert "#billing-ops" in modal.inner_text()
    modal.locator(".modal-cancel").click()
    modal.wait_for(state="detached")
    page.locator(CARD).wait_for()


def test_the_digest_button_posts_in_the_digest_channel_once(page: Any) -> None:
    page.get_by_role("button", name="Post today's digest").click()
    page.locator("#notice", has_text="Posted the digest").wait_for()
    page.get_by_role("button", name="Post today's digest").click()
    page.locator("#notice", has_text="already posted").wait_for()
    page.locator(".channel-link[data-channel='C0DIGEST']").click()
    page.locator("#channel .msg.from-app").first.wait_for()
    assert page.locator("#channel .msg.from-app").count() == 1
