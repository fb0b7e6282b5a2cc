"""The emulator is imported only by the commands that ask for it, and a failed import is one line."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from types import ModuleType
from typing import TYPE_CHECKING

from billing.errors import SandboxUnavailable

if TYPE_CHECKING:
    from billing.sandbox import SandboxServer


def sandbox_package() -> ModuleType:
    try:
        import billing.sandbox as package
    except ImportError as error:
        raise SandboxUnavailable(error) from None
    return package


@contextmanager
def demo_sandbox() -> Iterator[SandboxServer]:
    """An in-process, demo-seeded sandbox on a free loopback port, for `--sandbox` and the demo."""
    with sandbox_package().running_sandbox(seed="demo") as server:
        yield server
