"""Objects start as a deep copy of Stripe's own fixture for their type and show only what stripe-python declares."""

from __future__ import annotations

import importlib
import json
import os
import pickle
import typing
from functools import cache, lru_cache
from pathlib import Path
from typing import Any

from billing.sandbox.stripe_internals import OBJECT_CLASSES

Json = dict[str, Any]
FIXTURES_ENV = "BILLING_SANDBOX_FIXTURES"


class FixturesMissing(RuntimeError):
    pass


def fixtures_path() -> Path:
    override = os.environ.get(FIXTURES_ENV)
    if override:
        return Path(override)
    return Path(__file__).resolve().parent / "data" / "fixtures3.json"


@lru_cache(maxsize=1)
def fixtures() -> dict[str, Json]:
    path = fixtures_path()
    if not path.is_file():
        raise FixturesMissing(
            f"Stripe fixtures not found at {path}; set {FIXTURES_ENV} to the path of fixtures3.json"
        )
    resources: dict[str, Json] = json.loads(path.read_text())["resources"]
    return resources


def resource_class(kind: str) -> type:
    module_name, class_name = OBJECT_CLASSES[kind]
    cls: type = getattr(importlib.import_module(module_name), class_name)
    return cls


@cache
def declared_fields(kind: str) -> frozenset[str]:
    """Field names stripe-python's resource class annotates, across its MRO (class constants excluded)."""
    names: set[str] = set()
    for base in resource_class(kind).__mro__:
        names.update(base.__dict__.get("__annotations__", {}))
    return frozenset(name for name in names if not name.startswith("_") and not name.isupper())


@cache
def expandable_fields(kind: str) -> frozenset[str]:
    """Fields stripe-python types as `ExpandableField[X]` (i.e. `Union[str, X]`): an ID that `expand` can replace."""
    names = set()
    for base in resource_class(kind).__mro__:
        for name, annotation in base.__dict__.get("__annotations__", {}).items():
            arguments = typing.get_args(annotation)
            if str in arguments and any(isinstance(arg, typing.ForwardRef) for arg in arguments):
                names.add(name)
    return frozenset(names)


def template(kind: str) -> Json:
    """A fresh deep copy: unpickling cached bytes is several times faster than copy.deepcopy or JSON."""
    copied: Json = pickle.loads(_template_bytes(kind))
    return copied


@cache
def _template_bytes(kind: str) -> bytes:
    declared = declared_fields(kind)
    fields = {key: value for key, value in fixtures()[kind].items() if key in declared}
    return pickle.dumps(fields, protocol=pickle.HIGHEST_PROTOCOL)


def new_object(kind: str, fields: Json) -> Json:
    obj = template(kind)
    obj.update(fields)
    obj["object"] = kind
    obj["livemode"] = False
    return obj


def visible(obj: Json) -> Json:
    declared = declared_fields(obj["object"])
    return {key: value for key, value in obj.items() if key in declared}
