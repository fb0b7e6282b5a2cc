"""JsonView: a listed Stripe object read straight from its JSON, for the gateway's converters.

stripe-python builds a typed object tree for every field of every listed object, which was most of the
digest's CPU; the converters read a few fields of each. A view answers the same attribute reads
(`sub.items.data[0].price.recurring.interval`, `"payments" in invoice`, `metadata.to_dict()`) lazily from
the parsed JSON, so only what is read is touched. Like a StripeObject, a missing field is AttributeError.
"""

from __future__ import annotations

from typing import Any


class JsonView:
    __slots__ = ("_fields",)

    def __init__(self, fields: dict[str, Any]) -> None:
        self._fields = fields

    def __getattr__(self, name: str) -> Any:
        try:
            return view(self._fields[name])
        except KeyError:
            raise AttributeError(name) from None

    def __getitem__(self, name: str) -> Any:
        return view(self._fields[name])

    def __contains__(self, name: object) -> bool:
        return name in self._fields

    def to_dict(self) -> dict[str, Any]:
        return self._fields

    def __repr__(self) -> str:
        return f"JsonView({self._fields.get('object', '?')} {self._fields.get('id', '')})"


def view(value: Any) -> Any:
    if isinstance(value, dict):
        return JsonView(value)
    if isinstance(value, list):
        return [view(item) for item in value]
    return value
