"""A local stand-in for Slack's Web API and response_urls, for end-to-end tests and the offline demo.

It answers the calls the bot makes the way Slack does (`{"ok": true, ...}` or `{"ok": false, "error": ...}`),
checks the limits Slack enforces that the bot could break, and records every call in order.
It never records the bearer token itself, only whether one was sent.
"""

from __future__ import annotations

import itertools
import json
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import urlsplit

from bot.slack_checks import (
    Answer,
    Args,
    content_problem,
    error,
    missing,
    parse_args,
)
from bot.slack_standin_views import StandInViews

API_PREFIX = "/api/"
RESPONSE_URL_PREFIX = "/response_url/"
RESPONSE_URL_METHOD = "response_url"
TEAM_ID = "T0STANDIN"
BOT_USER_ID = "U0BILLBOT"


@dataclass(frozen=True)
class Call:
    """One request the stand-in received. `name` is the response_url's name for response_url posts."""

    method: str
    args: Args
    authorized: bool
    ok: bool
    error: str | None = None
    name: str | None = None
    answer: Answer = field(default_factory=dict)

    @property
    def ts(self) -> str | None:
        """The ts Slack gave a posted message (chat.postMessage / chat.update)."""
        return self.answer.get("ts")


@dataclass(frozen=True)
class Failure:
    """An injected answer: Slack's `{"ok": false}` with HTTP 200, or a 429 (with Retry-After) or a 5xx."""

    error: str
    status: int = 200
    retry_after: int | None = None


@dataclass
class _State:
    calls: list[Call] = field(default_factory=list)
    failures: dict[str, list[Failure]] = field(default_factory=dict)
    statuses: dict[int, tuple[int, int | None]] = field(default_factory=dict)
    # Messages customers wrote, for conversations.replies: (channel, ts) -> message.
    history: dict[tuple[str, str], dict[str, Any]] = field(default_factory=dict)
    views: StandInViews = field(default_factory=lambda: StandInViews(TEAM_ID))


class SlackStandIn:
    """`SlackStandIn(port=0).start()`; point WebClient(base_url=standin.base_url) at it."""

    def __init__(self, port: int = 0, *, host: str = "127.0.0.1", token: str | None = None) -> None:
        self._requested = (host, port)
        self._token = token
        self._state = _State()
        self._changed = threading.Condition()
        self._ts = itertools.count(100)
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # --- lifecycle ------------------------------------------------------------------------------
    def start(self) -> SlackStandIn:
        self._server = ThreadingHTTPServer(self._requested, _handler_class(self))
        self._server.daemon_threads = True
        self._thread = threading.Thread(
            target=self._server.serve_forever,
            kwargs={"poll_interval": 0.05},
            name="slack-standin",
            daemon=True,
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def __enter__(self) -> SlackStandIn:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def root_url(self) -> str:
        assert self._server is not None, "start() the stand-in first"
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    @property
    def base_url(self) -> str:
        return f"{self.root_url}{API_PREFIX}"

    def response_url(self, name: str) -> str:
        """A URL to put in a payload's `response_url`; posts to it are recorded under `name`."""
        return f"{self.root_url}{RESPONSE_URL_PREFIX}{name}"

    # --- what happened --------------------------------------------------------------------------
    @property
    def calls(self) -> list[Call]:
        with self._changed:
            return list(self._state.calls)

    def calls_to(self, method: str) -> list[Call]:
        return [call for call in self.calls if call.method == method]

    def wait_for(self, method: str, count: int = 1, timeout: float = 5, *, ok: bool = False) -> list[Call]:
        """Block until `count` calls to `method` (with `ok`: answered ok) were recorded; raise TimeoutError
        otherwise. Returns those calls."""

        def matching() -> list[Call]:
            return [c for c in self._state.calls if c.method == method and (c.ok or not ok)]

        with self._changed:
            done = self._changed.wait_for(lambda: len(matching()) >= count, timeout=timeout)
            if not done:
                seen = [call.method for call in self._state.calls]
                raise TimeoutError(f"expected {count} call(s) to {method} within {timeout}s; got {seen}")
            return matching()

    def wait_for_any(self, methods: list[str], timeout: float = 5) -> Call:
        """The first call to any of `methods` (e.g. an answer that may be ephemeral or a response_url)."""
        with self._changed:
            done = self._changed.wait_for(
                lambda: any(call.method in methods for call in self._state.calls), timeout=timeout
            )
            if not done:
                raise TimeoutError(f"expected a call to one of {methods} within {timeout}s")
            return next(call for call in self._state.calls if call.method in methods)

    def fail_next(
        self, method: str, error: str, *, status: int = 200, retry_after: int | None = None
    ) -> None:
        """Make the next call to `method` answer `{"ok": false, "error": error}`; `status=429` (with
        `retry_after` seconds) or `status=500` answer as Slack does when rate limiting or failing."""
        with self._changed:
            self._state.failures.setdefault(method, []).append(Failure(error, status, retry_after))

    def rate_limit_next(self, method: str, *, retry_after: int = 0) -> None:
        self.fail_next(method, "ratelimited", status=429, retry_after=retry_after)

    def server_error_next(self, method: str) -> None:
        self.fail_next(method, "internal_error", status=500)

    def http_status(self, answer: Answer) -> tuple[int, int | None]:
        """The HTTP status (and Retry-After) an answer goes out with."""
        with self._changed:
            return self._state.statuses.pop(id(answer), (200, None))

    def add_message(
        self, channel: str, ts: str, text: str, *, thread_ts: str | None = None, user: str = "U0CUSTOMER"
    ) -> None:
        """A message already in a channel (e.g. a thread's first message), readable by conversations.replies."""
        message: dict[str, Any] = {"type": "message", "user": user, "ts": ts, "text": text}
        if thread_ts:
            message["thread_ts"] = thread_ts
        with self._changed:
            self._state.history[(channel, ts)] = message

    def reset(self) -> None:
        with self._changed:
            self._state = _State()

    # --- answering ------------------------------------------------------------------------------
    def handle(self, path: str, args: Args, bearer: str | None) -> Answer:
        if path.startswith(RESPONSE_URL_PREFIX):
            name = path.removeprefix(RESPONSE_URL_PREFIX)
            return self._record(RESPONSE_URL_METHOD, args, authorized=True, answer={"ok": True}, name=name)
        method = path.removeprefix(API_PREFIX)
        authorized = self._authorized(bearer)
        answer = (
            self._answer(method, args)
            if authorized
            else error("not_authed" if not bearer else "invalid_auth")
        )
        return self._record(method, args, authorized=authorized, answer=answer)

    def _authorized(self, bearer: str | None) -> bool:
        if not bearer:
            return False
        return bearer == self._token if self._token else bearer.startswith(("xoxb-", "xoxp-"))

    def _answer(self, method: str, args: Args) -> Answer:
        with self._changed:
            queued = self._state.failures.get(method)
            if queued:
                failure = queued.pop(0)
                answer = error(failure.error)
                if failure.status != 200:
                    self._state.statuses[id(answer)] = (failure.status, failure.retry_after)
                return answer
        responder = self._responders().get(method)
        if responder is None:
            return error("unknown_method")
        return responder(args)

    def _record(
        self, method: str, args: Args, *, authorized: bool, answer: Answer, name: str | None = None
    ) -> Answer:
        call = Call(
            method=method,
            args=args,
            authorized=authorized,
            ok=bool(answer.get("ok")),
            error=answer.get("error"),
            name=name,
            answer=answer,
        )
        with self._changed:
            self._state.calls.append(call)
            self._changed.notify_all()
        return answer

    def _next_ts(self) -> str:
        return f"1700000000.{next(self._ts):06d}"

    def _responders(self) -> dict[str, Callable[[Args], Answer]]:
        return {
            "api.test": lambda args: {"ok": True, "args": args},
            "auth.test": self._auth_test,
            "chat.postMessage": self._post_message,
            "chat.postEphemeral": self._post_ephemeral,
            "chat.update": self._update,
            "chat.getPermalink": self._permalink,
            "conversations.info": self._conversation_info,
            "conversations.replies": self._replies,
            "views.open": lambda args: self._state.views.open(args),
            "views.update": lambda args: self._state.views.update(args),
            "views.push": lambda args: self._state.views.open(args),
        }

    def _auth_test(self, args: Args) -> Answer:
        return {
            "ok": True,
            "url": "https://standin.slack.com/",
            "team": "Stand-in",
            "user": "billing-ops",
            "team_id": TEAM_ID,
            "user_id": BOT_USER_ID,
            "bot_id": "B0BILLBOT",
            "is_enterprise_install": False,
        }

    def _post_message(self, args: Args) -> Answer:
        problem = missing(args, "channel") or content_problem(args)
        if problem:
            return error(problem)
        ts = self._next_ts()
        message = {"type": "message", "user": BOT_USER_ID, "ts": ts, "text": args.get("text", "")}
        if args.get("blocks"):
            message["blocks"] = args["blocks"]
        if args.get("thread_ts"):
            message["thread_ts"] = args["thread_ts"]
        return {"ok": True, "channel": args["channel"], "ts": ts, "message": message}

    def _post_ephemeral(self, args: Args) -> Answer:
        problem = missing(args, "channel", "user") or content_problem(args)
        return error(problem) if problem else {"ok": True, "message_ts": self._next_ts()}

    def _update(self, args: Args) -> Answer:
        problem = missing(args, "channel", "ts") or content_problem(args)
        if problem:
            return error(problem)
        message = {"text": args.get("text", ""), "blocks": args.get("blocks", [])}
        return {
            "ok": True,
            "channel": args["channel"],
            "ts": args["ts"],
            "text": message["text"],
            "message": message,
        }

    def _permalink(self, args: Args) -> Answer:
        problem = missing(args, "channel", "message_ts")
        if problem:
            return error(problem)
        ts = str(args["message_ts"]).replace(".", "")
        return {
            "ok": True,
            "channel": args["channel"],
            "permalink": f"https://standin.slack.com/archives/{args['channel']}/p{ts}",
        }

    def _conversation_info(self, args: Args) -> Answer:
        problem = missing(args, "channel")
        if problem:
            return error(problem)
        channel = str(args["channel"])
        return {"ok": True, "channel": {"id": channel, "name": channel.lower(), "is_member": True}}

    def _replies(self, args: Args) -> Answer:
        """A thread: its parent first, then its replies, oldest first (Slack's order), `limit` at most."""
        problem = missing(args, "channel", "ts")
        if problem:
            return error(problem)
        channel, ts = str(args["channel"]), str(args["ts"])
        with self._changed:
            history = dict(self._state.history)
        if (channel, ts) not in history:
            return error("thread_not_found")
        thread = [
            message
            for (where, _), message in history.items()
            if where == channel and (message["ts"] == ts or message.get("thread_ts") == ts)
        ]
        thread.sort(key=lambda message: message["ts"])
        limit = int(args.get("limit") or 1000)
        return {"ok": True, "messages": thread[:limit], "has_more": len(thread) > limit}


def _handler_class(standin: SlackStandIn) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        disable_nagle_algorithm = True  # headers and body go out as two writes: no 40 ms delayed-ACK stall

        def do_GET(self) -> None:  # noqa: N802 (http.server's naming)
            self._serve()

        def do_POST(self) -> None:  # noqa: N802
            self._serve()

        def _serve(self) -> None:
            url = urlsplit(self.path)
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else b""
            if not url.path.startswith((API_PREFIX, RESPONSE_URL_PREFIX)):
                self._send(404, {"ok": False, "error": "not_found"})
                return
            try:
                args = parse_args(url.query, self.headers.get("Content-Type", ""), body)
            except (json.JSONDecodeError, UnicodeDecodeError):
                self._send(200, error("invalid_json"))
                return
            bearer = self.headers.get("Authorization", "").removeprefix("Bearer ").strip() or None
            answer = standin.handle(url.path, args, bearer)
            status, retry_after = standin.http_status(answer)
            self._send(status, answer, retry_after=retry_after)

        def _send(self, status: int, answer: Answer, *, retry_after: int | None = None) -> None:
            payload = json.dumps(answer).encode("utf-8")
            self.send_response(status)
            self.send_header("Content-Type", "application/json; charset=utf-8")
            if retry_after is not None:
                self.send_header("Retry-After", str(retry_after))
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        def log_message(self, format: str, *args: Any) -> None:
            # Quiet: request lines would only repeat what `calls` records.
            pass

    return Handler
