# Two commands do everything on a fresh machine with Python 3.11+ and pip:
#   make run   - run the agent on a real problem with the embedded local model
#   make test  - install what the tests need and run them
PYTHON ?= python3
VENV   ?= .venv
BIN     = $(VENV)/bin
PROBLEM ?= problems/digits/nyt-269.yaml
RUN_ARGS ?= --backend local --budget steps=30

.PHONY: run test install-run install-test lint bench clean llama-cpp-python docs-cli system-deps

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

# Everything the tests need, then every test: Debian packages as root (.ci/system-deps, else one
# line on what will skip), the llama-cpp-python server (built once into the cache, below).
test: install-test system-deps llama-cpp-python
	$(BIN)/python -m pytest -q

system-deps:
	@.ci/system-deps

# docs/cli.md from the parsers (tests/test_cli_reference.py fails when it is stale)
docs-cli: install-test
	$(BIN)/python -m agent.cli._reference > docs/cli.md

lint: install-test
	$(BIN)/ruff check agent strategies tests benchmarks
	$(BIN)/lint-imports

# The comparison in docs/results/: every policy on 20 Digits + 20 Game-of-24 dev puzzles, same
# backend and per-problem token budget. Resumable: run it again to continue a stopped bench.
# Another model: make bench BENCH_BACKEND=openai:MODEL@URL BENCH_OUT=bench-results/mymodel
BENCH_BACKEND ?= local
BENCH_BUDGET  ?= tokens=4000
BENCH_LIMIT   ?= 20
BENCH_CONCURRENCY ?= 2
BENCH_OUT     ?= bench-results/local-1.5b-4k
BENCH_ARGS    ?= --policies direct,cot,self-consistency:5,tot,llm,bandit --calibration
# The bench sizes the model's threads and slots for its concurrency (agent/bench/sizing.py).
bench: install-test install-run
	$(BIN)/polya bench problems/digits/dev.yaml problems/game24/dev.yaml --limit $(BENCH_LIMIT) \
	  --backend $(BENCH_BACKEND) --budget $(BENCH_BUDGET) --concurrency $(BENCH_CONCURRENCY) \
	  --out $(BENCH_OUT) --resume $(BENCH_ARGS)

# llama-cpp-python's OpenAI-compatible server, for tests/test_llama_cpp_python.py. It compiles
# llama.cpp (~8+ min on 2 cores), so it lives in a venv of its own in the cache, built once; the stamp
# names the version and flags, so a build with other flags (an old native one) is redone.
# Portable CPU flags, not GGML_NATIVE (llama.cpp's default): -march=native ties the build to the CPU
# it was compiled on (AVX-512 on these VMs), and such a build once died of a general protection fault
# in libggml-cpu.so at its first chat request (docs/backends.md). AVX2/FMA/F16C run on any x86-64 of
# the last decade. --no-cache-dir: pip would otherwise reuse a wheel it compiled with other flags.
LLAMA_CPP_PYTHON_VENV ?= $(HOME)/.cache/polya/llama-cpp-python
LLAMA_CPP_PYTHON_VERSION = 0.3.36
LLAMA_CPP_PYTHON_CMAKE ?= -DGGML_NATIVE=OFF -DGGML_AVX=ON -DGGML_AVX2=ON -DGGML_FMA=ON -DGGML_F16C=ON -DGGML_BMI2=ON -DGGML_AVX512=OFF
LLAMA_CPP_PYTHON_STAMP = $(LLAMA_CPP_PYTHON_VENV)/.polya-build
llama-cpp-python:
	@want='$(LLAMA_CPP_PYTHON_VERSION) $(LLAMA_CPP_PYTHON_CMAKE)'; \
	if [ "$$(cat $(LLAMA_CPP_PYTHON_STAMP) 2>/dev/null)" = "$$want" ]; then exit 0; fi; \
	echo "llama-cpp-python: building $(LLAMA_CPP_PYTHON_VERSION) into $(LLAMA_CPP_PYTHON_VENV) once (~8+ min on 2 cores)"; \
	start=$$(date +%s); \
	if rm -rf $(LLAMA_CPP_PYTHON_VENV) && $(PYTHON) -m venv $(LLAMA_CPP_PYTHON_VENV) && \
	   CMAKE_ARGS='$(LLAMA_CPP_PYTHON_CMAKE)' CMAKE_BUILD_PARALLEL_LEVEL=2 nice -n 5 \
	   $(LLAMA_CPP_PYTHON_VENV)/bin/pip install -q --no-cache-dir 'llama-cpp-python[server]==$(LLAMA_CPP_PYTHON_VERSION)'; then \
	  echo "$$want" > $(LLAMA_CPP_PYTHON_STAMP); echo "llama-cpp-python: built in $$(( $$(date +%s) - start )) s"; \
	else echo "llama-cpp-python: the build failed; tests/test_llama_cpp_python.py will skip (needs a C++ compiler and cmake)"; fi
clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache
