# Leadflow: `make run` serves the demo, `make test` runs every check.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
HOST   ?= 127.0.0.1
PORT   ?= 8000
# 1: one waitress process; more (Linux): gunicorn worker processes, `make run WORKERS=4`.
WORKERS ?= 1

.PHONY: run test lint typecheck pytest install install-test bench clean

# Runtime install: virtualenv, the package, and front-end assets from npm.
$(VENV)/.installed: pyproject.toml package.json package-lock.json
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e .
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

# Test install adds the test tools and Debian's Chromium for the browser tests.
$(VENV)/.installed-test: $(VENV)/.installed pyproject.toml
	$(BIN)/pip install --quiet -e '.[test]'
	touch $@

install: $(VENV)/.installed
install-test: $(VENV)/.installed-test
	@command -v chromium >/dev/null 2>&1 || { \
	  echo "Installing Debian's chromium for the browser tests…"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; }

run: install
	$(BIN)/leadflow run --host $(HOST) --port $(PORT) --workers $(WORKERS)

test: install-test
	bash scripts/test-all.sh

lint: install-test
	$(BIN)/ruff check .

typecheck: install-test
	$(BIN)/mypy .

bench: install
	$(BIN)/leadflow bench campaigns-page --leads 1000000 --campaigns 100

clean:
	rm -rf $(VENV) node_modules var
