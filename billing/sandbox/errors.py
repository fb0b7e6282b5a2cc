"""Stripe's error envelope, raised by handlers and rendered by the server."""

from __future__ import annotations

from typing import Any

DOCS = "https://docs.stripe.com/error-codes"


class StripeApiError(Exception):
    def __init__(
        self,
        status: int,
        message: str,
        *,
        type: str = "invalid_request_error",
        code: str | None = None,
        param: str | None = None,
        extra: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.type = type
        self.code = code
        self.param = param
        self.extra = extra or {}

    def body(self, request_id: str) -> dict[str, Any]:
        error: dict[str, Any] = {"type": self.type, "message": self.message}
        if self.code:
            error["code"] = self.code
            error["doc_url"] = f"{DOCS}/{self.code.replace('_', '-')}"
        if self.param:
            error["param"] = self.param
        error.update(self.extra)
        error["request_log_url"] = f"https://dashboard.stripe.com/test/logs/{request_id}"
        return {"error": error}


def invalid_request(message: str, *, param: str | None = None, code: str | None = None) -> StripeApiError:
    return StripeApiError(400, message, param=param, code=code)


def resource_missing(kind: str, object_id: str, *, param: str = "id") -> StripeApiError:
    return StripeApiError(404, f"No such {kind}: '{object_id}'", code="resource_missing", param=param)


def missing_param(param: str) -> StripeApiError:
    return StripeApiError(400, f"Missing required param: {param}.", code="parameter_missing", param=param)


def unknown_param(param: str) -> StripeApiError:
    return StripeApiError(400, f"Received unknown parameter: {param}", code="parameter_unknown", param=param)


NOT_IMPLEMENTED = (
    "(Stripe accepts it; this sandbox does not implement it, so it refuses rather than ignore it)"
)


def not_implemented(param: str) -> StripeApiError:
    """A parameter stripe-python allows that the sandbox does not emulate: Stripe's unknown-parameter error,
    with a message that says why, so a feature built on it fails in tests instead of silently doing nothing."""
    return StripeApiError(
        400, f"Received unknown parameter: {param} {NOT_IMPLEMENTED}", code="parameter_unknown", param=param
    )


def not_implemented_value(param: str, value: object) -> StripeApiError:
    return StripeApiError(400, f"Invalid value for {param}: {value!r} {NOT_IMPLEMENTED}", param=param)


def invalid_integer(param: str, value: object) -> StripeApiError:
    return StripeApiError(400, f"Invalid integer: {value}", code="parameter_invalid_integer", param=param)


def card_declined(
    message: str, *, charge_id: str | None, decline_code: str = "generic_decline"
) -> StripeApiError:
    extra: dict[str, Any] = {"decline_code": decline_code}
    if charge_id:
        extra["charge"] = charge_id
    return StripeApiError(402, message, type="card_error", code="card_declined", extra=extra)


def unrecognized_url(method: str, path: str) -> StripeApiError:
    return StripeApiError(
        404,
        f"Unrecognized request URL ({method}: {path}). Please see https://stripe.com/docs "
        "or we can help at https://support.stripe.com/.",
    )


def api_error(
    message: str = "An unknown error occurred (injected by the sandbox's --fail-rate).",
) -> StripeApiError:
    return StripeApiError(500, message, type="api_error")


def rate_limited() -> StripeApiError:
    return StripeApiError(
        429,
        "Too many requests hit the API too quickly. We recommend an exponential backoff of your requests.",
        code="rate_limit",
    )


def authentication(message: str) -> StripeApiError:
    return StripeApiError(401, message)


def idempotency_mismatch(key: str) -> StripeApiError:
    return StripeApiError(
        400,
        "Keys for idempotent requests can only be used with the same parameters they were first used with. "
        f"Try using a key other than '{key}' if you meant to execute a different request.",
        type="idempotency_error",
    )
