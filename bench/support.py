"""Shared by the benchmarks: a seeded sandbox in a child process, percentiles, the reproducing command.

The sandbox runs in its own process so the bench process's CPU time is the bot's alone (Stripe's CPU is
not ours), and the two do not share one GIL. Seeding happens in the child, in-process (no HTTP), so it is fast.
"""

from __future__ import annotations

import multiprocessing
import shlex
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from multiprocessing.connection import Connection
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from billing.sandbox import SandboxServer  # noqa: E402
from billing.sandbox.server import API_KEY  # noqa: E402
from billing.sandbox.state import State  # noqa: E402

Seeder = Callable[[State], None]


@contextmanager
def sandbox_process(
    seed: Seeder | None = None, *, demo: bool = False, latency_ms: int = 0, rate_limit: int | None = None
) -> Iterator[RemoteSandbox]:
    """A sandbox serving from a forked child; yields its address and key."""
    context = multiprocessing.get_context("fork")
    parent, child = context.Pipe()
    process = context.Process(
        target=_serve, args=(child, seed, demo, latency_ms, rate_limit), daemon=True, name="sandbox"
    )
    process.start()
    port = parent.recv()
    try:
        yield RemoteSandbox(f"http://127.0.0.1:{port}", API_KEY, parent)
    finally:
        process.terminate()
        process.join(timeout=10)


@dataclass(frozen=True)
class RemoteSandbox:
    base_url: str
    api_key: str
    control: Connection

    def set_latency_ms(self, latency_ms: int) -> None:
        self.control.send(("latency", latency_ms))
        self.control.recv()

    def object_count(self) -> int:
        self.control.send(("objects", None))
        return int(self.control.recv())


def _serve(
    conn: Connection, seed: Seeder | None, demo: bool, latency_ms: int, rate_limit: int | None
) -> None:
    server = SandboxServer(
        port=0, seed="demo" if demo else None, latency_ms=latency_ms, rate_limit=rate_limit
    )
    if seed is not None:
        seed(server.state)
    server.start()
    conn.send(server.port)
    while True:
        command, value = conn.recv()
        if command == "latency":
            server.set_latency_ms(value)
            conn.send(True)
        elif command == "objects":
            conn.send(len(server.state.objects))


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(fraction * (len(ordered) - 1))))
    return ordered[index]


def command_line() -> str:
    return "python " + " ".join(shlex.quote(arg) for arg in sys.argv)
