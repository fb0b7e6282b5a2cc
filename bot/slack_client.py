"""The bot's Slack Web API client, built in one place: every call is counted for /metrics, and slack_sdk's
retry handlers retry rate limits (honouring Retry-After), server errors (500/503) and dropped connections,
with the wait injectable so tests never sleep."""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_handlers import (
    ConnectionErrorRetryHandler,
    RateLimitErrorRetryHandler,
    ServerErrorRetryHandler,
)
from slack_sdk.http_retry.builtin_interval_calculators import BackoffRetryIntervalCalculator
from slack_sdk.http_retry.handler import RetryHandler
from slack_sdk.http_retry.interval_calculator import RetryIntervalCalculator
from slack_sdk.http_retry.request import HttpRequest
from slack_sdk.http_retry.response import HttpResponse
from slack_sdk.http_retry.state import RetryState
from slack_sdk.web import SlackResponse

from billing.metrics import SLACK_API_ERRORS

Sleep = Callable[[float], None]

RETRIES = 2
# A Retry-After longer than this is not waited out in a listener: the outbox retries the message later.
MAX_RETRY_AFTER_SECONDS = 30.0
_BACKOFF = BackoffRetryIntervalCalculator(backoff_factor=0.5)


def retry_after_seconds(response: HttpResponse | None) -> float:
    """Slack's Retry-After header (seconds), 1 when it is missing or unreadable."""
    if response is None:
        return 1.0
    for name, values in response.headers.items():
        if name.lower() == "retry-after" and values:
            try:
                return max(0.0, float(values[0]))
            except ValueError:
                return 1.0
    return 1.0


class _Waits:
    """Mixin: the wait between attempts goes through `self.sleep` instead of time.sleep."""

    sleep: Sleep

    def _wait(self, state: RetryState, seconds: float) -> None:
        state.next_attempt_requested = True
        self.sleep(seconds)
        state.increment_current_attempt()


class RateLimitRetry(_Waits, RateLimitErrorRetryHandler):
    def __init__(self, *, sleep: Sleep, max_retry_count: int = RETRIES) -> None:
        super().__init__(max_retry_count=max_retry_count)
        self.sleep = sleep

    def prepare_for_next_attempt(
        self,
        *,
        state: RetryState,
        request: HttpRequest,
        response: HttpResponse | None = None,
        error: Exception | None = None,
    ) -> None:
        if response is None:
            raise error or RuntimeError("rate-limit retry without a response")
        wait = min(retry_after_seconds(response), MAX_RETRY_AFTER_SECONDS)
        self._wait(state, wait + random.random() * 0.25)


class _BackoffWaits(_Waits):
    """Mixin: exponential backoff between attempts (server errors, dropped connections)."""

    interval_calculator: RetryIntervalCalculator

    def prepare_for_next_attempt(
        self,
        *,
        state: RetryState,
        request: HttpRequest,
        response: HttpResponse | None = None,
        error: Exception | None = None,
    ) -> None:
        self._wait(state, self.interval_calculator.calculate_sleep_duration(state.current_attempt))


class ServerErrorRetry(_BackoffWaits, ServerErrorRetryHandler):
    def __init__(self, *, sleep: Sleep, max_retry_count: int = RETRIES) -> None:
        super().__init__(max_retry_count=max_retry_count, interval_calculator=_BACKOFF)
        self.sleep = sleep


class ConnectionErrorRetry(_BackoffWaits, ConnectionErrorRetryHandler):
    def __init__(self, *, sleep: Sleep, max_retry_count: int = RETRIES) -> None:
        super().__init__(max_retry_count=max_retry_count, interval_calculator=_BACKOFF)
        self.sleep = sleep


def retry_handlers(sleep: Sleep = time.sleep) -> list[RetryHandler]:
    return [RateLimitRetry(sleep=sleep), ServerErrorRetry(sleep=sleep), ConnectionErrorRetry(sleep=sleep)]


class MeteredWebClient(WebClient):
    def api_call(self, api_method: str, **kwargs: Any) -> SlackResponse:
        try:
            return super().api_call(api_method, **kwargs)
        except SlackApiError as error:
            SLACK_API_ERRORS.labels(
                method=api_method, error=str(error.response.get("error") or "unknown")
            ).inc()
            raise
        except OSError:
            SLACK_API_ERRORS.labels(method=api_method, error="unreachable").inc()
            raise


def build_slack_client(token: str, base_url: str, *, sleep: Sleep = time.sleep) -> WebClient:
    """A bot-token WebClient that retries 429s (after Retry-After), 500/503s and connection resets; what
    still fails after the retries is counted and raised."""
    return MeteredWebClient(token=token, base_url=base_url, retry_handlers=retry_handlers(sleep))


def slack_web_client(token: str, *, base_url: str, sleep: Sleep = time.sleep) -> WebClient:
    return build_slack_client(token, base_url, sleep=sleep)
