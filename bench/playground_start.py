"""How long `billing-bot playground` takes to serve its page: started as a person starts it (a separate
process, the installed command), timed from launch to the first 200 for the page, then stopped with Ctrl-C.

    python bench/playground_start.py [--command .venv/bin/billing-bot]

Prints the figure; exits 1 above LIMIT_SECONDS (the issue's "serves the page within 30 seconds") or when
Ctrl-C does not end it with status 0.
"""

from __future__ import annotations

import argparse
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx

LIMIT_SECONDS = 30.0
URL = re.compile(r"(http://127\.0\.0\.1:\d+/)")
DEFAULT_COMMAND = Path(sys.executable).with_name("billing-bot")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--command", default=str(DEFAULT_COMMAND), help="the billing-bot executable")
    args = parser.parse_args()
    started = time.perf_counter()
    process = subprocess.Popen([args.command, "playground", "--port", "0"], stdout=subprocess.PIPE, text=True)
    try:
        assert process.stdout is not None
        line = process.stdout.readline()
        match = URL.search(line)
        if not match:
            print(f"playground printed no URL: {line!r}", file=sys.stderr)
            return 1
        status = httpx.get(match.group(1), timeout=LIMIT_SECONDS).status_code
        served = time.perf_counter() - started
        process.send_signal(signal.SIGINT)
        process.wait(timeout=20)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    print(
        f"playground: page answered {status} {served:.1f} s after launch; Ctrl-C exit status {process.returncode}"
    )
    return 0 if status == 200 and served <= LIMIT_SECONDS and process.returncode == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
