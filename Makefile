# The two commands a newcomer needs: `make serve` and `make test`. Both set up what they need.
SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell cat pyproject.toml | sha1sum | cut -c1-12)

.PHONY: serve test setup system-deps system-deps-serve venv lint bench clean proto proto-tools proto-baseline runtime-deps bundle

serve: system-deps-serve venv runtime-deps bundle
	$(BIN)/openagents serve

test: system-deps venv proto-tools runtime-deps
	bash scripts/run-tests.sh

# The shell's pinned Pyodide runtime (npm files live in build/, never at the root).
RUNTIME_STAMP := build/node_modules/.oa-installed
runtime-deps: $(RUNTIME_STAMP)

$(RUNTIME_STAMP): build/package.json build/package-lock.json
	npm ci --prefix build --ignore-scripts --no-audit --no-fund --loglevel=error
	@touch $@

# A fresh clone serves the shell: build a bundle when dist/bundles has none.
bundle: venv runtime-deps
	@ls dist/bundles/*/manifest.json >/dev/null 2>&1 || $(BIN)/openagents build

setup: system-deps venv

system-deps-serve:
	@bash scripts/system-deps.sh serve

system-deps:
	@bash scripts/system-deps.sh test

venv: $(STAMP)

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	@rm -f $(VENV)/.installed-* && touch $@

# Contracts (proto/): buf comes pinned from npm (proto/package-lock.json); see docs/PROTOCOL.md.
BUF := proto/node_modules/.bin/buf

proto-tools: $(BUF)

$(BUF): proto/package.json proto/package-lock.json
	npm ci --prefix proto --no-audit --no-fund --loglevel=error
	@touch $@

# After editing a .proto: format it, regenerate the committed Python contracts, lint.
proto: venv proto-tools
	cd proto && node_modules/.bin/buf format -w
	$(BIN)/python scripts/proto_codegen.py
	cd proto && node_modules/.bin/buf lint

# Only when releasing a contract version: record the image `buf breaking` compares against.
proto-baseline: proto-tools
	mkdir -p proto/baseline && cd proto && node_modules/.bin/buf build -o baseline/v1.binpb

lint: venv
	$(BIN)/ruff check server shell build tests e2e bench

clean:
	rm -rf $(VENV) var dist proto/node_modules build/node_modules
