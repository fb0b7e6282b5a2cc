"""Parameters are judged twice: unknown to stripe-python's own typed params (stripe/params/*) -> Stripe's
unknown-parameter error; known but not implemented by the route (its `implements=` declaration) -> the same
error shape, saying the sandbox does not implement it. Nothing a route does not implement is silently ignored."""

from __future__ import annotations

import importlib
import typing
from collections.abc import Iterator, Mapping
from functools import cache
from typing import Any

from stripe import RequestOptions, StripeContext
from typing_extensions import is_typeddict

from billing.sandbox.errors import not_implemented, unknown_param
from billing.sandbox.routing import Implemented

# stripe/params annotate with names they only import under TYPE_CHECKING.
_LOCALNS = {"StripeContext": StripeContext, "Mapping": Mapping}
_CLIENT_OPTIONS = frozenset(RequestOptions.__annotations__)
# Stripe's params nest a few levels deep; a recursive TypedDict would otherwise make the tree infinite.
_MAX_DEPTH = 6


@cache
def params_class(dotted: str) -> type:
    """'CustomerCreateParams' or 'billing_portal.SessionCreateParams' -> the TypedDict."""
    namespace, _, name = dotted.rpartition(".")
    module = importlib.import_module("stripe.params" + (f".{namespace}" if namespace else ""))
    cls: type = getattr(module, name)
    return cls


@cache
def accepted_fields(cls: type) -> dict[str, Any]:
    hints = typing.get_type_hints(cls, localns=_LOCALNS)
    return {name: hint for name, hint in hints.items() if name not in _CLIENT_OPTIONS}


def check_params(dotted: str, implemented: Implemented, params: Mapping[str, Any]) -> None:
    _check(params_class(dotted), implemented, params, prefix="")


@cache
def _nested_types(cls: type) -> dict[str, type | None]:
    """Each accepted field -> the TypedDict its values (or list items) must match, if any."""
    return {name: _nested_typeddict(hint) for name, hint in accepted_fields(cls).items()}


def _check(cls: type, implemented: Implemented | None, params: Mapping[str, Any], prefix: str) -> None:
    """`implemented` None: everything at this level is implemented (an ancestor was declared whole)."""
    fields = _nested_types(cls)
    for key, value in params.items():
        name = f"{prefix}[{key}]" if prefix else key
        if key not in fields:
            raise unknown_param(name)
        below: Implemented | None = None
        if implemented is not None:
            if key not in implemented:
                raise not_implemented(name)
            below = implemented[key] or None
        nested = fields[key]
        if nested is None:
            continue
        if isinstance(value, dict):
            _check(nested, below, value, name)
        elif isinstance(value, list):
            for index, item in enumerate(value):
                if isinstance(item, dict):
                    _check(nested, below, item, f"{name}[{index}]")


def _nested_typeddict(hint: Any) -> type | None:
    if is_typeddict(hint):
        found: type = hint
        return found
    for arg in typing.get_args(hint):
        nested = _nested_typeddict(arg)
        if nested is not None:
            return nested
    return None


def allowed_paths(dotted: str) -> Iterator[tuple[str, ...]]:
    """Every parameter path stripe-python's typed params allow for this params type, parents before children."""
    yield from _paths(params_class(dotted), (), 0)


def _paths(cls: type, prefix: tuple[str, ...], depth: int) -> Iterator[tuple[str, ...]]:
    for name, nested in _nested_types(cls).items():
        path = (*prefix, name)
        yield path
        if nested is not None and depth < _MAX_DEPTH:
            yield from _paths(nested, path, depth + 1)
