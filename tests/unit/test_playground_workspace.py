"""The playground's workspace follows the bot's Web API calls as Slack's client would show them."""

from __future__ import annotations

from typing import Any

from bot.playground.workspace import Channel, Origin, Origins, User, Workspace
from bot.slack_standin import BOT_USER_ID, RESPONSE_URL_METHOD, Call

OLIVIA, ALEX = "U0OLIVIA", "U0ALEX"
OPS = "C0OPS"


def workspace() -> Workspace:
    users = [User(OLIVIA, "olivia", "operator"), User(ALEX, "alex", "agent"), User(BOT_USER_ID, "Bot", "app")]
    return Workspace(users, [Channel(OPS, "ops")], Origins())


def call(method: str, answer: dict[str, Any] | None = None, name: str | None = None, **args: Any) -> Call:
    return Call(method=method, args=args, authorized=True, ok=True, name=name, answer=answer or {"ok": True})


def test_posts_updates_and_thread_replies() -> None:
    space = workspace()
    space.apply(call("chat.postMessage", {"ok": True, "ts": "1.1"}, channel=OPS, text="card"))
    space.apply(
        call("chat.postMessage", {"ok": True, "ts": "1.2"}, channel=OPS, text="handoff", thread_ts="1.1")
    )
    space.apply(call("chat.update", channel=OPS, ts="1.1", text="card, done", blocks=[{"type": "divider"}]))
    [card] = space.top_level(OPS, ALEX)
    assert (card.text, card.blocks, card.edited) == ("card, done", [{"type": "divider"}], True)
    assert [reply.text for reply in space.replies(OPS, "1.1", ALEX)] == ["handoff"]


def test_response_urls_answer_the_person_and_message_they_were_issued_for() -> None:
    space = workspace()
    space.apply(call("chat.postMessage", {"ok": True, "ts": "1.1"}, channel=OPS, text="card"))
    space.origins.record("action-1", Origin(user=ALEX, channel=OPS, message_ts="1.1"))
    space.origins.record("action-2", Origin(user=OLIVIA, channel=OPS, message_ts="1.1"))
    space.apply(call(RESPONSE_URL_METHOD, name="action-1", text="refused", response_type="ephemeral"))
    assert [m.text for m in space.top_level(OPS, ALEX)] == ["card", "refused"]
    assert [m.text for m in space.top_level(OPS, OLIVIA)] == ["card"]

    space.apply(call(RESPONSE_URL_METHOD, name="action-2", text="replaced", replace_original="true"))
    space.apply(call(RESPONSE_URL_METHOD, name="unknown", text="lost"))
    assert [m.text for m in space.top_level(OPS, OLIVIA)] == ["replaced"]
    space.apply(call(RESPONSE_URL_METHOD, name="action-2", delete_original=True))
    assert [m.text for m in space.top_level(OPS, ALEX)] == ["refused"]


def test_ephemerals_dms_and_modals_belong_to_one_person() -> None:
    space = workspace()
    space.apply(
        call("chat.postEphemeral", {"ok": True, "message_ts": "2.1"}, channel=OPS, user=ALEX, text="psst")
    )
    space.apply(call("chat.postMessage", {"ok": True, "ts": "2.2"}, channel=OLIVIA, text="dm"))
    assert [m.text for m in space.top_level(OPS, OLIVIA)] == []
    assert [c.name for c in space.channels_for(OLIVIA)] == ["ops", "Billing Ops"]
    assert [c.name for c in space.channels_for(ALEX)] == ["ops"]

    space.origins.record("trigger-1", Origin(user=OLIVIA))
    opened = {"ok": True, "view": {"id": "V1", "title": {"type": "plain_text", "text": "Lookup"}}}
    space.apply(call("views.open", opened, trigger_id="trigger-1", view={}))
    assert space.modal_for(ALEX) is None
    modal = space.modal_for(OLIVIA)
    assert modal is not None and modal.id == "V1"
    space.show_errors("V1", {"block": "Enter an email"})
    space.apply(call("views.update", {"ok": True, "view": {"id": "V1", "blocks": []}}, view_id="V1", view={}))
    assert modal.view == {"id": "V1", "blocks": []} and modal.errors == {}
    space.close_view(OLIVIA, "V1")
    assert space.modal_for(OLIVIA) is None


def test_a_replaced_modal_keeps_what_was_entered_in_the_inputs_it_still_has() -> None:
    space = workspace()
    space.origins.record("trigger-1", Origin(user=OLIVIA))
    reason = {
        "type": "input",
        "block_id": "reason",
        "label": {"type": "plain_text", "text": "Reason"},
        "element": {"type": "plain_text_input", "action_id": "text"},
    }
    opened = {"ok": True, "view": {"id": "V1", "blocks": [reason]}}
    space.apply(call("views.open", opened, trigger_id="trigger-1", view={}))
    typed = {"reason": {"text": {"type": "plain_text_input", "value": "asked twice"}}}
    space.enter("V1", typed)
    space.show_errors("V1", {"reason": "Too short"})
    modal = space.modal_for(OLIVIA)
    assert modal is not None
    assert modal.payload()["state"] == {"values": typed}

    space.apply(call("views.update", {"ok": True, "view": {"id": "V1", "blocks": [reason]}}, view_id="V1"))
    assert (modal.values, modal.errors) == (typed, {})
    space.apply(call("views.update", {"ok": True, "view": {"id": "V1", "blocks": []}}, view_id="V1"))
    assert modal.values == {}
