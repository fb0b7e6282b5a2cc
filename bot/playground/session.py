"""The playground's moving parts: the demo's bot (real Bolt app over HTTP, Slack stand-in, demo-seeded
Stripe sandbox) plus a Workspace, and the few things a person can do in Slack, each sent to the bot exactly
as Slack sends it (bot.slack_requests: signed, form-encoded commands, `payload=` interactions).

Every action waits for the bot's listeners to finish before returning, so the page's next poll shows the
outcome; the bot itself answers through the stand-in like it answers Slack.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import httpx

from bot.demo import DEMO_CHANNEL, DEMO_OPERATOR, DemoBot, running_demo_bot
from bot.playground.inputs import Entries, StateValues, client_errors, state_values
from bot.playground.stripe_panel import StripeChanges
from bot.playground.workspace import Channel, Message, OpenView, Origin, Origins, User, Workspace
from bot.scheduler import chat_poster, post_daily_digest
from bot.slack_client import build_slack_client
from bot.slack_requests import SlackRequests
from bot.slack_standin import BOT_USER_ID

SECOND_OPERATOR = "U0SECONDOP"
NON_OPERATOR = "U0VISITOR"
SUPPORT_CHANNEL = "C0SUPPORT"
DIGEST_CHANNEL = "C0DIGEST"

# The people you can be (the switcher, in this order), then the people who wrote in #support.
PEOPLE = (
    User(DEMO_OPERATOR, "olivia", "Olivia, billing operator"),
    User(SECOND_OPERATOR, "sam", "Sam, second billing operator"),
    User(NON_OPERATOR, "alex", "Alex, support agent (not an operator)"),
)
OTHERS = (
    User(BOT_USER_ID, "Billing Ops", "app"),
    User("USLACKBOT", "Slackbot", "app"),
    User("U0JANEDOE", "Jane Doe", "customer"),
    User("U0KENJI", "Kenji Tanaka", "customer"),
    User("U0SUPPORTMAYA", "maya", "support lead"),
)
CHANNELS = (
    Channel(DEMO_CHANNEL, "billing-ops", "Billing cards and money actions (BILLING_CHANNELS)"),
    Channel(SUPPORT_CHANNEL, "support", "Customer conversations: hover a message, ⋯ → Investigate billing"),
    Channel(DIGEST_CHANNEL, "billing-digest", "The daily churn-risk digest (DIGEST_CHANNEL)"),
)
# Already posted in #support when the page opens, as customers and agents write: Slack-escaped text.
SUPPORT_MESSAGES = (
    (
        "U0JANEDOE",
        "Hi! I think I was charged twice this month: my card shows two Pro subscriptions. "
        "My account is jane@example.com. Could you refund the extra one? Thanks!",
    ),
    (
        "U0SUPPORTMAYA",
        "Forwarding from sam@example.com: “my renewal failed and now the app says my plan is past due, "
        "but my card is fine?”",
    ),
    (
        "U0KENJI",
        "Charged twice?? &lt;b&gt;urgent&lt;/b&gt; &lt;script&gt;alert('hi')&lt;/script&gt; "
        "*please* check kenji@example.jp",
    ),
)


def playground_settings() -> dict[str, Any]:
    """What the playground adds to the demo's settings: two operators (two-person approval), a digest
    channel, and an approval threshold low enough to try the second operator's Confirm (an action whose
    impact, money moved plus yearly contract value given up, is above $100)."""
    return {
        "billing_operators": [DEMO_OPERATOR, SECOND_OPERATOR],
        "digest_channel": DIGEST_CHANNEL,
        "billing_approval_above": "USD:100",
    }


def slack_escape(text: str) -> str:
    """What a Slack client does to typed text before sending it."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


@dataclass(kw_only=True)
class UserRequests(SlackRequests):
    """One person's requests; every response_url and trigger_id it issues is recorded with where it came
    from, so the workspace can put the bot's answer in front of the right person."""

    origins: Origins
    origin: Origin | None = None

    def next_id(self, prefix: str) -> str:
        ident = super().next_id(f"{prefix}{self.user_id}-")
        self.origins.record(ident, self.origin or Origin(user=self.user_id))
        return ident


@dataclass
class Outcome:
    """What the page shows after an action besides the workspace itself (e.g. a failed dispatch)."""

    notice: str = ""
    ok: bool = True


@dataclass
class Playground:
    bot: DemoBot
    workspace: Workspace
    stripe: StripeChanges
    _requests: dict[str, UserRequests] = field(default_factory=dict)
    _send_lock: threading.Lock = field(default_factory=threading.Lock)

    # --- reading -------------------------------------------------------------------------------
    def sync(self) -> Workspace:
        """Apply what the bot did on the stand-in since the last look."""
        self.workspace.apply_new(self.bot.standin.calls)
        return self.workspace

    # --- what a person does ---------------------------------------------------------------------
    def send_message(self, user: str, channel: str, text: str, thread_ts: str | None = None) -> Outcome:
        text = text.strip()
        if not text:
            return Outcome()
        if not text.startswith("/"):
            self.workspace.post(user, channel, slack_escape(text), thread_ts)
            return Outcome()
        command, _, rest = text.partition(" ")
        if command != "/billing":
            self.workspace.tell(
                user, channel, f"`{slack_escape(command)}` is not a valid command. Try `/billing help`."
            )
            return Outcome()
        origin = Origin(user=user, channel=channel, thread_ts=thread_ts)
        return self._send(
            user,
            origin,
            "/billing",
            lambda slack: slack.slash_command(rest.strip(), channel_id=channel, user_id=user),
        )

    def click(self, user: str, channel: str, ts: str, action_id: str, block_id: str, value: str) -> Outcome:
        found = self._message_for(user, channel, ts)
        if found is None:
            return Outcome("That message is gone.", ok=False)
        message, origin = found
        return self._send(
            user,
            origin,
            "the button",
            lambda slack: slack.block_action(
                action_id,
                value,
                channel_id=channel,
                message=_as_payload(message),
                block_id=block_id,
                user_id=user,
            ),
        )

    def click_in_modal(
        self,
        user: str,
        view_id: str,
        action_id: str,
        block_id: str,
        value: str,
        entries: Entries | None = None,
    ) -> Outcome:
        """A button in a modal; Slack sends the view with what is entered in it so far (view.state)."""
        view = self._view(user, view_id)
        if view is None:
            return Outcome("That modal is closed.", ok=False)
        if entries is not None:
            self.workspace.enter(view_id, state_values(view.view.get("blocks") or [], entries))
        return self._send(
            user,
            Origin(user=user),
            "the button",
            lambda slack: slack.block_action(
                action_id, value, view=view.payload(), block_id=block_id, user_id=user
            ),
        )

    def message_shortcut(self, user: str, channel: str, ts: str) -> Outcome:
        found = self._message_for(user, channel, ts)
        if found is None:
            return Outcome("That message is gone.", ok=False)
        message, origin = found
        return self._send(
            user,
            origin,
            "Investigate billing",
            lambda slack: slack.message_shortcut(
                message.text,
                channel_id=channel,
                message_ts=ts,
                thread_ts=message.thread_ts,
                user_id=user,
            ),
        )

    def global_shortcut(self, user: str) -> Outcome:
        return self._send(
            user, Origin(user=user), "Billing lookup", lambda slack: slack.global_shortcut(user_id=user)
        )

    def submit_entries(self, user: str, view_id: str, entries: Entries) -> Outcome:
        """Submit as the Slack client does: what the page's controls hold becomes view.state.values; the
        client's own checks (required fields, numbers, dates) stop the submission with an error under
        the block, and only a view that passes them reaches the bot."""
        view = self._view(user, view_id)
        if view is None:
            return Outcome("That modal is closed.", ok=False)
        blocks = view.view.get("blocks") or []
        values = state_values(blocks, entries)
        errors = client_errors(blocks, values)
        if errors:
            self.workspace.enter(view_id, values)
            self.workspace.show_errors(view_id, errors)
            return Outcome()
        return self.submit_view(user, view_id, values)

    def submit_view(self, user: str, view_id: str, values: StateValues) -> Outcome:
        """A view_submission with `values` exactly as given (Slack's view.state.values shape)."""
        view = self._view(user, view_id)
        if view is None:
            return Outcome("That modal is closed.", ok=False)
        self.workspace.enter(view_id, values)
        self.sync()
        with self._send_lock:
            slack = self._requests_for(user)
            slack.origin = Origin(user=user)
            try:
                response = slack.view_submission(
                    values,
                    callback_id=str(view.view.get("callback_id") or ""),
                    view_id=view_id,
                    private_metadata=str(view.view.get("private_metadata") or ""),
                    user_id=user,
                    shown=view.payload(),
                )
            finally:
                slack.origin = None
        if response.status_code != 200:
            return self._settled(Outcome(_failed("Submit", response), ok=False))
        self._apply_view_answer(user, view_id, response)
        return self._settled(Outcome())

    def close_view(self, user: str, view_id: str) -> Outcome:
        self.workspace.close_view(user, view_id)
        return Outcome()

    def post_digest(self) -> Outcome:
        """What the scheduler does at DIGEST_TIME (once a day, claimed in the database)."""
        settings = self.bot.services.settings
        assert settings.slack_bot_token is not None
        client = build_slack_client(settings.slack_bot_token.get_secret_value(), settings.slack_api_url)
        run = post_daily_digest(self.bot.services, chat_poster(client))
        self.sync()
        if not run.posted:
            return Outcome(
                f"Today's digest ({run.day}) was already posted: the bot posts it at most once a day.",
                ok=False,
            )
        return Outcome(f"Posted the digest for {run.day} in #billing-digest.")

    # --- plumbing -------------------------------------------------------------------------------
    def _send(
        self, user: str, origin: Origin, what: str, send: Callable[[UserRequests], httpx.Response]
    ) -> Outcome:
        self.sync()
        with self._send_lock:
            slack = self._requests_for(user)
            slack.origin = origin
            try:
                response = send(slack)
            except httpx.HTTPError as error:
                return Outcome(f"{what} failed: the bot did not answer ({type(error).__name__}).", ok=False)
            finally:
                slack.origin = None
        if response.status_code != 200:
            return self._settled(Outcome(_failed(what, response), ok=False))
        return self._settled(Outcome())

    def _settled(self, outcome: Outcome) -> Outcome:
        try:
            self.bot.wait_idle()  # Bolt's listeners and the work they queued in the bot's lanes
        except TimeoutError:
            outcome = Outcome("The bot is still working; its answer will appear here.")
        self.sync()
        return outcome

    def _apply_view_answer(self, user: str, view_id: str, response: httpx.Response) -> None:
        """A view_submission's ack body: errors, update, push, clear, or nothing (close)."""
        try:
            answer = json.loads(response.text) if response.text.strip() else {}
        except json.JSONDecodeError:
            answer = {}
        action = answer.get("response_action")
        if action == "errors":
            self.workspace.show_errors(view_id, dict(answer.get("errors") or {}))
        elif action == "update":
            self.workspace.replace_view(view_id, dict(answer.get("view") or {}))
        elif action == "clear":
            self.workspace.close_view(user, everything=True)
        else:
            self.workspace.close_view(user, view_id)

    def _message_for(self, user: str, channel: str, ts: str) -> tuple[Message, Origin] | None:
        """The message the user acts on, if they can see it, and where the bot's answers to it belong."""
        message = self.workspace.find(channel, ts)
        if message is None or not message.visible_to(user):
            return None
        return message, Origin(user=user, channel=channel, message_ts=ts, thread_ts=message.thread_ts)

    def _view(self, user: str, view_id: str) -> OpenView | None:
        view = self.workspace.views.get(view_id)
        return view if view is not None and view.user == user else None

    def _requests_for(self, user: str) -> UserRequests:
        if user not in self._requests:
            self._requests[user] = UserRequests(
                url=self.bot.slack.url,
                signing_secret=self.bot.slack.signing_secret,
                response_urls=self.bot.standin.response_url,
                user_id=user,
                channel_id=DEMO_CHANNEL,
                origins=self.workspace.origins,
            )
        return self._requests[user]

    def close(self) -> None:
        for requests in self._requests.values():
            requests.http.close()


def _as_payload(message: Message) -> dict[str, Any]:
    """The message as Slack puts it in a block_actions payload."""
    payload: dict[str, Any] = {
        "type": "message",
        "user": message.author,
        "ts": message.ts,
        "text": message.text,
        "blocks": message.blocks,
    }
    if message.thread_ts:
        payload["thread_ts"] = message.thread_ts
    return payload


def _failed(what: str, response: httpx.Response) -> str:
    return (
        f"{what} failed: the bot answered HTTP {response.status_code} (Slack would show “dispatch_failed”)."
    )


def new_workspace() -> Workspace:
    workspace = Workspace([*PEOPLE, *OTHERS], CHANNELS, Origins())
    for author, text in SUPPORT_MESSAGES:
        workspace.post(author, SUPPORT_CHANNEL, text)
    return workspace


@contextmanager
def running_playground() -> Iterator[Playground]:
    with running_demo_bot(**playground_settings()) as bot:
        playground = Playground(bot, new_workspace(), StripeChanges(bot.sandbox, bot.stripe_client()))
        try:
            yield playground
        finally:
            playground.close()
