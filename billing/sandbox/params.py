"""Unknown parameters are refused, judged by stripe-python's own typed params (stripe/params/*)."""

from __future__ import annotations

import importlib
import typing
from collections.abc import Mapping
from functools import cache
from typing import Any

from stripe import RequestOptions, StripeContext
from typing_extensions import is_typeddict

from billing.sandbox.errors import unknown_param

# stripe/params annotate with names they only import under TYPE_CHECKING.
_LOCALNS = {"StripeContext": StripeContext, "Mapping": Mapping}
_CLIENT_OPTIONS = frozenset(RequestOptions.__annotations__)


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


def check_params(dotted: str, params: Mapping[str, Any]) -> None:
    _check(params_class(dotted), params, prefix="")


@cache
def _nested_types(cls: type) -> dict[str, type | None]:
    """Each accepted field -> the TypedDict its values (or list items) must match, if any."""
    return {name: _nested_typeddict(hint) for name, hint in accepted_fields(cls).items()}


def _check(cls: type, params: Mapping[str, Any], prefix: str) -> None:
    fields = _nested_types(cls)
    for key, value in params.items():
        if key not in fields:
            raise unknown_param(f"{prefix}[{key}]" if prefix else key)
        nested = fields[key]
        if nested is None:
            continue
        name = f"{prefix}[{key}]" if prefix else key
        if isinstance(value, dict):
            _check(nested, value, name)
        elif isinstance(value, list):
            for index, item in enumerate(value):
                if isinstance(item, dict):
                    _check(nested, item, f"{name}[{index}]")


def _nested_typeddict(hint: Any) -> type | None:
    if is_typeddict(hint):
        found: type = hint
        return found
    for arg in typing.get_args(hint):
        nested = _nested_typeddict(arg)
        if nested is not None:
            return nested
    return None
