"""Runners: Socket Mode, or HTTP (Bolt's Starlette adapter under uvicorn) with /slack/events, /healthz and
/metrics (Prometheus)."""

from __future__ import annotations

import logging
import signal
import socket
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from typing import Any

import uvicorn
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from slack_bolt import App
from slack_bolt.adapter.socket_mode import SocketModeHandler
from slack_bolt.adapter.starlette.handler import to_bolt_request, to_starlette_response
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import Route

from billing.errors import BillingError, ConfigError
from billing.metrics import SLACK_ACK_SECONDS, SLACK_REQUESTS
from bot import request_gate as gate
from bot.config import Settings

log = logging.getLogger(__name__)

EVENTS_PATH = "/slack/events"
HEALTH_PATH = "/healthz"
METRICS_PATH = "/metrics"
LOOPBACK = "127.0.0.1"


HealthCheck = Callable[[], None]


def build_asgi_app(app: App, health_check: HealthCheck | None = None) -> Starlette:
    """POST /slack/events -> Bolt; GET /healthz -> {"ok": true} when `health_check` passes (the database
    takes a write), else 503; GET /metrics -> Prometheus text."""
    response_url_allowed = gate.response_url_check(app.client.base_url)

    async def events(request: Request) -> Response:
        started = time.perf_counter()
        body = await request.body()
        try:
            # Before Bolt parses anything: Bolt's own check runs only after it has read the body.
            gate.verify_signature(app._signing_secret, request.headers, body)
            gate.parse_body(
                body, request.headers.get("content-type", ""), response_url_allowed=response_url_allowed
            )
        except gate.Rejected as rejected:
            log.warning("refused a request to %s: HTTP %d, %s", EVENTS_PATH, rejected.status, rejected.reason)
            SLACK_REQUESTS.labels(status=str(rejected.status)).inc()
            return PlainTextResponse(rejected.reason, status_code=rejected.status)
        # dispatch() verifies the signature again and waits for ack(); keep that off the event loop.
        bolt_response = await run_in_threadpool(app.dispatch, to_bolt_request(request, body))
        SLACK_ACK_SECONDS.observe(time.perf_counter() - started)
        SLACK_REQUESTS.labels(status=str(bolt_response.status)).inc()
        return to_starlette_response(bolt_response)

    async def health(request: Request) -> Response:
        if health_check is not None:
            try:
                await run_in_threadpool(health_check)
            except BillingError as error:
                log.warning("health check failed: %s", error.message)
                return JSONResponse({"ok": False, "error": error.message}, status_code=503)
        return JSONResponse({"ok": True})

    async def metrics(request: Request) -> Response:
        return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)

    return Starlette(
        routes=[
            Route(EVENTS_PATH, events, methods=["POST"]),
            Route(HEALTH_PATH, health, methods=["GET"]),
            Route(METRICS_PATH, metrics, methods=["GET"]),
        ]
    )


def uvicorn_server(
    app: App, *, host: str = LOOPBACK, port: int = 3000, health_check: HealthCheck | None = None
) -> uvicorn.Server:
    """A configured server; `.run()` blocks, tests run it in a thread and read `.servers` for the port."""
    return graceful_server(build_asgi_app(app, health_check), host=host, port=port)


def graceful_server(asgi: Starlette, *, host: str, port: int) -> uvicorn.Server:
    """Any of the project's ASGI apps under uvicorn, quiet, stopping on SIGINT/SIGTERM through the caller's
    cleanup (GracefulServer)."""
    config = uvicorn.Config(asgi, host=host, port=port, log_level="warning", access_log=False, lifespan="off")
    return GracefulServer(config)


class GracefulServer(uvicorn.Server):
    """uvicorn re-raises SIGTERM once it has shut down, which ends the process before `run` can stop the
    digest scheduler: a deploy's SIGTERM should end like Ctrl-C, through the callers' cleanup, exit 0."""

    @contextmanager
    def capture_signals(self) -> Iterator[None]:
        if threading.current_thread() is not threading.main_thread():
            yield
            return
        previous = {sig: signal.signal(sig, self.handle_exit) for sig in (signal.SIGINT, signal.SIGTERM)}
        try:
            yield
        finally:
            for sig, handler in previous.items():
                signal.signal(sig, handler)
            if self._captured_signals:
                log.info("Stopped on %s", signal.Signals(self._captured_signals[-1]).name)


def serve_http(
    app: App, *, host: str = LOOPBACK, port: int = 3000, health_check: HealthCheck | None = None
) -> None:
    """Blocks until SIGINT/SIGTERM (uvicorn's handlers). Binds first so port 0 logs the port it got."""
    sock = _listening_socket(host, port)
    bound_port = sock.getsockname()[1]
    log.info("Listening for Slack on http://%s:%d%s", host, bound_port, EVENTS_PATH)
    try:
        uvicorn_server(app, host=host, port=bound_port, health_check=health_check).run(sockets=[sock])
    finally:
        sock.close()


def _listening_socket(host: str, port: int) -> socket.socket:
    sock = socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    # Starlette writes a response's head and body separately; without this every answer (Slack's 3 s ack
    # included) waits ~40 ms for the client's delayed ACK.
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    try:
        sock.bind((host, port))
    except OSError as error:
        sock.close()
        raise ConfigError(f"cannot listen on {host}:{port}: {error.strerror or error}") from None
    sock.listen(128)
    return sock


@contextmanager
def serving_in_thread(
    app: App, *, host: str = LOOPBACK, port: int = 0, health_check: HealthCheck | None = None
) -> Iterator[str]:
    """Serve `app` as `serve_http` does, from a thread, until the block exits; yields the events URL.

    Port 0 picks a free port. The socket is bound and listening before the thread starts, so requests
    queue until uvicorn accepts them and callers need not wait for start-up.
    """
    sock = _listening_socket(host, port)
    bound_port = sock.getsockname()[1]
    server = uvicorn_server(app, host=host, port=bound_port, health_check=health_check)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, name="uvicorn", daemon=True)
    thread.start()
    try:
        yield f"http://{host}:{bound_port}{EVENTS_PATH}"
    finally:
        server.should_exit = True
        thread.join(timeout=5)
        sock.close()


class ListenerExecutor(ThreadPoolExecutor):
    """Bolt's listener pool, counting work in flight so an embedder can wait for every listener to finish."""

    def __init__(self) -> None:
        super().__init__(max_workers=5, thread_name_prefix="bolt-listener")
        self._in_flight = 0
        self._idle = threading.Condition()

    def submit(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Future[Any]:
        with self._idle:
            self._in_flight += 1
        future = super().submit(fn, *args, **kwargs)
        future.add_done_callback(self._finished)
        return future

    def _finished(self, _: Future[Any]) -> None:
        with self._idle:
            self._in_flight -= 1
            self._idle.notify_all()

    def wait_idle(self, timeout: float = 5) -> None:
        with self._idle:
            if not self._idle.wait_for(lambda: self._in_flight == 0, timeout=timeout):
                raise TimeoutError(f"{self._in_flight} listener(s) still running after {timeout}s")


def serve_socket_mode(app: App, settings: Settings) -> None:
    settings.require("SLACK_APP_TOKEN")
    assert settings.slack_app_token is not None
    log.info("Connecting to Slack with Socket Mode")
    SocketModeHandler(app, settings.slack_app_token.get_secret_value()).start()
