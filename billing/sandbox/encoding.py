"""Stripe's form encoding (`a[b][0]=x`) to nested dicts and lists, and typed reads of the result."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import parse_qsl

from billing.sandbox.errors import invalid_integer, invalid_request

Params = dict[str, Any]
_KEY_PART = re.compile(r"\[([^\]]*)\]")


def decode_form(text: str) -> Params:
    root: Params = {}
    for key, value in parse_qsl(text, keep_blank_values=True):
        _assign(root, _split_key(key), value)
    return _listify(root)


def _split_key(key: str) -> list[str]:
    head, _, rest = key.partition("[")
    return [head, *_KEY_PART.findall("[" + rest)] if rest else [head]


def _assign(node: Params, parts: list[str], value: str) -> None:
    for index, part in enumerate(parts[:-1]):
        # `a[]=x` appends: give it the next free index.
        key = part if part else str(len(node))
        child = node.setdefault(key, {})
        if not isinstance(child, dict):
            raise invalid_request(f"Invalid nesting for parameter {'.'.join(parts[: index + 1])}")
        node = child
    last = parts[-1] if parts[-1] else str(len(node))
    node[last] = value


def _listify(value: Any) -> Any:
    if not isinstance(value, dict):
        return value
    converted = {key: _listify(child) for key, child in value.items()}
    if converted and all(key.isdigit() for key in converted):
        return [converted[key] for key in sorted(converted, key=int)]
    return converted


def as_int(params: Params, key: str, default: int | None = None) -> int | None:
    raw = params.get(key)
    if raw is None or raw == "":
        return default
    try:
        return int(raw)
    except (TypeError, ValueError):
        raise invalid_integer(key, raw) from None


def as_bool(params: Params, key: str, default: bool = False) -> bool:
    raw = params.get(key)
    if raw is None or raw == "":
        return default
    if str(raw).lower() in ("true", "false"):
        return str(raw).lower() == "true"
    raise invalid_request(f"Invalid boolean: {raw}", param=key)


def as_str(params: Params, key: str) -> str | None:
    raw = params.get(key)
    if raw is None or raw == "":
        return None
    if not isinstance(raw, str):
        raise invalid_request(f"Invalid string: {raw!r}", param=key)
    return raw


def as_list(params: Params, key: str) -> list[Any]:
    raw = params.get(key)
    if raw is None or raw == "":
        return []
    if isinstance(raw, list):
        return raw
    if isinstance(raw, dict):
        raise invalid_request(f"Invalid array for parameter {key}", param=key)
    return [raw]


def as_metadata(params: Params, key: str = "metadata") -> dict[str, str] | None:
    """None when absent; `metadata=` (empty) clears; `metadata[k]=` (empty) deletes one key."""
    raw = params.get(key)
    if raw is None:
        return None
    if raw == "":
        return {}
    if not isinstance(raw, dict):
        raise invalid_request("Invalid metadata: must be a hash", param=key)
    return {str(k): str(v) for k, v in raw.items()}


def merge_metadata(current: dict[str, str], update: dict[str, str] | None) -> dict[str, str]:
    if update is None:
        return current
    if not update:
        return {}
    merged = {**current, **update}
    return {k: v for k, v in merged.items() if v != ""}
