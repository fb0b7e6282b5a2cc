"""A stateful in-memory emulation of the Stripe REST API that the real stripe-python client talks to.

    billing-bot sandbox --seed demo            # http://127.0.0.1:12111, key sk_test_sandbox

    with running_sandbox(seed="demo") as sb:
        client = stripe.StripeClient(sb.api_key, base_addresses={"api": sb.base_url})

Objects start from Stripe's own fixtures (vendored as billing/sandbox/data/fixtures3.json, MIT) and show only the fields
stripe-python declares. Nothing else in billing/ imports this package; bot/cli, the tests and the demo do.
"""

from billing.sandbox.server import RequestRecord, SandboxServer, running_sandbox

__all__ = ["RequestRecord", "SandboxServer", "running_sandbox"]
