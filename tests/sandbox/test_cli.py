"""`billing-bot sandbox` parses its knobs and serves until interrupted."""

from __future__ import annotations

import argparse

import pytest

from billing.sandbox import SandboxServer
from bot.cli import build_parser
from bot.cli import sandbox as sandbox_cli


def test_defaults() -> None:
    args = build_parser().parse_args(["sandbox"])
    assert (args.port, args.seed, args.latency_ms, args.fail_rate, args.rate_limit) == (
        12111,
        None,
        0,
        0.0,
        None,
    )


def test_knobs_parse() -> None:
    args = build_parser().parse_args(
        [
            "sandbox",
            "--port",
            "0",
            "--seed",
            "demo",
            "--latency-ms",
            "5",
            "--fail-rate",
            "0.25",
            "--rate-limit",
            "9",
        ]
    )
    assert (args.port, args.seed, args.latency_ms, args.fail_rate, args.rate_limit) == (0, "demo", 5, 0.25, 9)


def test_fail_writes_only_makes_a_sandbox_that_fails_writes_but_not_reads(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    args = build_parser().parse_args(["sandbox", "--port", "0", "--fail-rate", "1", "--fail-writes-only"])
    assert args.fail_writes_only is True and build_parser().parse_args(["sandbox"]).fail_writes_only is False
    served: list[SandboxServer] = []

    def interrupted(self: SandboxServer) -> None:
        served.append(self)
        raise KeyboardInterrupt

    monkeypatch.setattr(SandboxServer, "serve_forever", interrupted)
    assert sandbox_cli._serve(args) == 0
    sandbox = served[0]
    assert sandbox.handle("GET", "/v1/customers", b"", {"Authorization": "Bearer sk_test_x"}).status == 200
    assert sandbox.handle("POST", "/v1/customers", b"", {"Authorization": "Bearer sk_test_x"}).status == 500


def test_fail_rate_must_be_a_fraction() -> None:
    with pytest.raises(SystemExit):
        build_parser().parse_args(["sandbox", "--fail-rate", "2"])


def test_serves_and_prints_url_and_key(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    served: list[SandboxServer] = []

    def interrupted(self: SandboxServer) -> None:
        served.append(self)
        raise KeyboardInterrupt

    monkeypatch.setattr(SandboxServer, "serve_forever", interrupted)
    args = argparse.Namespace(
        port=0, seed=None, latency_ms=0, fail_rate=0.0, rate_limit=None, fail_writes_only=False
    )
    assert build_parser().parse_args(["sandbox"]).handler is sandbox_cli._serve
    assert sandbox_cli._serve(args) == 0
    output = capsys.readouterr().out
    assert served[0].base_url in output and "sk_test_sandbox" in output
    assert served[0].base_url.startswith("http://127.0.0.1:")
