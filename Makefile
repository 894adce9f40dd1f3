# Two commands on a fresh machine:  `make demo`  and  `make test`.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
LINTER := tools/cypher-lint/node_modules/.installed
BROWSER := /usr/bin/chromium

.PHONY: demo test check install clean-venv generate

# Run the main job on the embedded graph with the bundled demo environment, then serve the UI on 127.0.0.1.
demo: $(VENV)/.installed
	$(BIN)/bridgehead demo

# Install everything the tests need and run the whole suite (lint, types, tests).
test: $(VENV)/.installed-dev $(LINTER) $(BROWSER)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/pytest

# Rewrite every generated file: queries/*.cypher from queries/templates/, docs/queries.md, docs/attacks.md
# (tests/test_generated.py fails while one is stale).
generate: $(VENV)/.installed
	$(BIN)/python -m queries.generate

$(VENV)/.created:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	touch $@

$(VENV)/.installed: pyproject.toml $(VENV)/.created
	$(BIN)/pip install --quiet -e .
	touch $@

$(VENV)/.installed-dev: pyproject.toml $(VENV)/.created
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $@ $(VENV)/.installed

$(LINTER): tools/cypher-lint/package-lock.json
	npm ci --prefix tools/cypher-lint --no-audit --no-fund
	touch $@

# The browser tests drive Debian's Chromium through Playwright (never a downloaded browser build).
$(BROWSER):
	@if [ "$$(id -u)" = 0 ]; then \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium; \
	else \
		echo "The browser tests need Debian's chromium at $(BROWSER): run 'sudo apt-get install chromium'"; exit 1; \
	fi

clean-venv:
	rm -rf $(VENV) tools/cypher-lint/node_modules
