# One entry point. `make run` and `make test` are the README's two commands.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin

.PHONY: setup setup-dev run test test-later lint bench pictures clean

$(BIN)/uv:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip uv

# --compile-bytecode: uv writes no .pyc by default, and with PYTHONDONTWRITEBYTECODE set
# nothing ever does; every command then compiles duckdb, pydantic, typer and rich from
# source (~0.5 s of a 0.9 s `liquidity status`). pip compiles on install (the image).
setup: $(BIN)/uv
	$(BIN)/uv pip install --quiet --compile-bytecode --python $(BIN)/python -e .

setup-dev: $(BIN)/uv
	$(BIN)/uv pip install --quiet --compile-bytecode --python $(BIN)/python -e '.[dev]'

run: setup
	$(BIN)/liquidity collect
	$(BIN)/liquidity show net-liquidity

# tests/e2e/test_live.py moves the daemon's clock with libfaketime (Debian's faketime).
test: setup-dev
	@command -v faketime >/dev/null || apt-get install -y -qq faketime >/dev/null \
		|| (apt-get update -qq && apt-get install -y -qq faketime >/dev/null)
	$(BIN)/ruff check src tests
	$(BIN)/ruff format --check src tests
	$(BIN)/mypy
	$(BIN)/pytest

# The suite with every clock of the test process 400 days ahead (libfaketime; servers a test
# starts run on the real clock, see tests/support/real_clock.py). Installs Debian's faketime if missing.
LATER ?= +400d
test-later: setup-dev
	@command -v faketime >/dev/null || apt-get install -y -qq faketime >/dev/null \
		|| (apt-get update -qq && apt-get install -y -qq faketime >/dev/null)
	faketime -f '$(LATER)' $(BIN)/pytest

# Peers (fredapi, fedfred, OpenBB ~1 GB) live in bench/.venv, never in our dependencies.
BENCH_VENV := bench/.venv
BENCH_BIN  := $(BENCH_VENV)/bin
BENCH_PEERS ?= fredapi fedfred openbb pyinstrument

$(BENCH_BIN)/uv:
	$(PYTHON) -m venv $(BENCH_VENV)
	$(BENCH_BIN)/python -m pip install --quiet --upgrade pip uv

bench: $(BENCH_BIN)/uv
	$(BENCH_BIN)/uv pip install --quiet --compile-bytecode --python $(BENCH_BIN)/python \
		-e '.[questdb]' $(BENCH_PEERS)
	@# An editable install is not compiled, and PYTHONDONTWRITEBYTECODE (if set) keeps Python
	@# from caching it: compile it, as an installed package is, so cold starts compare fairly.
	$(BENCH_BIN)/python -m compileall -q src
	$(BENCH_BIN)/python -m bench.run

# The README's pictures (docs/pictures/), drawn from the recorded fixtures.
pictures: setup-dev
	PYTHONPATH=. $(BIN)/python docs/pictures/make.py

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache .mypy_cache
