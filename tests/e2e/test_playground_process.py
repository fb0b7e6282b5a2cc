"""`billing-bot playground` as a person starts it: one line with the URL, the page served from 127.0.0.1,
and Ctrl-C ends everything (the bot, the stand-in and the sandbox live in this one process)."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
from pathlib import Path

import httpx

URL_LINE = re.compile(r"^Billing Ops playground: (http://127\.0\.0\.1:\d+/) \(Ctrl-C to stop\)$")


def test_it_prints_one_line_serves_the_page_and_stops_cleanly_on_ctrl_c(tmp_path: Path) -> None:
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("SLACK_", "STRIPE_", "BILLING_"))
    }
    process = subprocess.Popen(
        [sys.executable, "-m", "bot", "playground", "--port", "0"],
        cwd=tmp_path,
        env={**env, "XDG_DATA_HOME": str(tmp_path / "data")},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        first = process.stdout.readline().rstrip("\n")
        match = URL_LINE.match(first)
        assert match, first
        page = httpx.get(match.group(1), timeout=10)
        assert page.status_code == 200 and "# billing-ops" in page.text
        process.send_signal(signal.SIGINT)
        out, err = process.communicate(timeout=20)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    assert process.returncode == 0, err
    assert out == "" and err == ""  # the one line was all it said
    assert not (tmp_path / "data").exists()  # its database was a throwaway
