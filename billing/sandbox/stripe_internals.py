"""The only place the emulator reaches into stripe-python's private modules.

Public API covers the rest (`stripe.RequestOptions`, `stripe.StripeContext`, `stripe.params`). These two
have no public twin: the map of object names to resource classes (the emulator shows exactly the fields
stripe-python declares) and the form encoder the client itself uses. A stripe 16.x release that moves them
breaks `billing-bot sandbox` with one line (bot/cli/sandbox_loader.py), never `billing-bot run`, which
does not import the emulator.
"""

from __future__ import annotations

from stripe._encode import _api_encode as api_encode
from stripe._object_classes import OBJECT_CLASSES

__all__ = ["OBJECT_CLASSES", "api_encode"]
