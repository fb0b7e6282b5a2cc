"""Hostile requests through the real HTTP endpoint: nothing unverified is parsed or acted on, and signed but
malformed payloads of every kind (Hypothesis-generated) never get a 5xx, a logged traceback or a Stripe write.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlencode

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from billing.gateway import StripeGateway
from billing.sandbox import SandboxServer
from bot.slack_requests import FORM, slack_signature
from messages.ids import ButtonValue, CallbackId
from tests.e2e.buttons import ActionId
from tests.e2e.forms import through_form
from tests.e2e.slack_harness import (
    BILLING_CHANNEL,
    OPERATOR,
    SIGNING_SECRET,
    TEAM_ID,
    SlackHarness,
    find_button,
    running_bot,
)

EXAMPLES_PER_KIND = 420  # x 5 kinds = 2,100 signed malformed payloads per run


class LogRecorder(logging.Handler):
    def __init__(self) -> None:
        super().__init__(level=logging.WARNING)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)

    def tracebacks(self) -> list[str]:
        return [
            f"{record.name}: {record.getMessage()} {record.exc_info[1]!r}"
            if record.exc_info
            else f"{record.name}: {record.getMessage()}"
            for record in self.records
            if record.exc_info or record.levelno >= logging.ERROR
        ]


@pytest.fixture(scope="module")
def logs() -> Iterator[LogRecorder]:
    recorder = LogRecorder()
    root = logging.getLogger()
    root.addHandler(recorder)
    try:
        yield recorder
    finally:
        root.removeHandler(recorder)


@pytest.fixture(scope="module")
def bot(demo: SandboxServer, gateway: StripeGateway, logs: LogRecorder) -> Iterator[SlackHarness]:
    with running_bot(gateway) as harness:
        KNOWN.update(withdrawn_confirmation(harness))
        yield harness


def withdrawn_confirmation(bot: SlackHarness) -> dict[str, str]:
    """/billing jane@example.com -> Duplicate -> Cancel duplicate now + refund -> its form -> Back."""
    bot.slash_command("jane@example.com")
    [card] = bot.standin.wait_for("chat.postMessage")
    bot.wait_idle()
    bot.click(card, ActionId.CLASSIFY, bucket="duplicate")
    options = bot.standin.wait_for("chat.update")[-1]
    prompt = through_form(bot, bot.standin, options, ActionId.CANCEL_DUPLICATE)
    button, _ = find_button(prompt.args["blocks"], ActionId.BACK.value)
    bot.click(prompt, ActionId.BACK)
    bot.wait_idle()
    value = ButtonValue.decode(button["value"])
    assert value.case and value.nonce
    return {"case": value.case, "nonce": value.nonce}


@pytest.fixture
def quiet(bot: SlackHarness, demo: SandboxServer, logs: LogRecorder) -> Iterator[None]:
    """Each test starts from no Slack calls, no Stripe requests logged and no log records."""
    bot.wait_idle(timeout=60)
    bot.standin.reset()
    demo.clear_log()
    logs.records.clear()
    yield
    bot.wait_idle(timeout=120)


def stripe_writes(demo: SandboxServer) -> list[str]:
    return [f"{r.method} {r.path}" for r in demo.request_log if r.method != "GET"]


# --- unsigned and badly signed ------------------------------------------------------------------


def hostile_body(bot: SlackHarness) -> str:
    """A payload naming a user, a channel and a response_url: what an attacker wants the bot to act on."""
    payload = {
        "type": "block_actions",
        "user": {"id": OPERATOR},
        "channel": {"id": BILLING_CHANNEL},
        "team": {"id": TEAM_ID},
        "trigger_id": "t",
        "response_url": bot.standin.response_url("attacker"),
        "actions": [{"action_id": ActionId.CONFIRM.value, "value": "{"}],
    }
    return urlencode({"payload": json.dumps(payload)})


@pytest.mark.parametrize(
    "headers",
    [
        pytest.param({"X-Slack-Request-Timestamp": "abc"}, id="non-numeric-timestamp-unsigned"),
        pytest.param(
            {"X-Slack-Request-Timestamp": "abc", "X-Slack-Signature": "v0=" + "0" * 64}, id="non-numeric"
        ),
        pytest.param({}, id="no-headers"),
        pytest.param({"X-Slack-Request-Timestamp": "1e9", "X-Slack-Signature": "v0=zz"}, id="garbage"),
        pytest.param(
            {"X-Slack-Request-Timestamp": "NOW", "X-Slack-Signature": "v0=" + "0" * 64}, id="bad-signature"
        ),
        pytest.param(
            {"X-Slack-Request-Timestamp": "OLD", "X-Slack-Signature": "SIGNED"}, id="stale-but-signed"
        ),
        pytest.param(
            {"X-Slack-Request-Timestamp": "NOW", "X-Slack-Signature": "OTHER-BODY"}, id="other-body"
        ),
        pytest.param(
            {"X-Slack-Request-Timestamp": "NOW", "X-Slack-Signature": "OTHER-SECRET"}, id="other-secret"
        ),
    ],
)
def test_unsigned_and_badly_signed_requests_get_401_and_cause_no_call_at_all(
    bot: SlackHarness, demo: SandboxServer, logs: LogRecorder, quiet: None, headers: dict[str, str]
) -> None:
    body = hostile_body(bot)
    now = str(int(time.time()))
    sent = {"Content-Type": FORM, **headers}
    if sent.get("X-Slack-Request-Timestamp") == "NOW":
        sent["X-Slack-Request-Timestamp"] = now
    if sent.get("X-Slack-Request-Timestamp") == "OLD":
        sent["X-Slack-Request-Timestamp"] = str(int(time.time()) - 600)
    ts = sent.get("X-Slack-Request-Timestamp", "")
    signatures = {
        "SIGNED": slack_signature(SIGNING_SECRET, ts, body),
        "OTHER-BODY": slack_signature(SIGNING_SECRET, ts, body + "&x=1"),
        "OTHER-SECRET": slack_signature("another-apps-secret", ts, body),
    }
    if sent.get("X-Slack-Signature") in signatures:
        sent["X-Slack-Signature"] = signatures[sent["X-Slack-Signature"]]
    response = bot.http.post(bot.url, content=body.encode(), headers=sent)
    bot.wait_idle()
    assert response.status_code == 401
    assert bot.standin.calls == []  # no Web API call, no DM, no post, no response_url
    assert demo.request_log == []  # no Stripe request
    assert logs.tracebacks() == []


# --- signed but malformed, Hypothesis-generated ----------------------------------------------------

ACTION_IDS = [action.value for action in ActionId]
CALLBACK_IDS = [callback.value for callback in CallbackId]
JSON_SCALARS = st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=40)
ANY_JSON = st.recursive(
    JSON_SCALARS,
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=10), children, max_size=4)
    ),
    max_leaves=12,
)
ODD_TEXT = st.one_of(
    st.text(max_size=200),
    st.text(alphabet=st.characters(codec="utf-8"), max_size=50).map(lambda t: t * 80),  # long, odd unicode
    st.sampled_from(["<!channel> hi", "<@U0OPERATOR>", "jane@example.com", "cus_", "ch_" + "9" * 200, ""]),
)


def maybe(strategy: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    """Mostly the field as Slack sends it; sometimes wrong-typed or absent (None drops it below). Mostly
    plausible fields, so that most payloads pass the gate and reach a listener with something tampered."""
    return st.integers(0, 39).flatmap(lambda n: strategy if n < 37 else ANY_JSON if n < 39 else st.none())


# A real case and a withdrawn confirmation (made by the `bot` fixture), so tampered buttons reach deep code.
KNOWN: dict[str, str] = {}


def callback_ids(*right: CallbackId) -> st.SearchStrategy[str]:
    """Mostly the callback this kind of payload is registered under; sometimes another one."""
    return st.sampled_from([callback.value for callback in right] * 6 + CALLBACK_IDS)


def button_values() -> st.SearchStrategy[Any]:
    tampered = st.builds(
        lambda case, nonce, bucket, target, text: ButtonValue.model_construct(
            case=case, nonce=nonce, bucket=bucket, target=target, text=text
        ).model_dump_json(),
        st.one_of(st.none(), st.text(max_size=60), st.sampled_from(["case", "nonce"]).map(KNOWN.get)),
        st.one_of(st.none(), st.text(max_size=60), st.sampled_from(["nonce"]).map(KNOWN.get)),
        st.one_of(st.none(), st.sampled_from(["duplicate", "team", "nope"]), st.text(max_size=60)),
        st.one_of(st.none(), st.text(max_size=100)),
        st.one_of(st.none(), st.text(max_size=2000)),
    )
    return st.one_of(tampered, st.text(max_size=100), ANY_JSON.map(json.dumps))


def drop_none(payload: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in payload.items() if value is not None}


def user() -> st.SearchStrategy[Any]:
    return maybe(
        st.fixed_dictionaries({"id": st.sampled_from([OPERATOR, "U0STRANGER", ""]) | st.text(max_size=12)})
    )


def team() -> st.SearchStrategy[Any]:
    return maybe(st.fixed_dictionaries({"id": st.just(TEAM_ID) | st.text(max_size=12)}))


def channel() -> st.SearchStrategy[Any]:
    return maybe(
        st.fixed_dictionaries({"id": st.sampled_from([BILLING_CHANNEL, "C0GENERAL"]) | st.text(max_size=12)})
    )


def response_url(bot: SlackHarness) -> st.SearchStrategy[Any]:
    return maybe(st.just(bot.standin.response_url("fuzz")))


def command_forms(bot: SlackHarness) -> st.SearchStrategy[dict[str, Any]]:
    return st.fixed_dictionaries(
        {
            "command": maybe(st.sampled_from(["/billing"] * 5 + ["/other"])),
            "text": maybe(ODD_TEXT | st.sampled_from(["digest", "plans", "portal-check", "help"])),
            "user_id": maybe(st.just(OPERATOR)),
            "channel_id": maybe(st.sampled_from([BILLING_CHANNEL, "C0GENERAL", ""])),
            "response_url": response_url(bot),
            "trigger_id": maybe(st.text(max_size=10)),
        }
    ).map(drop_none)


def block_actions(bot: SlackHarness) -> st.SearchStrategy[dict[str, Any]]:
    action = st.fixed_dictionaries(
        {
            "action_id": maybe(st.sampled_from(ACTION_IDS)),
            "value": maybe(button_values()),
            "block_id": maybe(st.text(max_size=10)),
        }
    ).map(drop_none)
    return st.fixed_dictionaries(
        {
            "type": st.just("block_actions"),
            "user": user(),
            "team": team(),
            "channel": channel(),
            "trigger_id": maybe(st.text(min_size=1, max_size=10)),
            "response_url": response_url(bot),
            "actions": maybe(st.lists(action, min_size=1, max_size=2)),
            "message": maybe(
                st.fixed_dictionaries({"ts": maybe(st.text(max_size=20)), "text": maybe(ODD_TEXT)}).map(
                    drop_none
                )
            ),
            "container": maybe(
                st.fixed_dictionaries({"type": maybe(st.sampled_from(["message", "view"]))}).map(drop_none)
            ),
            "view": maybe(st.fixed_dictionaries({"id": maybe(st.text(max_size=10))}).map(drop_none)),
        }
    ).map(drop_none)


def view_submissions(bot: SlackHarness) -> st.SearchStrategy[dict[str, Any]]:
    values = maybe(
        st.dictionaries(
            st.sampled_from(["refund.amount", "lookup.query", "x"]) | st.text(max_size=10),
            maybe(
                st.dictionaries(
                    st.sampled_from(["amount", "query"]) | st.text(max_size=5),
                    maybe(st.fixed_dictionaries({"value": maybe(ODD_TEXT)}).map(drop_none)),
                    max_size=2,
                )
            ),
            max_size=3,
        )
    )
    view = st.fixed_dictionaries(
        {
            "id": maybe(st.text(max_size=10)),
            "type": maybe(st.just("modal")),
            "callback_id": maybe(callback_ids(CallbackId.LOOKUP_MODAL, CallbackId.ACTION_FORM)),
            "private_metadata": maybe(button_values()),
            "state": maybe(st.fixed_dictionaries({"values": values}).map(drop_none)),
        }
    ).map(drop_none)
    return st.fixed_dictionaries(
        {
            "type": st.just("view_submission"),
            "user": user(),
            "team": team(),
            "view": maybe(view),
            "trigger_id": maybe(st.text(max_size=10)),
        }
    ).map(drop_none)


def shortcuts(bot: SlackHarness) -> st.SearchStrategy[dict[str, Any]]:
    return st.fixed_dictionaries(
        {
            "type": st.just("shortcut"),
            "callback_id": maybe(callback_ids(CallbackId.GLOBAL_SHORTCUT)),
            "trigger_id": maybe(st.text(min_size=1, max_size=10)),
            "user": user(),
            "team": team(),
        }
    ).map(drop_none)


def message_actions(bot: SlackHarness) -> st.SearchStrategy[dict[str, Any]]:
    message = st.fixed_dictionaries(
        {"text": maybe(ODD_TEXT), "ts": maybe(st.text(max_size=20)), "thread_ts": maybe(st.text(max_size=20))}
    ).map(drop_none)
    return st.fixed_dictionaries(
        {
            "type": st.just("message_action"),
            "callback_id": maybe(callback_ids(CallbackId.MESSAGE_SHORTCUT)),
            "trigger_id": maybe(st.text(min_size=1, max_size=10)),
            "user": user(),
            "team": team(),
            "channel": channel(),
            "message": maybe(message),
            "response_url": response_url(bot),
        }
    ).map(drop_none)


def garbage_bodies() -> st.SearchStrategy[str]:
    """Bodies that are not even a payload: garbage JSON, odd forms, huge text."""
    return st.one_of(
        st.text(max_size=300),
        st.text(max_size=100).map(lambda t: urlencode({"payload": t})),
        ANY_JSON.map(lambda j: urlencode({"payload": json.dumps(j)})),
        ANY_JSON.map(json.dumps),
        st.just("payload=" + "x" * 300_000),
    )


def send_signed(bot: SlackHarness, body: str) -> httpx.Response:
    ts = str(int(time.time()))
    headers = {
        "Content-Type": FORM,
        "X-Slack-Request-Timestamp": ts,
        "X-Slack-Signature": slack_signature(SIGNING_SECRET, ts, body),
    }
    return bot.http.post(bot.url, content=body.encode("utf-8"), headers=headers)


def check_answer(response: httpx.Response, statuses: list[int]) -> None:
    statuses.append(response.status_code)
    assert response.status_code < 500, response.text


FUZZ = settings(
    max_examples=EXAMPLES_PER_KIND,
    deadline=None,
    derandomize=True,
    suppress_health_check=[
        HealthCheck.function_scoped_fixture,
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
    ],
)
KINDS = {
    "command": lambda bot: command_forms(bot).map(urlencode),
    "block_actions": lambda bot: block_actions(bot).map(lambda p: urlencode({"payload": json.dumps(p)})),
    "view_submission": lambda bot: view_submissions(bot).map(lambda p: urlencode({"payload": json.dumps(p)})),
    "shortcut": lambda bot: shortcuts(bot).map(lambda p: urlencode({"payload": json.dumps(p)})),
    "message_action": lambda bot: message_actions(bot).map(lambda p: urlencode({"payload": json.dumps(p)})),
    "garbage": lambda bot: garbage_bodies(),
}


@pytest.mark.parametrize("kind", list(KINDS))
def test_signed_malformed_payloads_get_no_5xx_no_traceback_and_no_stripe_write(
    bot: SlackHarness, demo: SandboxServer, logs: LogRecorder, quiet: None, kind: str
) -> None:
    statuses: list[int] = []

    @FUZZ
    @given(body=KINDS[kind](bot))
    def fuzz(body: str) -> None:
        check_answer(send_signed(bot, body), statuses)
        # One at a time, as an operator clicks: a flood would only measure the listener pool's queue.
        bot.wait_idle(timeout=30)

    fuzz()
    bot.wait_idle(timeout=120)
    assert len(statuses) >= EXAMPLES_PER_KIND * 0.9 or kind == "garbage"
    assert all(status in (200, 400, 404) for status in statuses), sorted(set(statuses))
    print(kind, {status: statuses.count(status) for status in sorted(set(statuses))})
    if kind != "garbage":
        assert statuses.count(200) >= len(statuses) // 5, "most payloads never reached a listener"
    assert logs.tracebacks() == []
    assert stripe_writes(demo) == []
