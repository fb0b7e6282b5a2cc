"""What the playground's Slack workspace holds: channels, messages, threads, ephemerals and open modals.

It is built from two sources only: what people typed in the page (`post`), and the Web API calls the bot
made on the stand-in, applied in the order the stand-in recorded them (`apply`). A response_url or a
trigger_id is traced back to the person and message it was issued for through `Origins`, filled when the
playground sends a request (see bot.playground.session.UserRequests).
"""

from __future__ import annotations

import itertools
import threading
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from bot.playground.inputs import StateValues, kept_state
from bot.slack_standin import BOT_USER_ID, RESPONSE_URL_METHOD, Call

Block = dict[str, Any]
ORIGIN_HUMAN_TS = 1_690_000_000


@dataclass(frozen=True)
class User:
    id: str
    name: str
    title: str


@dataclass(frozen=True)
class Channel:
    id: str
    name: str
    topic: str = ""
    direct_with: str | None = None  # a DM: only this user sees it


@dataclass(frozen=True)
class Origin:
    """Who sent a request, from where: a response_url or trigger_id answers to this."""

    user: str
    channel: str | None = None
    message_ts: str | None = None
    thread_ts: str | None = None


@dataclass
class Message:
    channel: str
    ts: str
    author: str
    text: str = ""
    blocks: list[Block] = field(default_factory=list)
    thread_ts: str | None = None
    only_for: str | None = None  # ephemeral: "Only visible to you"
    edited: bool = False

    @property
    def is_reply(self) -> bool:
        return self.thread_ts is not None and self.thread_ts != self.ts

    def visible_to(self, user: str) -> bool:
        return self.only_for is None or self.only_for == user


@dataclass
class OpenView:
    id: str
    user: str
    view: dict[str, Any]
    errors: dict[str, str] = field(default_factory=dict)
    values: StateValues = field(default_factory=dict)  # view.state.values: what the person last entered

    def payload(self) -> dict[str, Any]:
        """The view as Slack puts it in a block_actions or view_submission payload."""
        return {**self.view, "id": self.id, "state": {"values": self.values}}


class Origins:
    """Request IDs (response_url names, trigger_ids) -> where the request came from."""

    def __init__(self) -> None:
        self._by_id: dict[str, Origin] = {}
        self._lock = threading.Lock()

    def record(self, ident: str, origin: Origin) -> None:
        with self._lock:
            self._by_id[ident] = origin

    def get(self, ident: str | None) -> Origin | None:
        with self._lock:
            return self._by_id.get(ident or "")


class Workspace:
    def __init__(self, users: Iterable[User], channels: Iterable[Channel], origins: Origins) -> None:
        self.users = {user.id: user for user in users}
        self.channels = {channel.id: channel for channel in channels}
        self.origins = origins
        self.messages: list[Message] = []
        self.views: dict[str, OpenView] = {}
        self.modals: dict[str, list[str]] = {}  # user -> stack of view ids, top last
        self.version = 0
        self.lock = threading.RLock()
        self._human_ts = itertools.count(1)
        self._applied = 0

    # --- names ----------------------------------------------------------------------------------
    def names(self) -> dict[str, str]:
        """IDs -> display names for mentions."""
        names = {user.id: user.name for user in self.users.values()}
        names.update({channel.id: channel.name for channel in self.channels.values()})
        return names

    def channels_for(self, user: str) -> list[Channel]:
        return [c for c in self.channels.values() if c.direct_with in (None, user)]

    # --- people ---------------------------------------------------------------------------------
    def post(self, user: str, channel: str, text: str, thread_ts: str | None = None) -> Message:
        with self.lock:
            ts = f"{ORIGIN_HUMAN_TS}.{next(self._human_ts):06d}"
            message = Message(channel=channel, ts=ts, author=user, text=text, thread_ts=thread_ts)
            self._add(message)
            return message

    def tell(self, user: str, channel: str, text: str, thread_ts: str | None = None) -> None:
        """What Slack itself says to one person (e.g. an unknown slash command)."""
        with self.lock:
            ts = f"{ORIGIN_HUMAN_TS}.{next(self._human_ts):06d}"
            self._add(
                Message(
                    channel=channel, ts=ts, author="USLACKBOT", text=text, thread_ts=thread_ts, only_for=user
                )
            )

    def close_view(self, user: str, view_id: str | None = None, *, everything: bool = False) -> None:
        with self.lock:
            stack = self.modals.get(user, [])
            if everything:
                stack.clear()
            elif stack and (view_id is None or stack[-1] == view_id):
                stack.pop()
            self.version += 1

    def show_errors(self, view_id: str, errors: dict[str, str]) -> None:
        with self.lock:
            if view_id in self.views:
                self.views[view_id].errors = dict(errors)
                self.version += 1

    def enter(self, view_id: str, values: StateValues) -> None:
        """What the person entered in an open view, kept as Slack keeps view.state."""
        with self.lock:
            if view_id in self.views:
                self.views[view_id].values = values
                self.version += 1

    def replace_view(self, view_id: str, view: dict[str, Any]) -> None:
        """views.update or response_action "update": the new view keeps the entries of the inputs it
        still has (same block_id, action_id and type), as Slack does; old errors go."""
        with self.lock:
            if view_id in self.views:
                shown = self.views[view_id]
                shown.view = {**view, "id": view_id}
                shown.errors = {}
                shown.values = kept_state(view.get("blocks") or [], shown.values)
                self.version += 1

    # --- queries --------------------------------------------------------------------------------
    def find(self, channel: str, ts: str) -> Message | None:
        with self.lock:
            return next((m for m in self.messages if m.channel == channel and m.ts == ts), None)

    def top_level(self, channel: str, user: str) -> list[Message]:
        with self.lock:
            return [
                m for m in self.messages if m.channel == channel and not m.is_reply and m.visible_to(user)
            ]

    def replies(self, channel: str, thread_ts: str, user: str) -> list[Message]:
        with self.lock:
            return [
                m
                for m in self.messages
                if m.channel == channel and m.is_reply and m.thread_ts == thread_ts and m.visible_to(user)
            ]

    def modal_for(self, user: str) -> OpenView | None:
        with self.lock:
            stack = self.modals.get(user) or []
            return self.views.get(stack[-1]) if stack else None

    # --- the bot's Web API calls ------------------------------------------------------------------
    def apply_new(self, calls: list[Call]) -> None:
        """Apply the calls recorded since the last time (the stand-in's list only grows)."""
        with self.lock:
            for call in calls[self._applied :]:
                if call.ok:
                    self.apply(call)
            self._applied = len(calls)

    def apply(self, call: Call) -> None:
        appliers = {
            "chat.postMessage": self._posted,
            "chat.update": self._updated,
            "chat.postEphemeral": self._ephemeral,
            RESPONSE_URL_METHOD: self._responded,
            "views.open": self._view_opened,
            "views.push": self._view_opened,
            "views.update": self._view_updated,
        }
        applier = appliers.get(call.method)
        if applier is not None:
            applier(call)

    def _posted(self, call: Call) -> None:
        channel = self._channel_or_dm(str(call.args["channel"]))
        thread_ts = call.args.get("thread_ts") or None
        self._add(
            Message(
                channel=channel,
                ts=str(call.ts),
                author=BOT_USER_ID,
                text=str(call.args.get("text") or ""),
                blocks=list(call.args.get("blocks") or []),
                thread_ts=str(thread_ts) if thread_ts else None,
            )
        )

    def _updated(self, call: Call) -> None:
        message = self.find(str(call.args["channel"]), str(call.args["ts"]))
        if message is not None:
            self._replace(message, call.args)

    def _ephemeral(self, call: Call) -> None:
        thread_ts = call.args.get("thread_ts") or None
        self._add(
            Message(
                channel=self._channel_or_dm(str(call.args["channel"])),
                ts=str(call.answer.get("message_ts")),
                author=BOT_USER_ID,
                text=str(call.args.get("text") or ""),
                blocks=list(call.args.get("blocks") or []),
                thread_ts=str(thread_ts) if thread_ts else None,
                only_for=str(call.args["user"]),
            )
        )

    def _responded(self, call: Call) -> None:
        origin = self.origins.get(call.name)
        if origin is None or origin.channel is None:
            return
        source = self.find(origin.channel, origin.message_ts) if origin.message_ts else None
        args = call.args
        if _flag(args.get("delete_original")) and source is not None:
            self.messages.remove(source)
            self.version += 1
        elif _flag(args.get("replace_original")) and source is not None:
            self._replace(source, args)
        else:
            in_channel = args.get("response_type") == "in_channel"
            thread_ts = source.thread_ts if source is not None else origin.thread_ts
            self._add(
                Message(
                    channel=origin.channel,
                    ts=f"{ORIGIN_HUMAN_TS + 1}.{next(self._human_ts):06d}",
                    author=BOT_USER_ID,
                    text=str(args.get("text") or ""),
                    blocks=list(args.get("blocks") or []),
                    thread_ts=thread_ts,
                    only_for=None if in_channel else origin.user,
                )
            )

    def _view_opened(self, call: Call) -> None:
        origin = self.origins.get(str(call.args.get("trigger_id") or ""))
        view = call.answer.get("view") or {}
        if origin is None or not view.get("id"):
            return
        self.views[view["id"]] = OpenView(id=view["id"], user=origin.user, view=dict(view))
        stack = self.modals.setdefault(origin.user, [])
        if call.method == "views.open":
            stack.clear()
        stack.append(view["id"])
        self.version += 1

    def _view_updated(self, call: Call) -> None:
        view = call.answer.get("view") or {}
        if view.get("id"):
            self.replace_view(str(view["id"]), dict(view))

    # --- helpers ----------------------------------------------------------------------------------
    def _add(self, message: Message) -> None:
        self.messages.append(message)
        self.version += 1

    def _replace(self, message: Message, args: dict[str, Any]) -> None:
        message.text = str(args.get("text") or "")
        message.blocks = list(args.get("blocks") or [])
        message.edited = message.only_for is None
        self.version += 1

    def _channel_or_dm(self, channel: str) -> str:
        """Posting to a user ID opens the app's DM with that user."""
        if channel in self.users and channel not in self.channels:
            self.channels[channel] = Channel(id=channel, name="Billing Ops", direct_with=channel)
        return channel


def _flag(value: Any) -> bool:
    return value is True or str(value).lower() == "true"
