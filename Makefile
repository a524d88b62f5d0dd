# chat-lex: `make run` serves the chat, `make test` runs every test. Both set up first.
PY ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: setup run test lint typecheck pytest browser redis bench clean

setup: $(STAMP)

$(STAMP): pyproject.toml
	@command -v $(PY) >/dev/null 2>&1 || { echo "Python 3.11 is required ($(PY) not found)"; exit 1; }
	test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	touch $(STAMP)

run: setup
	$(BIN)/chat-lex validate bot_spec/chatbot
	$(BIN)/chat-lex serve

lint: setup
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: setup
	$(BIN)/mypy

# Debian's chromium for the browser tests; Playwright may not download its own here.
browser:
	@command -v chromium >/dev/null 2>&1 || { apt-get update -qq && apt-get install -y -qq chromium; }

# The scale-out tests need Redis on 127.0.0.1:6379; start one when none answers.
redis:
	@$(BIN)/python -c "import redis; redis.Redis(host='127.0.0.1', port=6379, socket_connect_timeout=1).ping()" 2>/dev/null \
	  || { command -v redis-server >/dev/null 2>&1 || { apt-get update -qq && apt-get install -y -qq redis-server; }; \
	       redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save "" --appendonly no; sleep 1; }

pytest: setup browser redis
	$(BIN)/pytest -q

test: lint typecheck pytest

# Every benchmark, each printing its table; record the figures with the commit in docs/benchmarks.md.
bench: setup
	$(BIN)/python benchmarks/spec_bench.py
	$(BIN)/python benchmarks/nlu_bench.py
	$(BIN)/python benchmarks/engine_bench.py
	$(BIN)/python benchmarks/runtime_bench.py --no-append

clean:
	rm -rf $(VENV) dist var .pytest_cache .mypy_cache .ruff_cache
