"""Stripe's search query language: `email:'x'`, `name~'sub'`, `metadata['k']:'v'`, `created>123`, AND / OR."""

from __future__ import annotations

import base64
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from billing.sandbox.encoding import Params, as_int, as_list, as_str
from billing.sandbox.errors import invalid_request
from billing.sandbox.rendering import present
from billing.sandbox.state import Json, State

_CLAUSE = re.compile(
    r"""\s*(?P<negate>-)?(?P<field>metadata\[(?P<q>['"])(?P<key>[^'"]+)(?P=q)\]|[a-z_.][a-z0-9_.]*)\s*"""
    r"""(?P<op>:|~|>=|<=|>|<)\s*(?P<value>'(?:[^'\\]|\\.)*'|"(?:[^"\\]|\\.)*"|[^\s'"]+)\s*"""
)
_JOINER = re.compile(r"(AND|OR)\s+", re.IGNORECASE)
Predicate = Callable[[Json], bool]


@dataclass(frozen=True)
class Clause:
    field: str
    metadata_key: str | None
    operator: str
    value: str
    negate: bool

    def matches(self, obj: Json) -> bool:
        return self._compare(self._actual(obj)) != self.negate

    def _actual(self, obj: Json) -> Any:
        if self.metadata_key is not None:
            return (obj.get("metadata") or {}).get(self.metadata_key)
        # Nested fields such as payment_method_details.card.last4 are dotted paths into the object.
        value: Any = obj
        for part in self.field.split("."):
            value = value.get(part) if isinstance(value, dict) else None
        return value

    def _compare(self, actual: Any) -> bool:
        if self.operator in (">", "<", ">=", "<="):
            return actual is not None and _ordered(actual, self.operator, self.value)
        if actual is None:
            return self.value == "null"
        if self.operator == "~":
            return self.value.lower() in str(actual).lower()
        return str(actual).lower() == self.value.lower()


def _ordered(actual: Any, operator: str, bound: str) -> bool:
    left, right = float(actual), float(bound)
    return {">": left > right, "<": left < right, ">=": left >= right, "<=": left <= right}[operator]


def parse_query(query: str, fields: frozenset[str]) -> Predicate:
    clauses: list[Clause] = []
    joiners: set[str] = set()
    position = 0
    while position < len(query):
        match = _CLAUSE.match(query, position)
        if match is None:
            raise _bad_query(query)
        clauses.append(_clause(match, fields))
        position = match.end()
        if position < len(query):
            position = _read_joiner(query, position, joiners)
    if not clauses:
        raise _bad_query(query)
    if len(joiners) > 1:
        raise invalid_request("Queries cannot combine AND and OR.", param="query")
    if joiners == {"OR"}:
        return lambda obj: any(clause.matches(obj) for clause in clauses)
    return lambda obj: all(clause.matches(obj) for clause in clauses)


def _read_joiner(query: str, position: int, joiners: set[str]) -> int:
    joiner = _JOINER.match(query, position)
    if joiner is not None:
        joiners.add(joiner.group(1).upper())
        return joiner.end()
    if query[position - 1].isspace():
        joiners.add("AND")
        return position
    raise _bad_query(query)


def _clause(match: re.Match[str], fields: frozenset[str]) -> Clause:
    field, key = match.group("field"), match.group("key")
    if key is None and field not in fields:
        raise invalid_request(
            f"Field '{field}' is an unsupported search field for this resource.", param="query"
        )
    value = match.group("value")
    if value[:1] in ("'", '"'):
        value = value[1:-1].replace("\\" + value[0], value[0])
    if match.group("op") == "~" and len(value) < 3:
        raise invalid_request("Substring matching (~) requires at least 3 characters.", param="query")
    return Clause(field, key, match.group("op"), value, bool(match.group("negate")))


def _bad_query(query: str) -> Exception:
    return invalid_request(f"We were unable to parse your search query: {query!r}.", param="query")


def search_result(
    state: State, objects: list[Json], params: Params, url: str, fields: frozenset[str]
) -> Json:
    query = as_str(params, "query")
    if query is None:
        raise invalid_request("Missing required param: query.", param="query")
    # Parsed once, before any object: a bad query is refused even when nothing would be searched.
    predicate = parse_query(query, fields)
    matching = [obj for obj in state.newest_first(objects) if predicate(obj)]
    limit = as_int(params, "limit", 10) or 10
    offset = _decode_page(as_str(params, "page"))
    chunk = matching[offset : offset + limit]
    has_more = len(matching) > offset + limit
    return {
        "object": "search_result",
        "data": [present(state, obj, [_strip(path) for path in as_list(params, "expand")]) for obj in chunk],
        "has_more": has_more,
        "next_page": _encode_page(offset + limit) if has_more else None,
        "url": url,
    }


def _strip(path: str) -> str:
    return path[len("data.") :] if path.startswith("data.") else path


def _encode_page(offset: int) -> str:
    return base64.urlsafe_b64encode(f"offset:{offset}".encode()).decode()


def _decode_page(token: str | None) -> int:
    if not token:
        return 0
    try:
        return int(base64.urlsafe_b64decode(token.encode()).decode().split(":", 1)[1])
    except (ValueError, IndexError):
        raise invalid_request("Invalid page token.", param="page") from None
