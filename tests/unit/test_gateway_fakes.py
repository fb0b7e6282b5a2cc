"""A stripe.HTTPClient that answers from canned JSON (fixtures3.json shapes) and records requests."""

from __future__ import annotations

import copy
import json
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import cache
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import stripe

from billing.sandbox.templates import fixtures_path

FIXTURES = fixtures_path()
Handler = Callable[["SentRequest"], tuple[int, dict[str, Any]]]


def fixture(resource: str, /, **overrides: Any) -> dict[str, Any]:
    """One API object as fixtures3.json has it, with top-level fields replaced."""
    return {**copy.deepcopy(_resources()[resource]), **overrides}


@cache
def _resources() -> dict[str, Any]:
    resources: dict[str, Any] = json.loads(FIXTURES.read_text())["resources"]
    return resources


def page(*objects: dict[str, Any], has_more: bool = False) -> dict[str, Any]:
    return {"object": "list", "data": list(objects), "has_more": has_more, "url": "/v1/x"}


def error(kind: str, message: str, *, code: str | None = None, param: str | None = None) -> dict[str, Any]:
    return {"error": {"type": kind, "message": message, "code": code, "param": param}}


@dataclass
class SentRequest:
    method: str
    path: str
    params: dict[str, str]
    headers: Mapping[str, str]

    def expand(self) -> list[str]:
        return [value for key, value in self.params.items() if key.startswith("expand[")]


@dataclass
class FakeStripeHTTP(stripe.HTTPClient):
    routes: dict[tuple[str, str], Handler] = field(default_factory=dict)
    sent: list[SentRequest] = field(default_factory=list)
    name = "fake"

    def __post_init__(self) -> None:
        super().__init__()
        self._sent_lock = threading.Lock()

    def on(self, method: str, path: str, body: dict[str, Any], status: int = 200) -> None:
        self.routes[(method, path)] = lambda _request: (status, body)

    def request(
        self,
        method: str,
        url: str,
        headers: Mapping[str, str] | None,
        post_data: Any = None,
        *,
        _usage: list[str] | None = None,
    ) -> tuple[str, int, Mapping[str, str]]:
        parts = urlsplit(url)
        query = post_data.decode() if isinstance(post_data, bytes) else (post_data or parts.query)
        sent = SentRequest(method.upper(), parts.path, dict(parse_qsl(query)), dict(headers or {}))
        with self._sent_lock:
            self.sent.append(sent)
        handler = self.routes.get((sent.method, sent.path))
        status, body = handler(sent) if handler else (404, error("invalid_request_error", "no route"))
        return json.dumps(body), status, {"request-id": "req_fake123"}

    def close(self) -> None:
        pass

    def paths(self) -> list[str]:
        return [f"{sent.method} {sent.path}" for sent in self.sent]
