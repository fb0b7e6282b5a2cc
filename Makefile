# `make test` is the README's test command; .ci/run calls it too.
PY ?= python

.PHONY: install test lint typecheck
install:
	$(PY) -m pip install -q -e '.[dev]'

lint:
	ruff check bot handlers billing messages tests bench

typecheck:
	mypy

test: install lint typecheck
	$(PY) -m pytest
