"""Route table entries, the parameters each route implements, and the per-request call context handed to handlers.

Every route declares, next to its handler, the parameters the handler implements (`implements=`): dotted paths
into stripe-python's typed params (`items.price`, `invoice_settings.default_payment_method`). A path names a
parameter and everything under it; list items share one path (`items.price` covers `items[3][price]`). Any
parameter stripe-python allows but no path covers is refused (billing/sandbox/params.py), so adding one is a
conscious act: declare it here and implement it in the handler.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from billing.sandbox.encoding import Params, as_list
from billing.sandbox.state import Json, State

_PLACEHOLDER = re.compile(r"\{(\w+)\}")


class Implemented(dict[str, "Implemented"]):
    """A tree of implemented parameter names; an empty node means "this parameter and everything under it"."""


EXPAND = ("expand",)
PAGINATION = ("expand", "limit", "starting_after", "ending_before")
SEARCH = ("expand", "limit", "page", "query")


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
    template: str
    pattern: re.Pattern[str]
    params_type: str
    handler: Handler
    implements: Implemented


def route(
    method: str, template: str, params_type: str, handler: Handler, *, implements: Iterable[str]
) -> Route:
    regex = _PLACEHOLDER.sub(lambda match: f"(?P<{match.group(1)}>[^/]+)", template)
    return Route(method, template, re.compile(f"^{regex}$"), params_type, handler, implemented(implements))


def implemented(paths: Iterable[str]) -> Implemented:
    """("items.price", "items.quantity", "metadata") -> {"items": {"price": {}, "quantity": {}}, "metadata": {}}"""
    tree = Implemented()
    for path in paths:
        node = tree
        for part in path.split("."):
            node = node.setdefault(part, Implemented())
    return tree


def implemented_paths(tree: Implemented, prefix: str = "") -> list[str]:
    """The declared paths back out of a tree (leaves only), dotted."""
    paths = []
    for name, below in tree.items():
        path = f"{prefix}.{name}" if prefix else name
        paths.extend(implemented_paths(below, path) if below else [path])
    return paths


def match_route(routes: list[Route], method: str, path: str) -> tuple[Route, dict[str, str]] | None:
    for candidate in routes:
        if candidate.method != method:
            continue
        found = candidate.pattern.match(path)
        if found:
            return candidate, found.groupdict()
    return None
