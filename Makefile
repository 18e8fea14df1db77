# TeamAround: every target sets up what it needs from nothing.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
SCENARIOS ?= ../shared/scenarios

.DEFAULT_GOAL := help
.PHONY: help setup demo serve test test-sqlite lint typecheck security fuzz check replay clean browser-deps screenshots govuk-frontend

help: ## List every target
	@awk 'BEGIN {FS = ":.*## "} /^[a-zA-Z_-]+:.*## / {printf "  make %-12s %s\n", $$1, $$2}' $(MAKEFILE_LIST)

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

setup: $(STAMP) ## Create the virtual environment and install everything

demo: $(STAMP) ## Load the Child O demo case into var/teamaround.db (SQLite) and serve http://127.0.0.1:8000
	$(BIN)/teamaround demo

serve: $(STAMP) ## Serve the API on the configured database without loading demo data
	$(BIN)/teamaround db upgrade
	$(BIN)/teamaround serve

test: $(STAMP) browser-deps ## Run every test (PostgreSQL too when TEAMAROUND_TEST_POSTGRES is set)
	$(BIN)/python -m pytest -q

browser-deps: ## Debian's chromium and axe-core (npm) for the browser tests; never a downloaded browser
	@test -x /usr/bin/chromium || (apt-get update && apt-get install -y chromium)
	@test -f tests/browser/node_modules/axe-core/axe.min.js || \
		npm ci --silent --no-audit --no-fund --prefix tests/browser

screenshots: $(STAMP) browser-deps ## PNGs of every page, from the demo case, into docs/screenshots/
	$(BIN)/python scripts/screenshots.py

govuk-frontend: ## Copy GOV.UK Frontend from npm into src/teamaround/web/static/govuk (committed)
	bash scripts/fetch_govuk_frontend.sh

lint: $(STAMP) ## ruff
	$(BIN)/ruff check src tests bench scripts
	$(BIN)/ruff format --check src tests bench scripts

typecheck: $(STAMP) ## mypy --strict on src/
	$(BIN)/mypy

fuzz: $(STAMP) ## Schemathesis with fresh random examples (CI replays a fixed set)
	TEAMAROUND_FUZZ_EXPLORE=1 $(BIN)/python -m pytest -q tests/fuzz

security: $(STAMP) ## bandit on src/ and pip-audit of the installed dependencies (needs PyPI)
	$(BIN)/bandit -q -c pyproject.toml -r src
	$(BIN)/pip-audit --progress-spinner off --skip-editable

check: lint typecheck security test ## Lint, types, security checks and tests

replay: $(STAMP) ## Replay every shared scenario
	@for f in $(SCENARIOS)/*.yaml; do $(BIN)/teamaround replay $$f || exit $$?; done

clean: ## Remove the virtual environment and local data
	rm -rf $(VENV) var .pytest_cache .mypy_cache .ruff_cache
