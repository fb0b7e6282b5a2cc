from __future__ import annotations

import pytest
from slack_bolt import BoltContext
from slack_sdk import WebClient

from handlers.middleware import inject_operator_and_button, require_button
from messages.ids import ButtonValue


def run(body: dict[str, object]) -> BoltContext:
    context = BoltContext()
    context["client"] = WebClient(token="xoxb-test", base_url="http://127.0.0.1:9/")
    calls: list[bool] = []
    inject_operator_and_button(context, body, lambda: calls.append(True))
    assert calls == [True]
    return context


def test_a_click_puts_the_operator_and_the_decoded_button_into_the_context() -> None:
    context = run(
        {
            "type": "block_actions",
            "user": {"id": "U1"},
            "channel": {"id": "C1"},
            "actions": [{"action_id": "billing.classify", "value": '{"case":"case_1","bucket":"team"}'}],
        }
    )
    assert (context["operator"].user_id, context["operator"].channel_id) == ("U1", "C1")
    assert context["button"] == ButtonValue(case="case_1", bucket="team")


def test_a_modal_carries_its_button_value_in_private_metadata() -> None:
    context = run(
        {"type": "view_submission", "user": {"id": "U1"}, "view": {"private_metadata": '{"case":"c"}'}}
    )
    assert context["button"] == ButtonValue(case="c")


def test_a_value_the_bot_did_not_make_is_refused_by_the_listener_after_its_ack() -> None:
    context = run({"type": "block_actions", "user": {"id": "U1"}, "actions": [{"value": '{"amount": 5}'}]})
    assert context["button"] is None
    with pytest.raises(ValueError, match="not one this bot made"):
        require_button(context["button"])


def test_a_command_has_an_operator_and_no_button() -> None:
    context = run({"command": "/billing", "user_id": "U1", "channel_id": "C1"})
    assert context["operator"].user_id == "U1" and "button" not in context
