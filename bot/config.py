"""Settings: the only reader of the environment (and of an optional `.env`)."""

from __future__ import annotations

import re
from datetime import time
from pathlib import Path
from typing import Annotated, Literal
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import platformdirs
from pydantic import (
    AliasChoices,
    Field,
    SecretStr,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from billing.approval import ApprovalRule, parse_thresholds
from billing.errors import ConfigError
from billing.rate_limit import default_rate_limit

APP_NAME = "billing-ops"


def default_database_path() -> Path:
    """The per-user data directory (e.g. ~/.local/share/billing-ops/billing-ops.db on Linux)."""
    return Path(platformdirs.user_data_dir(APP_NAME, appauthor=False)) / f"{APP_NAME}.db"


SLACK_USER_ID = re.compile(r"^[UW][A-Z0-9]{2,}$")
SLACK_CHANNEL_ID = re.compile(r"^[CGD][A-Z0-9]{2,}$")
STRIPE_KEY = re.compile(r"^(sk|rk)_(test|live)_[A-Za-z0-9]+$")

CommaList = Annotated[list[str], NoDecode]


def _split(value: object) -> object:
    if isinstance(value, str):
        return [part.strip() for part in value.split(",") if part.strip()]
    return value


class LogSettings(BaseSettings):
    """The two settings every command needs before anything else (read first, by bot.cli.main)."""

    # An empty value (`NAME=` as in .env.example) means "not set", so the default applies.
    model_config = SettingsConfigDict(
        env_file=".env", env_file_encoding="utf-8", extra="ignore", env_ignore_empty=True
    )

    log_format: Literal["text", "json"] = "text"
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"

    @field_validator("log_format", mode="before")
    @classmethod
    def _lower_format(cls, value: object) -> object:
        return value.strip().lower() if isinstance(value, str) else value

    @field_validator("log_level", mode="before")
    @classmethod
    def _upper_level(cls, value: object) -> object:
        return value.strip().upper() if isinstance(value, str) else value


class Settings(LogSettings):
    """Every setting is documented in `.env.example`. Secrets are SecretStr and never printed."""

    slack_bot_token: SecretStr | None = None
    slack_signing_secret: SecretStr | None = None
    slack_app_token: SecretStr | None = None
    slack_api_url: str = "https://slack.com/api/"

    stripe_api_key: SecretStr | None = None
    stripe_api_base: str = "https://api.stripe.com"
    stripe_max_retries: int = Field(default=2, ge=0, le=5)
    stripe_timeout_seconds: float = Field(default=10.0, gt=0, le=80)
    # Requests per second across the whole bot; empty: Stripe's default for the key (100 live, 25 test).
    stripe_rate_limit: float | None = Field(default=None, gt=0, le=10_000)

    billing_db: Path = Field(default_factory=default_database_path)
    billing_operators: CommaList = Field(default_factory=list)
    billing_viewers: CommaList = Field(default_factory=list)
    billing_channels: CommaList = Field(default_factory=list)
    billing_allow_live: bool = False
    billing_main_currency: str = "usd"
    # Per currency, e.g. USD:500,EUR:450 (a bare 500 is in billing_main_currency); parsed by approval_rule().
    billing_approval_above: str = Field(
        default="", validation_alias=AliasChoices("billing_approval_above", "billing_refund_approval_above")
    )
    billing_identity_metadata_key: str = "github"
    billing_redact_digest: bool = True
    billing_portal_return_url: str | None = None

    # Test-only fault hook (tests/e2e/test_crash_recovery.py): the process SIGKILLs itself right after Stripe
    # answers this write step ("refund", "cancel" or "pay"), before the result is recorded. Refused with a
    # live key.
    billing_test_crash_after: Literal["refund", "cancel", "pay"] | None = None

    digest_channel: str | None = None
    digest_time: time = time(9, 0)
    digest_tz: str = "UTC"

    # --- parsing -----------------------------------------------------------------------------

    @field_validator("*", mode="before")
    @classmethod
    def _strip_surrounding_whitespace(cls, value: object) -> object:
        # A key pasted with a trailing newline would otherwise fail every call as "could not reach Stripe".
        return value.strip() if isinstance(value, str) else value

    @field_validator("billing_db")
    @classmethod
    def _absolute_database(cls, value: Path) -> Path:
        path = value.expanduser()
        if str(path) == ":memory:":  # tests: nothing outlives the process
            return path
        if not path.is_absolute():
            # A relative path would follow the working directory: `billing-bot audit` run elsewhere would
            # read (and create) another, empty database.
            raise ValueError(
                f"expected an absolute path (or leave it empty for the default), got {str(value)!r}"
            )
        if path.is_dir():
            raise ValueError(f"expected a file path, got the directory {str(path)!r}")
        return path

    @field_validator("slack_signing_secret")
    @classmethod
    def _signing_secret_shape(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and not re.fullmatch(r"[A-Za-z0-9]{16,}", value.get_secret_value()):
            raise ValueError("expected the app's signing secret (letters and digits, from Basic Information)")
        return value

    @field_validator("billing_identity_metadata_key")
    @classmethod
    def _metadata_key(cls, value: str) -> str:
        if not re.fullmatch(r"[A-Za-z0-9_.\-]{1,40}", value):
            raise ValueError(
                f"expected a Stripe metadata key (up to 40 letters, digits, _ . -), got {value!r}"
            )
        return value

    @field_validator("billing_operators", "billing_viewers", "billing_channels", mode="before")
    @classmethod
    def _comma_separated(cls, value: object) -> object:
        return _split(value)

    @field_validator("billing_operators", "billing_viewers")
    @classmethod
    def _operator_ids(cls, value: list[str]) -> list[str]:
        for user_id in value:
            if not SLACK_USER_ID.match(user_id):
                raise ValueError(f"expected Slack user IDs like U0123ABCD, got {user_id!r}")
        return value

    @field_validator("billing_channels")
    @classmethod
    def _channel_ids(cls, value: list[str]) -> list[str]:
        for channel_id in value:
            if not SLACK_CHANNEL_ID.match(channel_id):
                raise ValueError(f"expected Slack channel IDs like C0123ABCD, got {channel_id!r}")
        return value

    @field_validator("digest_channel")
    @classmethod
    def _digest_channel_id(cls, value: str | None) -> str | None:
        if value and not SLACK_CHANNEL_ID.match(value):
            raise ValueError(f"expected a Slack channel ID like C0123ABCD, got {value!r}")
        return value or None

    @field_validator("digest_time", mode="before")
    @classmethod
    def _hh_mm(cls, value: object) -> object:
        if isinstance(value, str):
            match = re.fullmatch(r"(\d{1,2}):(\d{2})", value.strip())
            if not match or int(match[1]) > 23 or int(match[2]) > 59:
                raise ValueError(f"expected HH:MM (24-hour), got {value!r}")
            return time(int(match[1]), int(match[2]))
        return value

    @field_validator("digest_tz")
    @classmethod
    def _iana_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"expected an IANA time zone like Europe/Berlin, got {value!r}") from None
        return value

    @field_validator("billing_main_currency")
    @classmethod
    def _currency(cls, value: str) -> str:
        if not re.fullmatch(r"[A-Za-z]{3}", value):
            raise ValueError(f"expected a three-letter ISO currency code, got {value!r}")
        return value.lower()

    @field_validator("stripe_rate_limit", mode="before")
    @classmethod
    def _empty_rate_limit(cls, value: object) -> object:
        return None if value == "" else value

    def stripe_requests_per_second(self) -> float:
        if self.stripe_rate_limit is not None:
            return self.stripe_rate_limit
        key = self.stripe_api_key.get_secret_value() if self.stripe_api_key else ""
        return default_rate_limit(livemode=key.startswith(("sk_live_", "rk_live_")))

    @field_validator("billing_approval_above")
    @classmethod
    def _approval_thresholds(cls, value: str, info: ValidationInfo) -> str:
        parse_thresholds(value, main_currency=info.data.get("billing_main_currency") or "usd")
        return value

    def approval_rule(self) -> ApprovalRule:
        return ApprovalRule(
            parse_thresholds(self.billing_approval_above, main_currency=self.billing_main_currency)
        )

    @field_validator("slack_api_url")
    @classmethod
    def _trailing_slash(cls, value: str) -> str:
        if not value.startswith(("http://", "https://")):
            raise ValueError(f"expected an http(s) URL, got {value!r}")
        return value if value.endswith("/") else value + "/"

    @field_validator("billing_portal_return_url")
    @classmethod
    def _return_url(cls, value: str | None) -> str | None:
        if not value:
            return None
        parts = urlsplit(value)
        if parts.scheme != "https" or not parts.hostname or " " in value:
            raise ValueError(f"expected an https URL the customer returns to, got {value!r}")
        return value

    @field_validator("stripe_api_base")
    @classmethod
    def _base_url(cls, value: str) -> str:
        if not value.startswith(("http://", "https://")):
            raise ValueError(f"expected an http(s) URL, got {value!r}")
        return value.rstrip("/")

    @field_validator("stripe_api_key")
    @classmethod
    def _stripe_key_shape(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and not STRIPE_KEY.match(value.get_secret_value()):
            # Never echo the value: it may be a real secret pasted into the wrong variable.
            raise ValueError("expected a Stripe secret or restricted key (sk_test_…, rk_test_…, sk_live_…)")
        return value

    @field_validator("slack_bot_token")
    @classmethod
    def _bot_token_shape(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and not value.get_secret_value().startswith("xoxb-"):
            raise ValueError("expected a bot token starting with xoxb-")
        return value

    @field_validator("slack_app_token")
    @classmethod
    def _app_token_shape(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and not value.get_secret_value().startswith("xapp-"):
            raise ValueError("expected an app-level token starting with xapp-")
        return value

    @model_validator(mode="after")
    def _live_keys_need_consent(self) -> Settings:
        if self.stripe_live and not self.billing_allow_live:
            raise ValueError(
                "STRIPE_API_KEY is a live key; set BILLING_ALLOW_LIVE=true to run against live money"
            )
        return self

    # --- derived -----------------------------------------------------------------------------

    @property
    def stripe_live(self) -> bool:
        key = self.stripe_api_key
        return key is not None and "_live_" in key.get_secret_value()[:8]

    @property
    def digest_zone(self) -> ZoneInfo:
        return ZoneInfo(self.digest_tz)

    def is_operator(self, user_id: str) -> bool:
        return user_id in self.billing_operators

    def may_view_reports(self, user_id: str) -> bool:
        """Reports and the message shortcut: operators, and the read-only viewers."""
        return user_id in self.billing_operators or user_id in self.billing_viewers

    def require(self, *names: str) -> None:
        """Stop with one line naming the first setting a command needs and does not have."""
        for name in names:
            if getattr(self, name.lower()) in (None, "", []):
                raise ConfigError(f"{name.upper()} is not set: {_NEEDED_FOR.get(name.upper(), 'required')}")


_NEEDED_FOR = {
    "SLACK_BOT_TOKEN": "expected the bot token (xoxb-…) from the Slack app's OAuth page",
    "SLACK_SIGNING_SECRET": "expected the signing secret from the Slack app's Basic Information page",
    "SLACK_APP_TOKEN": "expected an app-level token (xapp-…) with connections:write for Socket Mode",
    "STRIPE_API_KEY": "expected a Stripe key (rk_test_… recommended; see README)",
    "BILLING_CHANNELS": "expected comma-separated channel IDs where cards may be posted",
    "BILLING_OPERATORS": "expected comma-separated Slack user IDs allowed to take money actions",
    "DIGEST_CHANNEL": "expected the channel ID the daily digest is posted to",
}


def load_settings(**overrides: object) -> Settings:
    """Read the environment; turn pydantic's report into one line naming the variable."""
    try:
        return Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as error:
        raise _one_line(error) from None


def load_log_settings() -> LogSettings:
    try:
        return LogSettings()
    except ValidationError as error:
        raise _one_line(error) from None


def _one_line(error: ValidationError) -> ConfigError:
    first = error.errors()[0]
    message = str(first["msg"]).removeprefix("Value error, ")
    if not first["loc"]:  # a rule across settings: its message starts with the setting it is about
        return ConfigError(message)
    return ConfigError(f"{str(first['loc'][0]).upper()} is invalid: {message}")
