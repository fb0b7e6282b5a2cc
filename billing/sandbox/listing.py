"""List endpoints: `created` filters, newest-first cursor pagination, and the list envelope.

`page` sorts a small candidate list (one customer's objects). `page_where` walks a whole kind in its cached
order from the cursor and stops after one page of matches, so listing N objects page by page stays O(N).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from billing.sandbox.encoding import Params, as_int, as_list, as_str
from billing.sandbox.errors import invalid_request, resource_missing
from billing.sandbox.rendering import list_object
from billing.sandbox.state import Json, KindOrder, State

Predicate = Callable[[Json], bool]

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
    return list_object(state, chunk, url, _list_expand(params), has_more)


def page_where(
    state: State, kind: str, keep: Predicate, params: Params, url: str, among: list[Json] | None = None
) -> Json:
    """One page of the `kind` objects `keep` accepts; `among` narrows the candidates (from an index)."""
    if among is not None:
        return page(state, [obj for obj in among if keep(obj)], params, url)
    limit, expand = _limit(params), _list_expand(params)
    order = state.ordered(kind)
    after, before = as_str(params, "starting_after"), as_str(params, "ending_before")
    if before:
        # Newer than the cursor, closest first; shown newest first like every page.
        newer = range(_place(order, before, "ending_before") + 1, len(order.ids))
        found = _first_matches(state, order, newer, keep, limit + 1)
        chunk = found[:limit][::-1]
    else:
        start = _place(order, after, "starting_after") - 1 if after else len(order.ids) - 1
        older = range(start, -1, -1)
        found = _first_matches(state, order, older, keep, limit + 1, _created_floor(params))
        chunk = found[:limit]
    return list_object(state, chunk, url, expand, len(found) > limit)


def _first_matches(
    state: State,
    order: KindOrder,
    places: Iterable[int],
    keep: Predicate,
    count: int,
    created_floor: int | None = None,
) -> list[Json]:
    """`created_floor` ends a newest-first walk early: everything further is older still."""
    found: list[Json] = []
    for place in places:
        obj = state.objects[order.ids[place]]
        if keep(obj):
            found.append(obj)
            if len(found) == count:
                break
        elif created_floor is not None and (obj.get("created") or 0) < created_floor:
            break
    return found


def _created_floor(params: Params) -> int | None:
    """The oldest `created` a `created` filter lets through, if it sets one."""
    condition = params.get("created")
    if condition is None or condition == "":
        return None
    if not isinstance(condition, dict):
        return as_int(params, "created")
    bounds = []
    if "gte" in condition:
        bounds.append(as_int(condition, "gte") or 0)
    if "gt" in condition:
        bounds.append((as_int(condition, "gt") or 0) + 1)
    return max(bounds) if bounds else None


def _place(order: KindOrder, object_id: str, param: str) -> int:
    place = order.positions.get(object_id)
    if place is None:
        raise resource_missing(object_id.split("_", 1)[0], object_id, param=param)
    return place


def _list_expand(params: Params) -> list[str]:
    return [_strip_data(path) for path in as_list(params, "expand")]


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
