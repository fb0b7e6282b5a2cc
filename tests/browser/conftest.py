"""Browser tests: headless Debian Chromium (/usr/bin/chromium, or $CHROMIUM) driven by Playwright for
Python, against `billing-bot playground` served from this process. Nothing here downloads a browser.

Run with `make browser-test`; plain `make test` deselects the `browser` marker and never imports Playwright.
Screenshots of each step go to $PLAYGROUND_SCREENSHOTS (default: the test's tmp_path).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from bot.playground.session import Playground, running_playground
from bot.playground.web import serving_page_in_thread

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
VIEWPORT = {"width": 1440, "height": 1360}  # tall enough for the whole card


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    if not Path(CHROMIUM).exists():
        pytest.fail(f"no Chromium at {CHROMIUM}: install Debian's chromium package (make browser-test)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        try:
            yield chromium
        finally:
            chromium.close()


@pytest.fixture
def playground() -> Iterator[Playground]:
    """A fresh playground (bot, stand-in, demo sandbox) per test: each test starts from the seeded data."""
    with running_playground() as playground:
        yield playground


@pytest.fixture
def playground_url(playground: Playground) -> Iterator[str]:
    with serving_page_in_thread(playground) as url:
        yield url


@pytest.fixture
def page(browser: Any, playground_url: str) -> Iterator[Any]:
    context = browser.new_context(viewport=VIEWPORT)
    context.set_default_timeout(20_000)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(playground_url)
    try:
        yield page
    finally:
        context.close()
    assert errors == [], f"the page's script failed: {errors}"


@pytest.fixture
def screenshots(tmp_path: Path, request: pytest.FixtureRequest) -> Path:
    root = Path(os.environ.get("PLAYGROUND_SCREENSHOTS") or tmp_path)
    folder = root / request.node.name
    folder.mkdir(parents=True, exist_ok=True)
    return folder
