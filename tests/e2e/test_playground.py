"""The playground without a browser: what a person does goes to the real bot as Slack sends it, and the
workspace shows what the bot sent back through the stand-in (the browser tests click the same paths)."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from bot.demo import DEMO_CHANNEL, DEMO_OPERATOR
from bot.playground.session import (
    DIGEST_CHANNEL,
    NON_OPERATOR,
    SECOND_OPERATOR,
    SUPPORT_CHANNEL,
    Playground,
    running_playground,
)
from bot.playground.web import serving_page_in_thread
from bot.playground.workspace import Message
from bot.slack_requests import form_state
from messages.modals import LOOKUP_INPUT_ACTION, LOOKUP_INPUT_BLOCK


@pytest.fixture(scope="module")
def playground() -> Iterator[Playground]:
    with running_playground() as playground:
        yield playground


def texts(playground: Playground, channel: str, user: str) -> list[str]:
    return [message.text for message in playground.sync().top_level(channel, user)]


def test_the_global_shortcut_opens_the_lookup_modal_which_validates_then_posts(
    playground: Playground,
) -> None:
    assert playground.global_shortcut(DEMO_OPERATOR).ok
    modal = playground.sync().modal_for(DEMO_OPERATOR)
    assert modal is not None and modal.view["callback_id"] == "billing_lookup_modal"
    assert playground.sync().modal_for(SECOND_OPERATOR) is None  # only its opener sees it

    blank = {LOOKUP_INPUT_BLOCK: {LOOKUP_INPUT_ACTION: {"type": "plain_text_input", "value": "  "}}}
    playground.submit_view(DEMO_OPERATOR, modal.id, blank)
    assert modal.errors == {LOOKUP_INPUT_BLOCK: "Enter an email, Stripe ID or name."}

    jane = {
        LOOKUP_INPUT_BLOCK: {LOOKUP_INPUT_ACTION: {"type": "plain_text_input", "value": "jane@example.com"}}
    }
    playground.submit_view(DEMO_OPERATOR, modal.id, jane)
    still_open = playground.sync().modal_for(DEMO_OPERATOR)
    assert still_open is not None and "Posted in <#C0BILLINGOPS>" in str(still_open.view["blocks"])
    assert "Billing card: Jane Doe" in " ".join(texts(playground, DEMO_CHANNEL, DEMO_OPERATOR))
    playground.close_view(DEMO_OPERATOR, modal.id)
    assert playground.sync().modal_for(DEMO_OPERATOR) is None


def test_an_unknown_command_and_a_report_answer_only_the_person_who_typed(playground: Playground) -> None:
    playground.send_message(NON_OPERATOR, DEMO_CHANNEL, "/refund everything")
    playground.send_message(NON_OPERATOR, DEMO_CHANNEL, "/billing plans")
    mine = playground.sync().top_level(DEMO_CHANNEL, NON_OPERATOR)
    assert "`/refund` is not a valid command" in mine[-2].text and mine[-2].only_for == NON_OPERATOR
    assert "Only billing operators" in mine[-1].text and mine[-1].only_for == NON_OPERATOR
    assert "Only billing operators" not in " ".join(texts(playground, DEMO_CHANNEL, DEMO_OPERATOR))


def test_typed_text_is_posted_as_slack_escapes_it(playground: Playground) -> None:
    playground.send_message(SECOND_OPERATOR, SUPPORT_CHANNEL, "<b>hi</b> & bye")
    assert texts(playground, SUPPORT_CHANNEL, DEMO_OPERATOR)[-1] == "&lt;b&gt;hi&lt;/b&gt; &amp; bye"


def test_the_digest_button_posts_once_a_day(playground: Playground) -> None:
    first = playground.post_digest()
    second = playground.post_digest()
    assert first.ok and "Posted the digest" in first.notice
    assert not second.ok and "already posted" in second.notice
    digests = texts(playground, DIGEST_CHANNEL, NON_OPERATOR)
    assert len(digests) == 1


def test_the_page_and_its_api_answer_on_loopback(playground: Playground) -> None:
    with serving_page_in_thread(playground) as url, httpx.Client(base_url=url) as http:
        assert url.startswith("http://127.0.0.1:")
        page = http.get("/")
        assert page.status_code == 200 and "Billing Ops playground" in page.text
        state = http.get("/api/state", params={"user": DEMO_OPERATOR, "channel": SUPPORT_CHANNEL}).json()
        assert "jane@example.com" in state["channel"] and "&lt;script&gt;" in state["channel"]
        assert "<script>" not in state["channel"]
        assert http.get("/static/playground.js").status_code == 200
        assert http.get("/static/../session.py").status_code == 404
        refused = http.post("/api/message", content=b"not json")
        assert refused.status_code == 400


def buttons(message: Message) -> dict[str, tuple[str, str, str]]:
    """label -> (action_id, block_id, value) of the message's buttons."""
    return {
        element["text"]["text"]: (element["action_id"], str(block.get("block_id")), element.get("value", ""))
        for block in message.blocks
        for element in block.get("elements") or []
        if element.get("type") == "button"
    }


def click(playground: Playground, user: str, message: Message, label: str) -> Message:
    action_id, block_id, value = buttons(message)[label]
    assert playground.click(user, message.channel, message.ts, action_id, block_id, value).ok
    updated = playground.sync().find(message.channel, message.ts)
    assert updated is not None
    return updated


def test_a_refund_above_the_threshold_opens_a_modal_and_needs_the_second_operator(
    playground: Playground,
) -> None:
    playground.send_message(DEMO_OPERATOR, DEMO_CHANNEL, "/billing yuki.annual@example.com")
    card = playground.sync().top_level(DEMO_CHANNEL, DEMO_OPERATOR)[-1]
    card = click(playground, DEMO_OPERATOR, card, "Product failure")
    card = click(playground, DEMO_OPERATOR, card, "Refund charge…")
    modal = playground.sync().modal_for(DEMO_OPERATOR)
    assert modal is not None and modal.view["callback_id"] == "billing_action_form"

    playground.submit_view(DEMO_OPERATOR, modal.id, form_state(modal.view, {"amount": "150"}))
    assert playground.sync().modal_for(DEMO_OPERATOR) is None
    card = playground.sync().find(card.channel, card.ts) or card
    assert "another operator" in str(card.blocks)

    click(playground, DEMO_OPERATOR, card, "Confirm")
    assert playground.stripe.objects() == []  # the requester's own Confirm moves nothing
    click(playground, SECOND_OPERATOR, card, "Confirm")
    [refund] = [obj for obj in playground.stripe.objects() if obj.kind == "refund"]
    assert ("amount", "$150.00") in refund.facts
