"""Sends outbox messages (billing/outbox.py) with the app's WebClient: the listener tries once right away,
bot/outbox_worker.py retries from a background thread with backoff until Slack takes it."""

from __future__ import annotations

import logging

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from billing.outbox import Outbox, OutboxMessage

log = logging.getLogger(__name__)


class Courier:
    """Delivers outbox messages; every failure is logged on one line and left queued."""

    def __init__(self, outbox: Outbox, client: WebClient) -> None:
        self.outbox = outbox
        self.client = client

    def send(self, message: OutboxMessage) -> bool:
        """True once the message is delivered (by this call or an earlier one)."""
        if not self.outbox.lease(message.id):
            return self.outbox.get(message.id).status == "sent"
        try:
            # WebClient's own method (chat_postMessage, chat_update): its argument handling and retries.
            answer = getattr(self.client, message.method.replace(".", "_"))(**message.args)
        except SlackApiError as error:
            return self._failed(message, str(error.response.get("error") or error.response.status_code))
        except Exception as error:  # connection errors after the client's own retries
            return self._failed(message, f"{type(error).__name__}: {error}")
        self.outbox.sent(message.id, message_ts=str(answer.get("ts") or "") or None)
        return True

    def _failed(self, message: OutboxMessage, error: str) -> bool:
        after = self.outbox.failed(message.id, error=error)
        if after.status == "gave_up":
            log.error(
                "outbox %s %s (%s) given up after %d attempts: %s",
                after.kind,
                after.id,
                after.key,
                after.attempts,
                error,
            )
        else:
            log.warning(
                "outbox %s %s not delivered (attempt %d, %s); retrying at %s",
                message.kind,
                message.id,
                after.attempts,
                error,
                after.next_attempt_at.isoformat(timespec="seconds"),
            )
        return False

    def run_due(self) -> int:
        """Send every message that is due; returns how many were delivered."""
        return sum(1 for message in self.outbox.due() if self.send(message))
