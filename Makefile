# The README's two commands. Both create ./.venv on first use, so a fresh machine needs only python3.
VENV ?= .venv
BIN := $(VENV)/bin

.PHONY: demo playground test browser-test readme-screenshots install lint typecheck bench

$(BIN)/python:
	python3 -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip

install: $(BIN)/python
	$(BIN)/python -m pip install -q -e '.[dev]'

# The whole flow offline: the real bot over HTTP, a local Slack stand-in, the demo-seeded Stripe sandbox.
demo: install
	$(BIN)/billing-bot demo

# The same, clickable: a Slack-like page on 127.0.0.1 driving the real bot (prints its URL; Ctrl-C stops it).
# Needs only the package (no dev tools), installed once, so a fresh clone serves the page quickly.
$(BIN)/billing-bot: $(BIN)/python
	$(BIN)/python -m pip install -q -e .

playground: $(BIN)/billing-bot
	$(BIN)/billing-bot playground

lint: install
	$(BIN)/ruff check bot handlers billing messages tests bench
	$(BIN)/ruff format --check bot handlers billing messages tests bench
	$(BIN)/lint-imports

typecheck: install
	$(BIN)/mypy

# What CI runs (.ci/run calls this target). lint includes the import-linter layer contracts (pyproject.toml).
test: lint typecheck
	$(BIN)/python -m pytest

bench: install
	$(BIN)/python bench/digest_bench.py --latency-ms 0 300
	$(BIN)/python bench/lookup_bench.py
	$(BIN)/python bench/ack_bench.py
	$(BIN)/python bench/classify_bench.py

# The playground in headless Chromium: Debian's chromium package (apt-get install chromium), driven by
# Playwright for Python, which never downloads a browser here. Screenshots of every step go to $(SCREENSHOTS).
SCREENSHOTS ?= build/screenshots
OPERATOR_FLOW := $(SCREENSHOTS)/test_an_operator_cancels_the_duplicate_and_refunds_and_sees_the_handoff_and_the_refund

browser-test: install
	$(BIN)/python -m pip install -q -e '.[dev,browser]'
	PLAYGROUND_SCREENSHOTS=$(SCREENSHOTS) $(BIN)/python -m pytest -m browser tests/browser

# The README's two pictures, as the browser test took them.
readme-screenshots: browser-test
	cp $(OPERATOR_FLOW)/1-card.png docs/playground-card.png
	cp $(OPERATOR_FLOW)/5-handoff.png docs/playground-handoff.png
