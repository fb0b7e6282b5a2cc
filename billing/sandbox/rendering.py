"""Stored object -> response body: per-type presenters fill computed fields, then `expand` replaces IDs.

A body shares nested values with the stored object it came from (copying every object for every response
is what made large listings slow), so nothing here writes into a body: expansion rebuilds only the dicts on
its path. The other half of the bargain is in state.py: stored objects replace nested values, never edit them.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from billing.sandbox.errors import invalid_request
from billing.sandbox.state import Json, State
from billing.sandbox.stripe_internals import OBJECT_CLASSES
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
    body = visible(compute(state, obj, top_level) if compute else obj)
    for path in paths:
        body = _expanded(state, body, path.split("."), path)
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


def _expanded(state: State, node: Any, segments: list[str], full_path: str) -> Any:
    """`node` with the ID at the end of `segments` replaced by its object: new dicts along the path only."""
    if not segments or not isinstance(node, dict):
        return node
    head, rest = segments[0], segments[1:]
    if head not in node or not _may_expand(node, head):
        raise invalid_request(f"This property cannot be expanded ({full_path}).", param="expand")
    value = node[head]
    if isinstance(value, str):
        replacement: Any = _object_for(state, value, rest, full_path)
    elif isinstance(value, list):
        # A list of IDs (a subscription's `discounts`) expands each; a list of objects expands inside each.
        replacement = [
            _object_for(state, item, rest, full_path)
            if isinstance(item, str)
            else _expanded(state, item, rest, full_path)
            for item in value
        ]
    elif isinstance(value, dict):
        replacement = _expanded(state, value, rest, full_path)
    else:
        return node
    return {**node, head: replacement}


def _object_for(state: State, object_id: str, rest: list[str], full_path: str) -> Json:
    target = state.find(object_id)
    if target is None:
        raise invalid_request(f"This property cannot be expanded ({full_path}).", param="expand")
    return present(state, target, [".".join(rest)] if rest else [])
