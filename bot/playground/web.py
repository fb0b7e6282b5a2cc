"""The page's HTTP side: GET / (the page), GET /api/state (the fragments the page polls), POST /api/* (what
a person does), and the static script and stylesheet. Loopback only."""

from __future__ import annotations

import logging
import secrets
import socket
import threading
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from importlib.resources import files
from typing import Any

import uvicorn
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response
from starlette.routing import Route

from billing.errors import BillingError, ConfigError
from bot.demo import DEMO_CHANNEL, DEMO_OPERATOR
from bot.playground.page import View, fragments, page_html
from bot.playground.session import PEOPLE, Outcome, Playground
from bot.server import graceful_server

log = logging.getLogger(__name__)

LOOPBACK = "127.0.0.1"
STATIC = {"playground.js": "text/javascript", "playground.css": "text/css"}
NO_STORE = {"Cache-Control": "no-store"}


def build_web_app(playground: Playground) -> Starlette:
    people_ids = {person.id for person in PEOPLE}

    def view_of(values: dict[str, Any]) -> View:
        user = str(values.get("user") or DEMO_OPERATOR)
        channel = str(values.get("channel") or DEMO_CHANNEL)
        if user not in people_ids:
            user = DEMO_OPERATOR
        visible = {c.id for c in playground.workspace.channels_for(user)}
        if channel not in visible:
            channel = DEMO_CHANNEL
        return View(user=user, channel=channel, thread=str(values.get("thread") or "") or None)

    async def page(request: Request) -> Response:
        view = view_of(dict(request.query_params))
        workspace = await run_in_threadpool(playground.sync)
        stripe = await run_in_threadpool(playground.stripe.objects)
        return HTMLResponse(page_html(workspace, view, stripe, PEOPLE), headers=NO_STORE)

    async def state(request: Request) -> Response:
        view = view_of(dict(request.query_params))
        workspace = await run_in_threadpool(playground.sync)
        stripe = await run_in_threadpool(playground.stripe.objects)
        body = {"version": workspace.version, **fragments(workspace, view, stripe)}
        return JSONResponse(body, headers=NO_STORE)

    def action(do: Callable[[View, dict[str, Any]], Outcome]) -> Callable[[Request], Awaitable[Response]]:
        async def endpoint(request: Request) -> Response:
            try:
                values = await request.json()
            except ValueError:
                return JSONResponse({"ok": False, "notice": "expected JSON"}, status_code=400)
            if not isinstance(values, dict):
                return JSONResponse({"ok": False, "notice": "expected a JSON object"}, status_code=400)
            try:
                outcome = await run_in_threadpool(do, view_of(values), values)
            except BillingError as error:
                outcome = Outcome(error.message, ok=False)
            except Exception:
                reference = f"ref-{secrets.token_hex(4)}"
                log.exception("Playground action %s failed (%s)", request.url.path, reference)
                outcome = Outcome(
                    f"Something went wrong in the playground ({reference}; see its output).", ok=False
                )
            return JSONResponse({"ok": outcome.ok, "notice": outcome.notice})

        return endpoint

    def text(values: dict[str, Any], name: str) -> str:
        return str(values.get(name) or "")

    async def static(request: Request) -> Response:
        name = request.path_params["name"]
        if name not in STATIC:
            return Response(status_code=404)
        body = files("bot.playground").joinpath("static", name).read_text(encoding="utf-8")
        return Response(body, media_type=STATIC[name], headers=NO_STORE)

    routes = [
        Route("/", page, methods=["GET"]),
        Route("/api/state", state, methods=["GET"]),
        Route(
            "/api/message",
            action(
                lambda v, d: playground.send_message(v.user, v.channel, text(d, "text"), d.get("thread_ts"))
            ),
            methods=["POST"],
        ),
        Route(
            "/api/click",
            action(
                lambda v, d: playground.click(
                    v.user,
                    v.channel,
                    text(d, "ts"),
                    text(d, "action_id"),
                    text(d, "block_id"),
                    text(d, "value"),
                )
            ),
            methods=["POST"],
        ),
        Route(
            "/api/modal-click",
            action(
                lambda v, d: playground.click_in_modal(
                    v.user,
                    text(d, "view_id"),
                    text(d, "action_id"),
                    text(d, "block_id"),
                    text(d, "value"),
                    _entries(d.get("entries")),
                )
            ),
            methods=["POST"],
        ),
        Route(
            "/api/shortcut",
            action(lambda v, d: playground.message_shortcut(v.user, v.channel, text(d, "ts"))),
            methods=["POST"],
        ),
        Route(
            "/api/global-shortcut", action(lambda v, d: playground.global_shortcut(v.user)), methods=["POST"]
        ),
        Route(
            "/api/view-submit",
            action(
                lambda v, d: playground.submit_entries(v.user, text(d, "view_id"), _entries(d.get("entries")))
            ),
            methods=["POST"],
        ),
        Route(
            "/api/view-close",
            action(lambda v, d: playground.close_view(v.user, text(d, "view_id"))),
            methods=["POST"],
        ),
        Route("/api/digest", action(lambda v, d: playground.post_digest()), methods=["POST"]),
        Route("/static/{name}", static, methods=["GET"]),
    ]
    return Starlette(routes=routes)


def _entries(raw: Any) -> dict[str, dict[str, str]]:
    """What a modal's controls hold, as the page sends it: {block_id: {action_id: text}}."""
    if not isinstance(raw, dict):
        return {}
    return {
        str(block_id): {
            str(action_id): str(entry) for action_id, entry in actions.items() if entry is not None
        }
        for block_id, actions in raw.items()
        if isinstance(actions, dict)
    }


def listening_socket(host: str, port: int) -> socket.socket:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError as error:
        sock.close()
        raise ConfigError(f"cannot listen on {host}:{port}: {error.strerror or error}") from None
    sock.listen(64)
    return sock


def page_server(playground: Playground, port: int) -> uvicorn.Server:
    # Ctrl-C (or SIGTERM) ends the page's server and returns, so the caller's cleanup stops the bot, the
    # stand-in and the sandbox and the command exits 0.
    return graceful_server(build_web_app(playground), host=LOOPBACK, port=port)


def serve_page(playground: Playground, *, port: int, ready: Callable[[str], None]) -> None:
    """Blocks until Ctrl-C (uvicorn's SIGINT/SIGTERM handling); `ready(url)` once the socket listens."""
    sock = listening_socket(LOOPBACK, port)
    try:
        ready(f"http://{LOOPBACK}:{sock.getsockname()[1]}/")
        page_server(playground, sock.getsockname()[1]).run(sockets=[sock])
    finally:
        sock.close()


@contextmanager
def serving_page_in_thread(playground: Playground, port: int = 0) -> Iterator[str]:
    """For tests: the page served from a thread until the block exits; yields its URL."""
    sock = listening_socket(LOOPBACK, port)
    bound = sock.getsockname()[1]
    server = page_server(playground, bound)
    thread = threading.Thread(
        target=server.run, kwargs={"sockets": [sock]}, name="playground-page", daemon=True
    )
    thread.start()
    try:
        yield f"http://{LOOPBACK}:{bound}/"
    finally:
        server.should_exit = True
        thread.join(timeout=5)
        sock.close()
