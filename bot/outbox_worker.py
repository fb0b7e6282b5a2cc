"""Sends the outbox (billing/outbox.py) with the app's WebClient: once right away from the listener, then
from a background thread with backoff until Slack takes it."""

from __future__ import annotations

import logging
import threading
import uuid
from collections.abc import Callable
from typing import Any

from billing.outbox import Outbox
from handlers.courier import Courier

log = logging.getLogger(__name__)

POLL_SECONDS = 2.0


class OutboxWorker:
    """A daemon thread that runs `before_each` (e.g. crash recovery) and then the due messages, every
    POLL_SECONDS or when woken, until stopped."""

    def __init__(
        self,
        courier: Courier,
        *,
        poll_seconds: float = POLL_SECONDS,
        before_each: Callable[[], Any] | None = None,
    ) -> None:
        self.courier = courier
        self.poll_seconds = poll_seconds
        self.before_each = before_each
        self._stop = threading.Event()
        self._wake = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> OutboxWorker:
        self._thread = threading.Thread(target=self._loop, name="slack-outbox", daemon=True)
        self._thread.start()
        return self

    def wake(self) -> None:
        self._wake.set()

    def stop(self, timeout: float = 10) -> None:
        """Stop after a last pass over what is due, so a clean shutdown leaves nothing it could send."""
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout)

    def _loop(self) -> None:
        while True:
            self._pass()
            if self._stop.is_set():
                return
            self._wake.wait(self.poll_seconds)
            self._wake.clear()

    def _pass(self) -> None:
        try:
            if self.before_each is not None:
                self.before_each()
            self.courier.run_due()
        except Exception:
            log.exception("outbox pass failed; retrying in %.0f s", self.poll_seconds)


def outbox_poster(outbox: Outbox, courier: Courier) -> Callable[[str, list[Any], str], str | None]:
    """A digest poster (bot.scheduler.Post) through the outbox: a Slack failure delays the digest, never
    loses it. Returns the message's ts when Slack took it at once."""

    def post(channel: str, blocks: list[Any], text: str) -> str | None:
        message = outbox.enqueue(
            f"digest:{channel}:{uuid.uuid4().hex}",
            kind="digest",
            method="chat.postMessage",
            args={
                "channel": channel,
                "blocks": [block.to_dict() if hasattr(block, "to_dict") else block for block in blocks],
                "text": text,
                "unfurl_links": False,
                "unfurl_media": False,
            },
        )
        courier.send(message)
        return outbox.get(message.id).message_ts

    return post
