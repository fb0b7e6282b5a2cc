"""messages/ reads billing's data types only: importing any of its modules loads no store, SQLite or Stripe."""

from __future__ import annotations

import pkgutil
import subprocess
import sys
from pathlib import Path

import pytest

import messages

FORBIDDEN = ("sqlite3", "sqlite_utils", "stripe", "billing.store", "billing.gateway", "billing.actions")
MODULES = ["messages"] + [f"messages.{info.name}" for info in pkgutil.iter_modules(messages.__path__)]


@pytest.mark.parametrize("module", MODULES)
def test_importing_a_messages_module_loads_no_store_sqlite_or_stripe(module: str) -> None:
    probe = f"import sys, {module}; print(' '.join(m for m in {FORBIDDEN!r} if m in sys.modules))"
    loaded = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert loaded.stdout.split() == []


def test_no_product_module_outside_the_sandbox_is_over_400_lines() -> None:
    root = Path(messages.__file__).resolve().parents[1]
    modules = [
        path
        for package in ("bot", "handlers", "billing", "messages")
        for path in (root / package).rglob("*.py")
        if "sandbox" not in path.relative_to(root).parts
    ]
    too_long = {
        str(path.relative_to(root)): n for path in modules if (n := len(path.read_text().splitlines())) > 400
    }
    assert modules and too_long == {}
