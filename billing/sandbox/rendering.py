"""Stored object -> response body: per-type presenters fill computed fields, then `expand` replaces IDs."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from typing import Any

from stripe._object_classes import OBJECT_CLASSES

from billing.sandbox.errors import invalid_request
from billing.sandbox.state import Json, State
from billing.sandbox.templates import expandable_fields, visible

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
    if paths:
        # Expansion rewrites nested dicts in place: work on a deep copy, never on the stored object.
        body = json.loads(json.dumps(body))
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


def _may_expand(node: Json, field: str) -> bool:
    """On a Stripe object, only fields stripe-python types as expandable (or already expanded/included)."""
    kind = node.get("object")
    if not isinstance(kind, str) or kind not in OBJECT_CLASSES or kind == "list":
        return True
    return isinstance(node[field], dict | list) or field in expandable_fields(kind)


def _expand(state: State, node: Any, segments: list[str], full_path: str) -> None:
    if not segments or not isinstance(node, dict):
        return
    head, rest = segments[0], segments[1:]
    if head not in node or not _may_expand(node, head):
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
