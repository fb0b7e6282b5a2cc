"""Route table entries and the per-request call context handed to handlers."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from billing.sandbox.encoding import Params, as_list
from billing.sandbox.state import Json, State

_PLACEHOLDER = re.compile(r"\{(\w+)\}")


@dataclass(frozen=True)
class Call:
    state: State
    params: Params
    path: dict[str, str]

    @property
    def expand(self) -> list[str]:
        return [str(path) for path in as_list(self.params, "expand")]

    def arg(self, name: str) -> str:
        return self.path[name]


Handler = Callable[[Call], Json]


@dataclass(frozen=True)
class Route:
    method: str
    pattern: re.Pattern[str]
    params_type: str
    handler: Handler


def route(method: str, template: str, params_type: str, handler: Handler) -> Route:
    regex = _PLACEHOLDER.sub(lambda match: f"(?P<{match.group(1)}>[^/]+)", template)
    return Route(method, re.compile(f"^{regex}$"), params_type, handler)


def match_route(routes: list[Route], method: str, path: str) -> tuple[Route, dict[str, str]] | None:
    for candidate in routes:
        if candidate.method != method:
            continue
        found = candidate.pattern.match(path)
        if found:
            return candidate, found.groupdict()
    return None
