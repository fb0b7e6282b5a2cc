"""The base of every model the project keeps of Stripe's objects (billing.models and its neighbours)."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict


class Model(BaseModel):
    model_config = ConfigDict(frozen=True)


class WriteResult(Model):
    """An object a write returned. Stripe's Request-Id lets support trace that exact call in the Dashboard."""

    stripe_request_id: str | None = None
