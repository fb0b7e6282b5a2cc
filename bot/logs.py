"""Process-wide logging: human-readable lines, or one JSON object per line (LOG_FORMAT=json)."""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime
from typing import Any

from bot.config import LogSettings

# LogRecord's own attributes; anything else on a record came from `extra=` and is a structured field.
_RECORD_FIELDS = frozenset(vars(logging.makeLogRecord({}))) | {"message", "asctime", "taskName"}
TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        entry.update({key: value for key, value in vars(record).items() if key not in _RECORD_FIELDS})
        if record.exc_info:
            entry["traceback"] = self.formatException(record.exc_info)
        return json.dumps(entry, default=str, ensure_ascii=False)


def configure_logging(settings: LogSettings) -> None:
    handler = logging.StreamHandler()
    handler.setFormatter(JsonFormatter() if settings.log_format == "json" else logging.Formatter(TEXT_FORMAT))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(settings.log_level)
    # stripe-python logs every request URL at INFO, and list URLs carry customers' emails (PII).
    logging.getLogger("stripe").setLevel(logging.WARNING)
    # slack_sdk logs request bodies at DEBUG only; keep it at INFO so a DEBUG root never leaks them.
    logging.getLogger("slack_sdk").setLevel(logging.INFO)
    # One line per request to Stripe or Slack would bury the bot's own lines (and can carry query strings).
    logging.getLogger("httpx").setLevel(logging.WARNING)
