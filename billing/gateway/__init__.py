"""The gateway: the only package that imports stripe (the sandbox aside). Implements billing.ports.BillingGateway
and returns the project's own models; raw Stripe objects stop in convert.py."""

from billing.gateway.base import STRIPE_API_VERSION
from billing.gateway.client import StripeGateway

__all__ = ["STRIPE_API_VERSION", "StripeGateway"]
