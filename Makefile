# chat-lex: `make run` serves the chat, `make test` runs every test. Both set up first.
PY ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
LOCK := requirements/test.lock
RUNTIME_LOCK := requirements/runtime.lock
LOCK_VENV := .venv-lock
COMPILE = --quiet --generate-hashes --allow-unsafe --strip-extras --no-emit-index-url --no-emit-find-links $(if $(UPGRADE),--upgrade)

NODE_STAMP := node_modules/.package-lock.json

.PHONY: setup node-deps actionlint lock run test lint typecheck pytest browser container image redis bench clean

setup: $(STAMP)

# The lock (pip-tools, exact versions and sha256 hashes) is all that setup installs; the project itself
# goes in editable, without dependencies and without a build-isolation download.
$(STAMP): $(LOCK) pyproject.toml
	@command -v $(PY) >/dev/null 2>&1 || { echo "Python 3.11 is required ($(PY) not found)"; exit 1; }
	test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/pip install --quiet --require-hashes --no-deps -r $(LOCK)
	$(BIN)/pip install --quiet --no-deps --no-build-isolation -e .
	touch $(STAMP)

# Node tools for the checks only (actionlint in WebAssembly, for .github/workflows), from the integrity-locked
# package-lock.json. Not part of `setup`: `make run` needs no node. Without node outside CI the workflow test skips.
node-deps: $(NODE_STAMP)

$(NODE_STAMP): package.json package-lock.json
	@if ! command -v npm >/dev/null 2>&1; then \
	  if [ -n "$$CI" ]; then echo "node and npm are required in CI (the workflow lint)"; exit 1; fi; \
	  echo "node/npm not found: the workflow lint test will be skipped (install nodejs to run it)"; \
	else npm ci --no-audit --no-fund && touch $(NODE_STAMP); fi

actionlint: node-deps
	node tools/ci/actionlint.mjs

# Re-resolve the locks from pyproject.toml (kept pins stay unless UPGRADE=1). Commit the lock with the change.
# The machine's own pip settings (local wheel folders) are set aside so that the lock names PyPI's files only.
lock:
	test -x $(LOCK_VENV)/bin/pip-compile || { $(PY) -m venv $(LOCK_VENV) && $(LOCK_VENV)/bin/pip install --quiet --require-hashes -r requirements/pip-tools.lock; }
	env -u PIP_FIND_LINKS PIP_CONFIG_FILE=/dev/null $(LOCK_VENV)/bin/pip-compile $(COMPILE) --extra test --all-build-deps -o $(LOCK) pyproject.toml
	env -u PIP_FIND_LINKS PIP_CONFIG_FILE=/dev/null $(LOCK_VENV)/bin/pip-compile $(COMPILE) -c $(LOCK) -o $(RUNTIME_LOCK) pyproject.toml

run: setup
	$(BIN)/chat-lex validate bot_spec/chatbot
	$(BIN)/chat-lex serve

lint: setup
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: setup
	$(BIN)/mypy

# Debian's chromium for the browser tests; Playwright may not download its own here. A browser named by
# CHAT_LEX_CHROMIUM (e.g. the GitHub runner's Chrome) is used as it is.
browser:
	@if [ -n "$$CHAT_LEX_CHROMIUM" ]; then test -x "$$CHAT_LEX_CHROMIUM" || { echo "CHAT_LEX_CHROMIUM=$$CHAT_LEX_CHROMIUM is not an executable"; exit 1; }; \
	else command -v chromium >/dev/null 2>&1 || { apt-get update -qq && apt-get install -y -qq chromium; }; fi

# podman (with runc) and debootstrap for the image test; the image is built from Debian's packages, no registry.
container:
	@command -v podman >/dev/null 2>&1 && command -v runc >/dev/null 2>&1 && command -v debootstrap >/dev/null 2>&1 \
	  || { apt-get update -qq && apt-get install -y -qq podman runc debootstrap; }

# The runtime image, built here with podman (tools/container/build_local.sh; docs/deploy.md). TAG=... to name it.
image: container
	tools/container/build_local.sh $(or $(TAG),localhost/chat-lex:dev)

# The scale-out tests need Redis on 127.0.0.1:6379; start one when none answers.
redis:
	@$(BIN)/python -c "import redis; redis.Redis(host='127.0.0.1', port=6379, socket_connect_timeout=1).ping()" 2>/dev/null \
	  || { command -v redis-server >/dev/null 2>&1 || { apt-get update -qq && apt-get install -y -qq redis-server; }; \
	       redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save "" --appendonly no; sleep 1; }

# Bytecode caches stay on: where the environment sets PYTHONDONTWRITEBYTECODE, every Python the suite starts
# (each `chat-lex` command, server and hook) would compile the project again (`chat-lex --help`: 0.96 s -> 0.50 s).
pytest: setup node-deps browser redis container
	env -u PYTHONDONTWRITEBYTECODE $(BIN)/pytest -q

test: lint typecheck pytest

# Every benchmark, each printing its table; record the figures with the commit in docs/benchmarks.md.
bench: setup
	$(BIN)/python benchmarks/spec_bench.py
	$(BIN)/python benchmarks/nlu_bench.py
	$(BIN)/python benchmarks/engine_bench.py
	$(BIN)/python benchmarks/runtime_bench.py --no-append

clean:
	rm -rf $(VENV) node_modules dist var .pytest_cache .mypy_cache .ruff_cache
