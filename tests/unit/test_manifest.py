"""manifest.yml is a valid Slack app manifest and names the same command and callbacks as the code."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import jsonschema
import yaml

from handlers.commands import COMMAND
from messages.ids import CallbackId

REPO = Path(__file__).resolve().parents[2]
SLACK_SCHEMAS = REPO / "tests" / "data" / "slack"


def manifest() -> dict[str, Any]:
    return yaml.safe_load((REPO / "manifest.yml").read_text(encoding="utf-8"))


def schema_for(major_version: int) -> dict[str, Any]:
    path = SLACK_SCHEMAS / f"manifest.schema.{major_version}.0.0.json"
    return json.loads(path.read_text(encoding="utf-8"))


def test_manifest_validates_against_slacks_schema_for_its_version() -> None:
    app = manifest()
    schema = schema_for(app["_metadata"]["major_version"])
    errors = [error.message for error in jsonschema.Draft7Validator(schema).iter_errors(app)]
    assert errors == []


def test_manifest_command_and_callbacks_match_the_code() -> None:
    features = manifest()["features"]
    assert [command["command"] for command in features["slash_commands"]] == [COMMAND]
    shortcuts = {shortcut["callback_id"]: shortcut["type"] for shortcut in features["shortcuts"]}
    assert shortcuts == {
        CallbackId.MESSAGE_SHORTCUT.value: "message",
        CallbackId.GLOBAL_SHORTCUT.value: "global",
    }


def test_manifest_turns_on_what_the_bot_needs_and_asks_only_for_used_scopes() -> None:
    app = manifest()
    assert app["settings"]["interactivity"]["is_enabled"] is True
    assert app["settings"]["socket_mode_enabled"] is True
    assert app["oauth_config"]["scopes"]["bot"] == [
        "commands",
        "chat:write",
        "channels:history",
        "groups:history",
    ]
