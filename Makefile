# The README's two commands. Both create ./.venv on first use, so a fresh machine needs only python3.
VENV ?= .venv
BIN := $(VENV)/bin

.PHONY: demo test install lint typecheck bench

$(BIN)/python:
	python3 -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip

install: $(BIN)/python
	$(BIN)/python -m pip install -q -e '.[dev]'

# The whole flow offline: the real bot over HTTP, a local Slack stand-in, the demo-seeded Stripe sandbox.
demo: install
	$(BIN)/billing-bot demo

lint: install
	$(BIN)/ruff check bot handlers billing messages tests bench
	$(BIN)/ruff format --check bot handlers billing messages tests bench

typecheck: install
	$(BIN)/mypy

# What CI runs (.ci/run calls this target).
test: lint typecheck
	$(BIN)/python -m pytest

bench: install
	$(BIN)/python bench/digest_bench.py --latency-ms 0 300
	$(BIN)/python bench/lookup_bench.py
	$(BIN)/python bench/ack_bench.py
	$(BIN)/python bench/classify_bench.py
