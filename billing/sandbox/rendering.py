"""Stored object -> response body: per-type presenters fill computed fields, then `expand` replaces IDs."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from billing.sandbox.errors import invalid_request
from billing.sandbox.state import Json, State
from billing.sandbox.templates import visible

Presenter = Callable[[State, Json, frozenset[str]], Json]
PRESENTERS: dict[str, Presenter] = {}


def presenter(kind: str) -> Callable[[Presenter], Presenter]:
    def register(function: Presenter) -> Presenter:
        PRESENTERS[kind] = function
        return function

    return register


def present(state: State, obj: Json, expand: Iterable[str] = ()) -> Json:
    paths = [path for path in expand if path]
    top_level = frozenset(path.split(".", 1)[0] for path in paths)
    compute = PRESENTERS.get(obj["object"])
    body = visible(compute(state, obj, top_level) if compute else dict(obj))
    for path in paths:
        _expand(state, body, path.split("."), path)
    return body


def list_object(
    state: State, objects: list[Json], url: str, expand: Iterable[str] = (), has_more: bool = False
) -> Json:
    return {
        "object": "list",
        "data": [present(state, obj, expand) for obj in objects],
        "has_more": has_more,
        "url": url,
    }


def _expand(state: State, node: Any, segments: list[str], full_path: str) -> None:
    if not segments or not isinstance(node, dict):
        return
    head, rest = segments[0], segments[1:]
    if head not in node:
        raise invalid_request(f"This property cannot be expanded ({full_path}).", param="expand")
    value = node[head]
    if isinstance(value, str):
        target = state.find(value)
        if target is None:
            raise invalid_request(f"This property cannot be expanded ({full_path}).", param="expand")
        node[head] = present(state, target, [".".join(rest)] if rest else [])
    elif isinstance(value, list):
        for item in value:
            _expand(state, item, rest, full_path)
    elif isinstance(value, dict):
        _expand(state, value, rest, full_path)
