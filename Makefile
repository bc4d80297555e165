# The whole dev loop. Each target creates the virtual environment on first use.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
LEDGER ?= out/demo.db

.PHONY: demo test stress lint docs bench clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	# Re-point the editable install at this checkout, never at a cached build of another one.
	$(BIN)/pip install --quiet --no-deps --no-cache-dir --force-reinstall -e .
	touch $(STAMP)

demo: $(STAMP)
	mkdir -p out
	rm -f $(LEDGER) $(LEDGER)-wal $(LEDGER)-shm $(LEDGER).views $(LEDGER).views-wal $(LEDGER).views-shm
	$(BIN)/legacyledger --ledger $(LEDGER) demo

test: $(STAMP)
	$(BIN)/python -m pytest -q $(PYTEST_ARGS)

# The concurrency and kill tests, RUNS times in a row beside a CPU hog (one busy process per
# core); stops at the first failure and says how many runs passed.
RUNS ?= 200
stress: $(STAMP)
	PYTHON=$(BIN)/python tests/stress.sh $(RUNS)

lint: $(STAMP)
	$(BIN)/ruff check src cli tests bench
	$(BIN)/python -m mypy --strict
	$(BIN)/lint-imports --no-cache

# The API reference of the public names (legacyledger.__all__), from their docstrings.
docs: $(STAMP)
	$(BIN)/pdoc --docformat restructuredtext --output-directory out/api legacyledger

bench: $(STAMP)
	$(BIN)/python -m bench.run $(BENCH_ARGS)

clean:
	rm -rf $(VENV) out build dist .pytest_cache .mypy_cache .hypothesis
