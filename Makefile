VENV ?= .venv
PY   := $(VENV)/bin/python
PIP  := $(PY) -m pip
MARKER := $(VENV)/.installed
THREADS := OMP_NUM_THREADS=1 MKL_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1

# Bytecode is written even where the environment says not to (PYTHONDONTWRITEBYTECODE=1, as on
# the CI machine): a test run starts ~160 processes (xdist and run workers, CLI subprocesses) and
# each compiled every module from source again (collection 9.5 s -> 7.4 s a worker).
export PYTHONDONTWRITEBYTECODE :=

.PHONY: install test test-all verify campaign bench bench-deps lint extras browser screenshots proofs coverage clean

install: $(MARKER)

# Re-install when a top-level package appears (editable finder maps only packages found at install).
$(MARKER): pyproject.toml $(wildcard adcheck/__init__.py engines/__init__.py identities/__init__.py)
	test -x $(PY) || python3 -m venv $(VENV)
	$(PIP) install --upgrade pip
	$(PIP) install -e '.[dev,dask]'
	touch $@

# CI passes through from the environment; tests/conftest.py picks the hypothesis profile from it.
# `make test`: everything but the `slow` campaigns, on TEST_WORKERS xdist workers; small modules
# go whole to one worker (their module fixtures run once), big ones test by test
# (tests/conftest.py). `make test-all`: every test, the slow campaigns too.
TEST_WORKERS ?= 2
PYTEST := $(PY) -m pytest -n $(TEST_WORKERS) --dist loadscope

test: $(MARKER)
	$(PYTEST) -m "not slow"

test-all: $(MARKER)
	$(PYTEST) -m ""

# The gate: 100 examples an identity for adcheck's own AD and the closed forms' exact oracle,
# each expensive witness its stated share (`adcheck engines` lists it; the report says how many
# each engine ran). `make campaign`: every engine every example.
verify: $(MARKER)
	$(PY) -m adcheck run --examples 100 --jobs 2 --selftest --out reports

campaign: $(MARKER)
	$(PY) -m adcheck run --examples 100 --jobs 2 --full --out build/campaign

bench-deps: $(MARKER)
	$(PIP) install torch==2.13.0 jax autograd numdifftools

bench: bench-deps
	$(THREADS) $(PY) -m benchmarks

lint: $(MARKER)
	$(PY) -m ruff check .

# torch is pinned: 2.13.0 (CPU) is on local disk, anything else downloads GBs.
extras: $(MARKER)
	$(PIP) install torch==2.13.0 jax

browser: $(MARKER)
	command -v chromium || (apt-get update && apt-get install -y chromium)
	$(PY) -c "import playwright" 2>/dev/null || $(PIP) install playwright

# The README's images: the first screen of a real report (every engine, 3 examples: the layout
# of `make verify`'s report in a minute) and one identity's details, both 1280 px wide.
SHOTS := build/screenshots
screenshots: browser
	$(PY) -m adcheck run --examples 3 --jobs 1 --out $(SHOTS) || test -f $(SHOTS)/index.html
	$(PY) tests/adcheck/screenshots.py $(SHOTS)/index.html docs

# The shipped proof cache (read-only at run time; tests/identities/test_proofs.py checks it is
# current) and the generated table of supported names.
proofs: $(MARKER)
	$(PY) -c "from adcheck.identities import IDENTITIES, proofs; proofs.write_shipped(IDENTITIES.values())"

coverage: $(MARKER)
	$(PY) -m adcheck.engines.coverage > docs/coverage.md

clean:
	rm -rf $(VENV) build dist *.egg-info .pytest_cache .ruff_cache .hypothesis
	find . -name __pycache__ -type d -prune -not -path './.git/*' -exec rm -rf {} +
