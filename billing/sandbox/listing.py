"""List endpoints: `created` filters, newest-first cursor pagination, and the list envelope."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from billing.sandbox.encoding import Params, as_int, as_list, as_str
from billing.sandbox.errors import invalid_request, resource_missing
from billing.sandbox.rendering import list_object
from billing.sandbox.state import Json, State

_COMPARATORS: dict[str, Callable[[int, int], bool]] = {
    "gt": lambda value, bound: value > bound,
    "gte": lambda value, bound: value >= bound,
    "lt": lambda value, bound: value < bound,
    "lte": lambda value, bound: value <= bound,
}


def range_matches(value: int | None, condition: Any, param: str) -> bool:
    """`created=123` or `created[gte]=…&created[lt]=…`."""
    if condition is None:
        return True
    if value is None:
        return False
    if not isinstance(condition, dict):
        return value == as_int({param: condition}, param)
    for operator, bound in condition.items():
        compare = _COMPARATORS.get(operator)
        if compare is None:
            raise invalid_request(
                f"Received unknown parameter: {param}[{operator}]", param=f"{param}[{operator}]"
            )
        if not compare(value, as_int({param: bound}, param) or 0):
            return False
    return True


def page(state: State, objects: list[Json], params: Params, url: str) -> Json:
    ordered = state.newest_first(objects)
    limit = _limit(params)
    after, before = as_str(params, "starting_after"), as_str(params, "ending_before")
    if after:
        ordered = ordered[_position(ordered, after, "starting_after") + 1 :]
        chunk, has_more = ordered[:limit], len(ordered) > limit
    elif before:
        ordered = ordered[: _position(ordered, before, "ending_before")]
        chunk, has_more = ordered[-limit:], len(ordered) > limit
    else:
        chunk, has_more = ordered[:limit], len(ordered) > limit
    expand = [_strip_data(path) for path in as_list(params, "expand")]
    return list_object(state, chunk, url, expand, has_more)


def _limit(params: Params) -> int:
    limit = as_int(params, "limit", 10) or 10
    if not 1 <= limit <= 100:
        raise invalid_request("Invalid limit: must be between 1 and 100", param="limit")
    return limit


def _position(ordered: list[Json], object_id: str, param: str) -> int:
    for index, obj in enumerate(ordered):
        if obj["id"] == object_id:
            return index
    kind = object_id.split("_", 1)[0]
    raise resource_missing(kind, object_id, param=param)


def _strip_data(path: str) -> str:
    if not path.startswith("data."):
        raise invalid_request(
            f"Expansion of '{path}' is not supported on lists; did you mean 'data.{path}'?", param="expand"
        )
    return path[len("data.") :]
