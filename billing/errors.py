"""Typed errors. Each carries the sentence an operator sees; handlers/errors.py renders them in one place."""

from __future__ import annotations


class BillingError(Exception):
    """An expected failure with a message that is safe to show an operator."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class BadQuery(BillingError):
    """The operator's input could not be understood."""


class CustomerNotFound(BillingError):
    def __init__(self, query: str, tried: list[str]) -> None:
        super().__init__(f"No customer matches `{query}` (tried: {', '.join(tried)}).")
        self.query = query
        self.tried = tried


class ObjectNotFound(BillingError):
    def __init__(self, object_id: str) -> None:
        super().__init__(f"Stripe has no object `{object_id}`.")
        self.object_id = object_id


class StripeUnavailable(BillingError):
    """Stripe answered with an error or did not answer; nothing was changed by the bot."""

    def __init__(self, detail: str, request_id: str | None = None) -> None:
        super().__init__(f"Stripe did not complete the request: {detail}")
        self.detail = detail
        self.request_id = request_id


class StripeKeyRejected(StripeUnavailable):
    """Stripe refused the API key itself (revoked, mistyped, or lacking a permission the call needs)."""


class StripeUnreachable(StripeUnavailable):
    """No answer from Stripe: network, DNS, TLS or timeout."""


class StripeRefused(BillingError):
    """Stripe refused a write (card declined, amount too high, invalid state)."""

    def __init__(self, detail: str, code: str | None = None, request_id: str | None = None) -> None:
        super().__init__(f"Stripe refused: {detail}")
        self.detail = detail
        self.code = code
        self.request_id = request_id


class NotAuthorized(BillingError):
    pass


class ActionExpired(BillingError):
    pass


class ActionAlreadyTaken(BillingError):
    """Another click (or operator) already ran or is running this action."""


class TargetBusy(BillingError):
    """Another action on the same Stripe object is running; this one was not started and stays pending."""

    def __init__(self, *, target_id: str, holder_nonce: str, holder: str | None) -> None:
        by = f" (by <@{holder}>)" if holder else ""
        super().__init__(
            f"Another action on {target_id} is in progress{by}; try again when it finishes. "
            "Nothing was changed."
        )
        self.target_id = target_id
        self.holder_nonce = holder_nonce
        self.holder = holder


class PreconditionFailed(BillingError):
    """Stripe's state changed since the action was planned; nothing was done."""


class StripeRefusedFinal(PreconditionFailed):
    """Stripe refused a write for a reason no retry can change (e.g. the charge has been charged back)."""

    def __init__(self, detail: str, code: str | None = None, request_id: str | None = None) -> None:
        super().__init__(f"Stripe refused, and retrying cannot change that: {detail}")
        self.detail = detail
        self.code = code
        self.request_id = request_id


class ConfigError(Exception):
    """A setting is missing or malformed. The message is one line naming the variable."""


class SandboxUnavailable(BillingError):
    """The Stripe emulator could not be loaded (it leans on stripe-python internals that moved)."""

    def __init__(self, cause: ImportError) -> None:
        super().__init__(
            f"the Stripe sandbox cannot load with the installed stripe-python ({cause}); "
            "`billing-bot run` is not affected. Install the stripe release named in pyproject.toml."
        )


class DatabaseUnavailable(BillingError):
    """The SQLite file cannot be created, opened or written."""

    def __init__(self, path: str, reason: str) -> None:
        super().__init__(f"cannot open the database at {path}: {reason}")
        self.path = path
        self.reason = reason
