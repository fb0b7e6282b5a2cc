"""Action IDs and button values, shared by the builders (messages/) and the listeners (handlers/)."""

from __future__ import annotations

from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from billing.models import Bucket


class ActionId(StrEnum):
    # card: classification
    CLASSIFY = "billing.classify"  # value: ButtonValue with bucket
    OPEN_CANDIDATE = "billing.open_candidate"  # shared-email list: open one customer
    RETRY_LOOKUP = "billing.retry_lookup"
    OPEN_DASHBOARD = "billing.open_dashboard"  # link button; acked and ignored
    # card: each action's own button id is declared by its definition (billing/action_kinds/)
    RECLASSIFY = "billing.reclassify"
    ADD_WORDS = "billing.add_words"  # opens a modal for the customer's words; the suggestion is re-run
    # second click
    CONFIRM = "billing.confirm"
    BACK = "billing.back"
    # digest
    INVESTIGATE = "billing.investigate"


class CallbackId(StrEnum):
    MESSAGE_SHORTCUT = "billing_investigate_message"
    GLOBAL_SHORTCUT = "billing_lookup"
    LOOKUP_MODAL = "billing_lookup_modal"
    ACTION_FORM = "billing_action_form"  # an action's choices before its Confirm prompt
    WORDS_MODAL = "billing_words_modal"


class ButtonValue(BaseModel):
    """What a button carries: identifiers the server re-checks, never amounts it would trust."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    case: str | None = Field(default=None, max_length=40)
    nonce: str | None = Field(default=None, max_length=40)
    bucket: str | None = Field(default=None, max_length=40)
    target: str | None = Field(default=None, max_length=80)  # a Stripe ID or a lookup query
    # The operator's own words (a query, or a message's text for the shortcut), for Retry and Open.
    text: str | None = Field(default=None, max_length=1500)
    # The customer's words (already cleaned), carried from a candidates card to the card it opens.
    words: str | None = Field(default=None, max_length=500)
    # An action's button that asks the operator's choices in a form first; the form's modal carries the kind.
    form: bool | None = None
    kind: str | None = Field(default=None, max_length=40)

    def encode(self) -> str:
        return self.model_dump_json(exclude_none=True)

    @field_validator("bucket")
    @classmethod
    def _known_bucket(cls, value: str | None) -> str | None:
        if value is not None and value not in {bucket.value for bucket in Bucket}:
            raise ValueError("not a bucket")
        return value

    @classmethod
    def decode(cls, raw: object) -> ButtonValue:
        """Raises BadButtonValue for anything this bot did not encode (a tampered or garbled value)."""
        if not isinstance(raw, str):
            raise BadButtonValue(f"expected a string, got {type(raw).__name__}")
        try:
            return cls.model_validate_json(raw)
        except ValidationError as error:
            raise BadButtonValue(
                f"{error.error_count()} problem(s), first: {error.errors()[0]['type']}"
            ) from None


class BadButtonValue(ValueError):
    """A button value or modal metadata that the bot did not make: expected hostile input, not a bug."""
