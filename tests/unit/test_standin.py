"""The Slack stand-in answers like Slack, enforces the limits the bot could break, and records calls."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.webhook import WebhookClient

from bot.slack_standin import SlackStandIn

TOKEN = "xoxb-standin-test"


@pytest.fixture
def standin() -> Iterator[SlackStandIn]:
    with SlackStandIn(port=0) as running:
        yield running


@pytest.fixture
def client(standin: SlackStandIn) -> WebClient:
    return WebClient(token=TOKEN, base_url=standin.base_url)


def test_post_message_answers_like_slack_with_increasing_ts(standin: SlackStandIn, client: WebClient) -> None:
    first = client.chat_postMessage(channel="C1", text="hello")
    second = client.chat_postMessage(channel="C1", text="again", thread_ts=first["ts"])

    assert first["ts"] == "1700000000.000100"
    assert second["ts"] == "1700000000.000101"
    assert second["message"]["thread_ts"] == first["ts"]
    assert [call.args["text"] for call in standin.calls_to("chat.postMessage")] == ["hello", "again"]
    assert all(call.authorized for call in standin.calls)
    assert TOKEN not in str([call.args for call in standin.calls])


@pytest.mark.filterwarnings("ignore:The top-level `text` argument is missing")  # deliberately missing
def test_slack_limits_and_missing_arguments_are_errors(client: WebClient) -> None:
    too_many = [{"type": "divider"}] * 51
    duplicate_action_ids = [
        {
            "type": "actions",
            "elements": [{"type": "button", "action_id": "a", "text": {"type": "plain_text", "text": "x"}}]
            * 2,
        }
    ]
    for kwargs, error in [
        ({"channel": "C1", "blocks": too_many}, "invalid_blocks"),
        ({"channel": "C1", "blocks": duplicate_action_ids}, "invalid_blocks"),
        ({"channel": "", "text": "x"}, "channel_not_found"),
        ({"channel": "C1"}, "no_text"),
    ]:
        with pytest.raises(SlackApiError) as raised:
            client.chat_postMessage(**kwargs)  # type: ignore[arg-type]  # deliberately incomplete calls
        assert raised.value.response["error"] == error


def test_unknown_methods_missing_tokens_and_injected_failures(
    standin: SlackStandIn, client: WebClient
) -> None:
    with pytest.raises(SlackApiError, match="unknown_method"):
        client.api_call("chat.scheduleEverything", json={"channel": "C1"})
    with pytest.raises(SlackApiError, match="not_authed"):
        WebClient(base_url=standin.base_url).chat_postMessage(channel="C1", text="x")
    standin.fail_next("chat.getPermalink", "channel_not_found")
    with pytest.raises(SlackApiError, match="channel_not_found"):
        client.chat_getPermalink(channel="C1", message_ts="1.2")
    assert client.chat_getPermalink(channel="C1", message_ts="1690000000.000100")["permalink"] == (
        "https://standin.slack.com/archives/C1/p1690000000000100"
    )


def test_views_and_response_urls_are_recorded(standin: SlackStandIn, client: WebClient) -> None:
    opened = client.views_open(
        trigger_id="t1", view={"type": "modal", "title": {"type": "plain_text", "text": "x"}, "blocks": []}
    )
    client.views_update(view_id=opened["view"]["id"], view={"type": "modal", "blocks": []})
    WebhookClient(standin.response_url("reply-1")).send(text="only you", response_type="ephemeral")

    [reply] = standin.wait_for("response_url")
    assert (reply.name, reply.args["text"], reply.args["response_type"]) == (
        "reply-1",
        "only you",
        "ephemeral",
    )
    assert [call.method for call in standin.calls] == ["views.open", "views.update", "response_url"]


def test_wait_for_times_out_with_what_was_seen(standin: SlackStandIn, client: WebClient) -> None:
    client.auth_test()
    with pytest.raises(TimeoutError, match=r"chat.postMessage.*\['auth.test'\]"):
        standin.wait_for("chat.postMessage", timeout=0.05)


def test_views_update_by_external_id_and_hash_as_slack_does(standin: SlackStandIn, client: WebClient) -> None:
    loading = {"type": "modal", "external_id": "form-1", "title": {"type": "plain_text", "text": "x"}}
    opened = client.views_open(trigger_id="t1", view={**loading, "blocks": []})["view"]
    assert opened["external_id"] == "form-1" and opened["hash"]
    with pytest.raises(SlackApiError, match="duplicate_external_id"):
        client.views_open(trigger_id="t2", view={**loading, "blocks": []})

    form = {"type": "modal", "title": {"type": "plain_text", "text": "Form"}, "blocks": [{"type": "divider"}]}
    updated = client.views_update(external_id="form-1", hash=opened["hash"], view=form)["view"]
    assert updated["id"] == opened["id"] and updated["hash"] != opened["hash"]
    with pytest.raises(SlackApiError, match="hash_conflict"):
        client.views_update(view_id=opened["id"], hash=opened["hash"], view=form)
    with pytest.raises(SlackApiError, match="not_found"):
        client.views_update(external_id="never-opened", view=form)
    assert client.views_update(view_id=opened["id"], view=form)["view"]["id"] == opened["id"]
