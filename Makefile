# The two commands: `make demo` and `make test`. Both set themselves up on a fresh machine.
SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test install lint typecheck architecture unit integration bench migrate serve clean console browser

$(STAMP): pyproject.toml constraints.txt partner_client/pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -c constraints.txt -e '.[dev]'
	$(BIN)/python -m pip install --quiet --no-deps -c constraints.txt 'openmined-psi==2.0.6'  # see [psi] in pyproject.toml
	$(BIN)/python -m pip install --quiet --no-deps -e ./partner_client  # hnode-partner: `hnode partner` wraps it
	touch $(STAMP)

# the Hardhat node that the chain adapter's integration tests start (npm registry; pinned by the lock file)
HARDHAT := chain_adapter/hardhat/node_modules/.package-lock.json
$(HARDHAT): chain_adapter/hardhat/package.json chain_adapter/hardhat/package-lock.json
	npm ci --prefix chain_adapter/hardhat --no-audit --no-fund --loglevel=error
	touch $(HARDHAT)

install: $(STAMP) $(HARDHAT)

# the officer console (npm registry, pinned by its lock file), built into console/dist, served at /console
CONSOLE_DEPS := console/node_modules/.package-lock.json
CONSOLE := console/dist/index.html
$(CONSOLE_DEPS): console/package.json console/package-lock.json
	npm ci --prefix console --no-audit --no-fund --loglevel=error
	touch $(CONSOLE_DEPS)
$(CONSOLE): $(CONSOLE_DEPS) console/index.html console/vite.config.js $(shell find console/src -type f 2>/dev/null)
	npm run build --prefix console --silent

console: $(CONSOLE)

# headless Chromium (Debian's package) for the console's browser tests; CJK fonts for its screenshots
browser:
	{ command -v chromium && dpkg -s fonts-noto-cjk; } >/dev/null 2>&1 || (apt-get update -qq && apt-get install -y -qq chromium fonts-noto-cjk)

demo: install console
	$(BIN)/hnode demo

migrate: install
	$(BIN)/hnode migrate

serve: install
	$(BIN)/hnode migrate && $(BIN)/hnode serve

lint: install
	$(BIN)/ruff check node chain_adapter connectors tests benchmarks scripts region partner_client
	$(BIN)/ruff format --check node chain_adapter connectors tests benchmarks scripts region partner_client

typecheck: install
	$(BIN)/mypy

architecture: install
	$(BIN)/lint-imports

test: lint typecheck architecture console browser
	$(BIN)/pytest

bench: install console browser
	$(BIN)/python benchmarks/crypto_bench.py
	$(BIN)/python benchmarks/audit_bench.py
	$(BIN)/python benchmarks/registry_bench.py
	$(BIN)/python benchmarks/console_bench.py
	$(BIN)/python benchmarks/console_lists_bench.py
	$(BIN)/python benchmarks/dataspace_bench.py
	$(BIN)/python benchmarks/insurer_bench.py

clean:
	rm -rf $(VENV) var .pytest_cache .mypy_cache .ruff_cache chain_adapter/hardhat/node_modules console/node_modules console/dist
