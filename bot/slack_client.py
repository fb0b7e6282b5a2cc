"""The bot's Slack Web API client: one place that builds it, so every call is counted for /metrics."""

from __future__ import annotations

from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.web import SlackResponse

from billing.metrics import SLACK_API_ERRORS


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


def build_slack_client(token: str, base_url: str) -> WebClient:
    return MeteredWebClient(token=token, base_url=base_url)
