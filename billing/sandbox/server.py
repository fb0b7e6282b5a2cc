"""The HTTP face of the sandbox: ThreadingHTTPServer on 127.0.0.1, plus latency / failure / rate-limit knobs."""

from __future__ import annotations

import json
import logging
import random
import threading
import time
from collections import deque
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import urlsplit

from billing.sandbox.api import Response, dispatch
from billing.sandbox.encoding import Params, decode_form
from billing.sandbox.errors import StripeApiError, api_error, rate_limited
from billing.sandbox.events import API_VERSION
from billing.sandbox.pages import hosted_page
from billing.sandbox.state import State, new_id

logger = logging.getLogger(__name__)
HOST = "127.0.0.1"
DEFAULT_PORT = 12111
API_KEY = "sk_test_sandbox"
ALL_METHODS = frozenset({"GET", "POST", "DELETE"})
WRITE_METHODS = frozenset({"POST", "DELETE"})
# How often serve_forever checks for stop(): tests start and stop a sandbox each, so keep it short.
_POLL_SECONDS = 0.02


@dataclass(frozen=True)
class RequestRecord:
    method: str
    path: str
    params: Params
    started: float
    ended: float
    status: int


class SandboxServer:
    def __init__(
        self,
        port: int = DEFAULT_PORT,
        seed: str | None = None,
        latency_ms: int = 0,
        fail_rate: float = 0.0,
        rate_limit: int | None = None,
        fail_methods: Iterable[str] = ALL_METHODS,
    ) -> None:
        self.api_key = API_KEY
        self.state = State()
        self.request_log: list[RequestRecord] = []
        self._seed = seed
        self._latency_ms = latency_ms
        self._arrived = threading.Condition()
        self._arrivals = 0
        self._fail_rate = fail_rate
        self._fail_methods = _methods(fail_methods)
        self._rate_limit = rate_limit
        self._knob_lock = threading.Lock()
        self._recent: deque[float] = deque()
        self._random = random.Random()
        self._httpd = _HttpServer((HOST, port), _Handler)
        self._httpd.sandbox = self  # type: ignore[attr-defined]
        self._thread: threading.Thread | None = None
        self._serving = False
        self.state.base_url = self.base_url
        if seed:
            from billing.sandbox.seed import load_seed

            load_seed(self.state, seed)

    @property
    def port(self) -> int:
        return int(self._httpd.server_address[1])

    @property
    def base_url(self) -> str:
        return f"http://{HOST}:{self.port}"

    # --- lifecycle ---------------------------------------------------------------------------------------------

    def start(self) -> SandboxServer:
        self._serving = True
        self._thread = threading.Thread(target=self._httpd.serve_forever, args=(_POLL_SECONDS,), daemon=True)
        self._thread.start()
        return self

    def serve_forever(self) -> None:
        self._serving = True
        self._httpd.serve_forever(_POLL_SECONDS)

    def stop(self) -> None:
        # shutdown() waits for a serve_forever loop to acknowledge; without one it would wait forever.
        if self._serving:
            self._httpd.shutdown()
            self._serving = False
        self._httpd.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)

    # --- knobs for tests ---------------------------------------------------------------------------------------

    def set_fail_rate(self, fail_rate: float, methods: Iterable[str] = ALL_METHODS) -> None:
        """Answer this fraction of requests with a 500; `methods=WRITE_METHODS` fails only POST and DELETE."""
        with self._knob_lock:
            self._fail_rate = fail_rate
            self._fail_methods = _methods(methods)

    def set_write_fail_rate(self, fail_rate: float) -> None:
        self.set_fail_rate(fail_rate, WRITE_METHODS)

    def set_latency_ms(self, latency_ms: int) -> None:
        with self._knob_lock:
            self._latency_ms = latency_ms
        self._arrived = threading.Condition()
        self._arrivals = 0

    def set_rate_limit(self, rate_limit: int | None) -> None:
        with self._knob_lock:
            self._rate_limit = rate_limit
            self._recent.clear()

    def clear_log(self) -> None:
        with self._knob_lock:
            self.request_log.clear()
        with self._arrived:
            self._arrivals = 0

    def wait_for_requests(self, count: int, timeout: float = 10) -> None:
        """Block until `count` requests have arrived since the last clear_log (answered or not: with latency
        set, a request is in the sandbox long before it is in the log)."""
        with self._arrived:
            if not self._arrived.wait_for(lambda: self._arrivals >= count, timeout=timeout):
                raise TimeoutError(f"expected {count} request(s) within {timeout}s, got {self._arrivals}")

    # --- one request -------------------------------------------------------------------------------------------

    def handle(self, method: str, target: str, body: bytes, headers: dict[str, str]) -> Response:
        started = time.monotonic()
        with self._arrived:
            self._arrivals += 1
            self._arrived.notify_all()
        url = urlsplit(target)
        try:
            params = decode_form(url.query)
            params.update(decode_form(body.decode()))
            page = hosted_page(self.state, method, url.path)
            injected = None if page else self._injected_failure(method, started)
            response = page or injected or dispatch(self.state, method, url.path, params, headers)
        except StripeApiError as error:
            params = {}
            response = _error_response(error)
        except Exception:
            # A bug in the sandbox should look like Stripe's 500, not a dropped connection.
            logger.exception("sandbox failed on %s %s", method, url.path)
            params = {}
            response = _error_response(api_error("The Stripe sandbox failed on this request; see its log."))
        latency = self._latency_ms / 1000
        if latency:
            time.sleep(latency)
        response.headers["Stripe-Version"] = headers.get("Stripe-Version") or API_VERSION
        with self._knob_lock:
            self.request_log.append(
                RequestRecord(method, url.path, params, started, time.monotonic(), response.status)
            )
        return response

    def _injected_failure(self, method: str, now: float) -> Response | None:
        with self._knob_lock:
            if self._rate_limit is not None:
                while self._recent and now - self._recent[0] >= 1.0:
                    self._recent.popleft()
                if len(self._recent) >= self._rate_limit:
                    return _error_response(rate_limited())
                self._recent.append(now)
            failing = self._fail_rate and method in self._fail_methods
            if failing and self._random.random() < self._fail_rate:
                return _error_response(api_error())
        return None


class _HttpServer(ThreadingHTTPServer):
    daemon_threads = True
    # The default backlog of 5 makes bursts of parallel clients wait for TCP SYN retries (a second or more).
    request_queue_size = 128


def _methods(methods: Iterable[str]) -> frozenset[str]:
    chosen = frozenset(method.upper() for method in methods)
    if not chosen <= ALL_METHODS:
        raise ValueError(f"unknown HTTP methods {sorted(chosen - ALL_METHODS)}; use {sorted(ALL_METHODS)}")
    return chosen


def _error_response(error: StripeApiError) -> Response:
    request_id = new_id("req", 14)
    return Response(error.status, json.dumps(error.body(request_id)).encode(), {"Request-Id": request_id})


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    # Headers and body go out as two writes; with Nagle on, the client's delayed ACK adds ~40 ms per request.
    disable_nagle_algorithm = True
    server_version = "stripe-sandbox"

    def do_GET(self) -> None:  # noqa: N802 - http.server's naming
        self._serve("GET")

    def do_POST(self) -> None:  # noqa: N802
        self._serve("POST")

    def do_DELETE(self) -> None:  # noqa: N802
        self._serve("DELETE")

    def _serve(self, method: str) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        sandbox: SandboxServer = self.server.sandbox  # type: ignore[attr-defined]
        # Header names are case-insensitive; dispatch looks them up as `Idempotency-Key`, `Stripe-Version` ….
        headers = {name.title(): value for name, value in self.headers.items()}
        response = sandbox.handle(method, self.path, body, headers)
        self.send_response(response.status)
        self.send_header("Content-Type", response.content_type)
        self.send_header("Content-Length", str(len(response.body)))
        for name, value in response.headers.items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(response.body)

    def log_message(self, format: str, *args: Any) -> None:
        return


@contextmanager
def running_sandbox(
    seed: str | None = None,
    latency_ms: int = 0,
    fail_rate: float = 0.0,
    rate_limit: int | None = None,
    port: int = 0,
    fail_methods: Iterable[str] = ALL_METHODS,
) -> Iterator[SandboxServer]:
    sandbox = SandboxServer(
        port=port,
        seed=seed,
        latency_ms=latency_ms,
        fail_rate=fail_rate,
        rate_limit=rate_limit,
        fail_methods=fail_methods,
    )
    sandbox.start()
    try:
        yield sandbox
    finally:
        sandbox.stop()
