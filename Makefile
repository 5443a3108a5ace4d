# Two commands do everything on a fresh machine with Python 3.11+ and pip:
#   make run   - run the agent on a real problem with the embedded local model
#   make test  - install what the tests need and run them
PYTHON ?= python3
VENV   ?= .venv
BIN     = $(VENV)/bin
PROBLEM ?= problems/digits/nyt-269.yaml
RUN_ARGS ?= --backend local --budget steps=30

.PHONY: run test install-run install-test lint bench clean llama-cpp-python docs-cli

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip

# Stamps so a second `make` does not reinstall; they change when pyproject.toml does.
$(VENV)/.stamp-run: pyproject.toml | $(BIN)/python
	$(BIN)/pip install -q -e '.[local]'
	touch $@

$(VENV)/.stamp-test: pyproject.toml | $(BIN)/python
	$(BIN)/pip install -q -e '.[dev,local-small]'
	touch $@

install-run: $(VENV)/.stamp-run
install-test: $(VENV)/.stamp-test

# polya exits 1 when the run ends unsolved: that is a result, not a failure of `make run`.
run: install-run
	$(BIN)/polya run $(PROBLEM) $(RUN_ARGS) || [ $$? -eq 1 ]

test: install-test
	$(BIN)/python -m pytest -q

# docs/cli.md from the parsers (tests/test_cli_reference.py fails when it is stale)
docs-cli: install-test
	$(BIN)/python -m agent.cli._reference > docs/cli.md

lint: install-test
	$(BIN)/ruff check agent strategies tests benchmarks

# The comparison in docs/results/: every policy on 20 Digits + 20 Game-of-24 dev puzzles, same
# backend and per-problem token budget. Resumable: run it again to continue a stopped bench.
# Another model: make bench BENCH_BACKEND=openai:MODEL@URL BENCH_OUT=bench-results/mymodel
BENCH_BACKEND ?= local
BENCH_BUDGET  ?= tokens=4000
BENCH_LIMIT   ?= 20
BENCH_CONCURRENCY ?= 2
BENCH_OUT     ?= bench-results/local-1.5b-4k
BENCH_ARGS    ?= --policies direct,cot,self-consistency:5,tot,llm,bandit --calibration
# Two llama.cpp slots of two threads each: two runs in flight keep both cores busy.
bench: install-test install-run
	POLYA_THREADS=$${POLYA_THREADS:-2} POLYA_PARALLEL=$${POLYA_PARALLEL:-2} \
	$(BIN)/polya bench problems/digits/dev.yaml problems/game24/dev.yaml --limit $(BENCH_LIMIT) \
	  --backend $(BENCH_BACKEND) --budget $(BENCH_BUDGET) --concurrency $(BENCH_CONCURRENCY) \
	  --out $(BENCH_OUT) --resume $(BENCH_ARGS)

# llama-cpp-python's OpenAI-compatible server, for tests/test_llama_cpp_python.py (skipped without
# it). It compiles llama.cpp (~8 min on 2 cores), so it lives in a venv of its own, built once.
LLAMA_CPP_PYTHON_VENV ?= $(HOME)/.cache/polya/llama-cpp-python
llama-cpp-python:
	[ -x $(LLAMA_CPP_PYTHON_VENV)/bin/python ] || $(PYTHON) -m venv $(LLAMA_CPP_PYTHON_VENV)
	CMAKE_BUILD_PARALLEL_LEVEL=2 $(LLAMA_CPP_PYTHON_VENV)/bin/pip install -q 'llama-cpp-python[server]==0.3.36'

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache
