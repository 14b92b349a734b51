# The two commands: `make demo` and `make test`. Both set themselves up on a fresh machine.
SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test install lint typecheck architecture unit integration bench migrate serve clean

$(STAMP): pyproject.toml constraints.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -c constraints.txt -e '.[dev]'
	$(BIN)/python -m pip install --quiet --no-deps -c constraints.txt 'openmined-psi==2.0.6'  # see [psi] in pyproject.toml
	touch $(STAMP)

# the Hardhat node that the chain adapter's integration tests start (npm registry; pinned by the lock file)
HARDHAT := chain_adapter/hardhat/node_modules/.package-lock.json
$(HARDHAT): chain_adapter/hardhat/package.json chain_adapter/hardhat/package-lock.json
	npm ci --prefix chain_adapter/hardhat --no-audit --no-fund --loglevel=error
	touch $(HARDHAT)

install: $(STAMP) $(HARDHAT)

demo: install
	$(BIN)/hnode demo

migrate: install
	$(BIN)/hnode migrate

serve: install
	$(BIN)/hnode migrate && $(BIN)/hnode serve

lint: install
	$(BIN)/ruff check node chain_adapter connectors tests benchmarks scripts
	$(BIN)/ruff format --check node chain_adapter connectors tests benchmarks scripts

typecheck: install
	$(BIN)/mypy

architecture: install
	$(BIN)/lint-imports

test: lint typecheck architecture
	$(BIN)/pytest

bench: install
	$(BIN)/python benchmarks/crypto_bench.py
	$(BIN)/python benchmarks/audit_bench.py
	$(BIN)/python benchmarks/registry_bench.py
	$(BIN)/python benchmarks/insurer_bench.py

clean:
	rm -rf $(VENV) var .pytest_cache .mypy_cache .ruff_cache chain_adapter/hardhat/node_modules
