# Two commands do everything on a fresh machine with Python 3.11+ and pip:
#   make run   - run the agent on a real problem with the embedded local model
#   make test  - install what the tests need and run them
PYTHON ?= python3
VENV   ?= .venv
BIN     = $(VENV)/bin
PROBLEM ?= problems/digits/nyt-269.yaml
RUN_ARGS ?= --backend local --budget steps=12

.PHONY: run test install-run install-test lint bench clean

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

run: install-run
	$(BIN)/polya run $(PROBLEM) $(RUN_ARGS)

test: install-test
	$(BIN)/python -m pytest -q

lint: install-test
	$(BIN)/ruff check agent strategies tests

bench: install-test install-run
	$(BIN)/polya bench problems/digits/dev.yaml problems/game24/dev.yaml --limit 20

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache
