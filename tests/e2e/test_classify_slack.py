"""The customer's words through Slack: signed requests -> real Bolt app -> LookupService -> demo sandbox.

The demo account's portal does not let customers cancel; Nora and Pat have one healthy subscription each,
so only their words can say what is wrong.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest

from billing.gateway import StripeGateway
from billing.ports import BillingGateway
from billing.sandbox import SandboxServer
from messages.ids import ActionId, ButtonValue, CallbackId
from messages.modals import (
    COMPLAINT_INPUT_ACTION,
    COMPLAINT_INPUT_BLOCK,
    LOOKUP_INPUT_ACTION,
    LOOKUP_INPUT_BLOCK,
)
from tests.e2e.slack_harness import SlackHarness, running_bot

CARD_NUMBER_LIKE = re.compile(r"(?<![\w/])(?:\d[ -]?){12,18}\d(?!\d)")


@pytest.fixture
def gateway(demo_sandbox: SandboxServer) -> Iterator[BillingGateway]:
    gateway = StripeGateway(demo_sandbox.api_key, api_base=demo_sandbox.base_url, max_retries=0)
    yield gateway
    gateway.close()


@pytest.fixture
def bot(gateway: BillingGateway) -> Iterator[SlackHarness]:
    with running_bot(gateway) as harness:
        yield harness


def card_of(bot: SlackHarness) -> tuple[str, list[dict[str, Any]]]:
    [post] = bot.standin.wait_for("chat.postMessage")
    bot.wait_idle()
    blocks = post.args.get("blocks") or []
    return str(blocks), blocks


def primary_bucket(blocks: list[dict[str, Any]]) -> str | None:
    for block in blocks:
        for element in block.get("elements") or []:
            if element.get("action_id") == ActionId.CLASSIFY and element.get("style") == "primary":
                return ButtonValue.decode(element["value"]).bucket
    return None


def test_shortcut_on_cant_find_where_to_cancel_suggests_missing_self_serve_quoting_the_words(
    bot: SlackHarness,
) -> None:
    bot.message_shortcut("I can't find where to cancel\n<mailto:nora@example.com|nora@example.com>")

    text, blocks = card_of(bot)
    assert primary_bucket(blocks) == "missing_self_serve"
    assert "*SUGGESTED:* Missing self-serve (confidence" in text
    assert "> “I can't find where to cancel”" in text
    assert "The customer portal does not let customers cancel" in text


def test_billing_command_reads_the_words_after_the_email(bot: SlackHarness) -> None:
    bot.slash_command("nora@example.com she says she can't find the cancel button")

    text, blocks = card_of(bot)
    assert primary_bucket(blocks) == "missing_self_serve"
    assert "“she says she can't find the cancel button”" in text
    assert "Matched on: email nora@example.com" in text


def test_the_same_customer_without_words_gets_no_suggestion(bot: SlackHarness) -> None:
    bot.slash_command("pat@example.com")

    text, blocks = card_of(bot)
    assert primary_bucket(blocks) is None
    assert "*SUGGESTED:* no suggestion; classify by hand." in text


def test_lookup_modal_asks_what_the_customer_said_and_uses_it(bot: SlackHarness) -> None:
    bot.global_shortcut()
    [opened] = bot.standin.wait_for("views.open")
    assert "What did the customer say?" in str(opened.args["view"])

    bot.view_submission(
        {
            LOOKUP_INPUT_BLOCK: {
                LOOKUP_INPUT_ACTION: {"type": "plain_text_input", "value": "pat@example.com"}
            },
            COMPLAINT_INPUT_BLOCK: {
                COMPLAINT_INPUT_ACTION: {
                    "type": "plain_text_input",
                    "value": "The export has been broken for a week. I want my money back.",
                }
            },
        }
    )

    text, blocks = card_of(bot)
    assert primary_bucket(blocks) == "product_failure"
    assert "> “The export has been broken for a week.”" in text


def test_card_numbers_and_secrets_never_reach_the_store_or_the_card(bot: SlackHarness) -> None:
    message = (
        "the export is broken, refund to my card 4242 4242 4242 4242 cvc 123 please. "
        "my key is sk_live_51HabcdefghijklmnopQRSTUV — pat@example.com"
    )
    bot.message_shortcut(message)

    text, _ = card_of(bot)
    [case] = list(bot.services.store.db["cases"].rows)
    stored = [str(value) for value in case.values()]
    audit = [str(row["detail"]) for row in bot.services.store.db["audit_log"].rows]
    for where in (text, *stored, *audit, bot.recorded_text()):
        assert not CARD_NUMBER_LIKE.search(where)
        assert "sk_live_51" not in where
        assert "cvc 123" not in where
    assert "[card number removed]" in case["complaint"]


def test_a_message_in_french_says_so_instead_of_guessing(bot: SlackHarness) -> None:
    bot.message_shortcut("Bonjour, je n'arrive pas à annuler mon abonnement. Merci — nora@example.com")

    text, blocks = card_of(bot)
    assert primary_bucket(blocks) is None
    assert "looks like French; I read English only" in text


def test_reclassifying_keeps_the_customers_words(bot: SlackHarness) -> None:
    bot.message_shortcut("I can't find where to cancel\nnora@example.com")
    [post] = bot.standin.wait_for("chat.postMessage")
    bot.wait_idle()
    bot.click(post, ActionId.CLASSIFY, bucket="team")
    [update] = bot.standin.wait_for("chat.update")
    bot.wait_idle()
    assert "“I can't find where to cancel”" in str(update.args.get("blocks"))


def test_a_shortcut_on_a_reply_reads_the_threads_first_message_too(bot: SlackHarness) -> None:
    bot.standin.add_message("C0BILLING1", "1690000000.000100", "I can't find where to cancel my plan")
    bot.message_shortcut(
        "this is nora@example.com btw", message_ts="1690000000.000200", thread_ts="1690000000.000100"
    )

    text, blocks = card_of(bot)
    assert primary_bucket(blocks) == "missing_self_serve"
    assert "“I can't find where to cancel my plan”" in text
    [replies] = bot.standin.calls_to("conversations.replies")
    assert replies.args["ts"] == "1690000000.000100"


def test_without_history_access_the_reply_alone_is_the_complaint(bot: SlackHarness) -> None:
    bot.standin.fail_next("conversations.replies", "missing_scope")
    bot.message_shortcut(
        "nora@example.com: I can't find where to cancel",
        message_ts="1690000000.000200",
        thread_ts="1690000000.000100",
    )

    text, blocks = card_of(bot)
    assert primary_bucket(blocks) == "missing_self_serve"


def test_add_the_customers_words_re_runs_the_suggestion_on_the_card(bot: SlackHarness) -> None:
    bot.slash_command("pat@example.com")
    [post] = bot.standin.wait_for("chat.postMessage")
    bot.wait_idle()
    assert primary_bucket(post.args["blocks"]) is None

    bot.click(post, ActionId.ADD_WORDS)
    [opened] = bot.standin.wait_for("views.open")
    bot.wait_idle()
    view = opened.args["view"]
    assert view["callback_id"] == CallbackId.WORDS_MODAL
    bot.view_submission(
        {
            COMPLAINT_INPUT_BLOCK: {
                COMPLAINT_INPUT_ACTION: {
                    "type": "plain_text_input",
                    "value": "export broken for a week, refund me",
                }
            }
        },
        callback_id=CallbackId.WORDS_MODAL.value,
        private_metadata=view["private_metadata"],
    )

    [update] = bot.standin.wait_for("chat.update")
    bot.wait_idle()
    assert primary_bucket(update.args["blocks"]) == "product_failure"
    assert "> “export broken for a week, refund me”" in str(update.args["blocks"])
    case = bot.services.store.get_case(view["private_metadata"])
    assert case is not None
    assert (case["complaint"], case["suggested_bucket"]) == (
        "export broken for a week, refund me",
        "product_failure",
    )
