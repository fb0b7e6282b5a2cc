"""A stateful in-memory emulation of the Stripe REST API that the real stripe-python client talks to.

Nothing else in billing/ imports this package; bot/cli/sandbox.py, the tests and the demo do.
"""

from billing.sandbox.server import RequestRecord, SandboxServer, running_sandbox

__all__ = ["RequestRecord", "SandboxServer", "running_sandbox"]
