# ImageUpscalerPro — every setup step lives here; `make run` and `make test`
# work on a fresh clone with nothing installed by hand.
SHELL := /bin/bash
.DEFAULT_GOAL := help

PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
EXTRAS ?= cpu,export,dev
comma := ,
# One stamp per set of extras: `make install EXTRAS=gpu,export,dev` reinstalls.
STAMP := $(VENV)/.installed-$(subst $(comma),-,$(EXTRAS))
# The official model downloads, or a mirror of them. On these machines the
# mirror is the shared folder beside the checkout; elsewhere leave it unset.
SHARED ?= $(abspath ../shared)
UPSCALER_MODEL_MIRROR ?= $(if $(wildcard $(SHARED)/models/*.pth),file://$(SHARED)/models,)
export UPSCALER_MODEL_MIRROR
CHROMIUM ?= /usr/bin/chromium

.PHONY: help install models run api worker test test-fast lint format bench migrate check-migrations check-client client browser promtool clean

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-18s %s\n", $$1, $$2}'

$(STAMP): pyproject.toml setup.py src/upscaler_worker/inference/_huffman.c clients/python/pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	@# onnxruntime and onnxruntime-openvino both install the `onnxruntime` package:
	@# a venv made before the switch must lose the plain one first (pyproject.toml).
	@if [[ ",$(EXTRAS)," == *",cpu,"* && "$$(uname -sm)" == "Linux x86_64" ]] && \
	  ! $(BIN)/python -m pip show -q onnxruntime-openvino 2>/dev/null; then \
	  $(BIN)/python -m pip uninstall -y -q onnxruntime 2>/dev/null || true; fi
	$(BIN)/python -m pip install --quiet -e '.[$(EXTRAS)]' -e clients/python
	touch $@

node_modules/.installed: package.json package-lock.json
	@if command -v npm >/dev/null; then npm ci --ignore-scripts --no-audit --no-fund --loglevel=error && touch $@; \
	else echo "npm not found: /docs will load Swagger UI from its CDN"; fi

install: $(STAMP) node_modules/.installed ## create .venv and install everything

models: $(STAMP) ## fetch, verify, export to ONNX and install the official models
	$(BIN)/upscaler-models

run: install models ## the whole service in one process on http://127.0.0.1:8000 (SQLite, local files)
	$(BIN)/upscaler-standalone

api: install ## an API replica alone (needs UPSCALER_REDIS_URL; see README "Scaling out")
	$(BIN)/upscaler-api

QUEUES ?= cpu
PROCESSES ?= 1
worker: install models ## a worker pool alone: make worker QUEUES=cpu PROCESSES=2 (needs UPSCALER_REDIS_URL)
	$(BIN)/upscaler-worker --queues $(QUEUES) --processes $(PROCESSES)

migrate: $(STAMP) ## upgrade the database named by UPSCALER_DATABASE_URL to the latest schema
	$(BIN)/alembic upgrade head

check-migrations: $(STAMP) ## fail if the tables and the migrations disagree
	@tmp=$$(mktemp -d); trap 'rm -rf $$tmp' EXIT; \
	UPSCALER_DATA_DIR=$$tmp $(BIN)/alembic upgrade head >/dev/null 2>&1 && \
	UPSCALER_DATA_DIR=$$tmp $(BIN)/alembic check

browser: ## Debian's Chromium for the browser tests (never a downloaded browser)
	@test -x $(CHROMIUM) || { \
	  echo "installing Debian's chromium"; \
	  if [ "$$(id -u)" = 0 ]; then SUDO=; else SUDO=sudo; fi; \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq chromium >/dev/null; }

promtool: ## Debian's prometheus (promtool and the server) for the monitoring tests
	@command -v promtool >/dev/null || { \
	  echo "installing Debian's prometheus"; \
	  if [ "$$(id -u)" = 0 ]; then SUDO=; else SUDO=sudo; fi; \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq --no-install-recommends prometheus >/dev/null; }

lint: $(STAMP) ## ruff, mypy, the migration check and the client check
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(MAKE) --no-print-directory check-migrations
	$(MAKE) --no-print-directory check-client

client: $(STAMP) ## regenerate clients/python from the API's OpenAPI document
	$(BIN)/python clients/generate.py

check-client: $(STAMP) ## fail if clients/python is out of date with the API
	$(BIN)/python clients/generate.py --check

format: $(STAMP) ## apply ruff's fixes and formatting
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

test: install browser promtool lint ## lint, then the whole test suite against the real services
	$(BIN)/pytest

test-fast: $(STAMP) ## the tests without the slow, browser and chaos ones
	$(BIN)/pytest -m "not slow and not browser"

bench: install models ## speed and memory figures (not a test): bench/results/
	$(BIN)/python -m bench

clean: ## remove the venv, node_modules and local data (var/)
	rm -rf $(VENV) node_modules var .pytest_cache .mypy_cache .ruff_cache
