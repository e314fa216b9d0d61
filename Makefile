# One entry point. `make run` and `make test` are the README's two commands.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin

.PHONY: setup setup-dev run test lint bench clean

$(BIN)/uv:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip uv

setup: $(BIN)/uv
	$(BIN)/uv pip install --quiet --python $(BIN)/python -e .

setup-dev: $(BIN)/uv
	$(BIN)/uv pip install --quiet --python $(BIN)/python -e '.[dev]'

run: setup
	$(BIN)/liquidity collect
	$(BIN)/liquidity show net-liquidity

test: setup-dev
	$(BIN)/ruff check src tests
	$(BIN)/ruff format --check src tests
	$(BIN)/mypy
	$(BIN)/pytest

# Peers (fredapi, fedfred, OpenBB ~1 GB) live in bench/.venv, never in our dependencies.
BENCH_VENV := bench/.venv
BENCH_BIN  := $(BENCH_VENV)/bin
BENCH_PEERS ?= fredapi fedfred openbb pyinstrument

$(BENCH_BIN)/uv:
	$(PYTHON) -m venv $(BENCH_VENV)
	$(BENCH_BIN)/python -m pip install --quiet --upgrade pip uv

bench: $(BENCH_BIN)/uv
	$(BENCH_BIN)/uv pip install --quiet --python $(BENCH_BIN)/python -e '.[questdb]' $(BENCH_PEERS)
	$(BENCH_BIN)/python bench/run.py

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache .mypy_cache
