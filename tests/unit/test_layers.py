"""messages/ reads billing's data types only: importing any of its modules loads no store, SQLite or Stripe."""

from __future__ import annotations

import pkgutil
import subprocess
import sys

import pytest

import messages

FORBIDDEN = ("sqlite3", "sqlite_utils", "stripe", "billing.store", "billing.gateway", "billing.actions")
MODULES = ["messages"] + [f"messages.{info.name}" for info in pkgutil.iter_modules(messages.__path__)]


@pytest.mark.parametrize("module", MODULES)
def test_importing_a_messages_module_loads_no_store_sqlite_or_stripe(module: str) -> None:
    probe = f"import sys, {module}; print(' '.join(m for m in {FORBIDDEN!r} if m in sys.modules))"
    loaded = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert loaded.stdout.split() == []
