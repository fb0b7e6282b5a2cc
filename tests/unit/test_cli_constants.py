"""The CLI names a few of the emulator's and the demo's defaults without importing them (see bot/cli)."""

from __future__ import annotations

import billing.sandbox.server
import bot.demo
from bot.cli import demo, sandbox


def test_cli_defaults_match_the_modules_they_avoid_importing() -> None:
    assert sandbox.DEFAULT_PORT == billing.sandbox.server.DEFAULT_PORT
    assert demo.DEMO_CUSTOMER == bot.demo.DEMO_CUSTOMER
