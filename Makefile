# Two commands do everything on a fresh machine with Python 3.11+, Node and make:
#   make run   — set up, migrate, load demo data, serve on http://127.0.0.1:5000
#                (make run DEMO=0: no demo data; the first visit opens the set-up page)
#   make test  — set up with the test extra and run the whole suite
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
VENDOR := dashboard/static/vendor
HOST ?= 127.0.0.1
PORT ?= 5000
DEMO ?= 1
# make test runs the suite in one pytest worker per core (pytest-xdist; TEST_WORKERS=0 runs it in
# one process). Each worker has its own PostgreSQL server, SQLite files, live servers and Chromium.
TEST_WORKERS ?= auto

.PHONY: run test setup assets lint format messages catalogues clean

# Links (the demo's login line, mails, Slack) point at the address served, unless set otherwise.
run: export HUDDLE_BASE_URL := $(or $(HUDDLE_BASE_URL),http://$(HOST):$(PORT))
run: $(VENV)/.installed-run assets catalogues
	HUDDLE_ENV=$${HUDDLE_ENV:-development} $(BIN)/huddle db upgrade
	if [ "$(DEMO)" != 0 ]; then HUDDLE_ENV=$${HUDDLE_ENV:-development} $(BIN)/huddle demo; fi
	HUDDLE_ENV=$${HUDDLE_ENV:-development} $(BIN)/huddle run --host $(HOST) --port $(PORT)

test: $(VENV)/.installed-test assets catalogues
	$(BIN)/pytest -n $(TEST_WORKERS) $(PYTEST_ARGS)

lint: $(VENV)/.installed-test
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(VENV)/.installed-test
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

$(VENV)/bin/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(VENV)/.installed-run: pyproject.toml | $(VENV)/bin/python
	$(BIN)/pip install --quiet -e .
	touch $@

$(VENV)/.installed-test: pyproject.toml | $(VENV)/bin/python
	$(BIN)/pip install --quiet -e '.[test]'
	touch $@ $(VENV)/.installed-run

# htmx and Pico come from the npm registry, pinned in package-lock.json, and are served by Huddle itself.
# axe-core is there for the accessibility tests only: they inject it; no page links it.
assets: $(VENDOR)/htmx.min.js $(VENDOR)/pico.min.css $(VENDOR)/axe.min.js

node_modules/.package-lock.json: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

$(VENDOR)/htmx.min.js: node_modules/.package-lock.json
	mkdir -p $(VENDOR)
	cp node_modules/htmx.org/dist/htmx.min.js $@

$(VENDOR)/pico.min.css: node_modules/.package-lock.json
	mkdir -p $(VENDOR)
	cp node_modules/@picocss/pico/css/pico.min.css $@

$(VENDOR)/axe.min.js: node_modules/.package-lock.json
	mkdir -p $(VENDOR)
	cp node_modules/axe-core/axe.min.js $@

# The catalogues are committed as .po; the compiled .mo files are built here, never committed.
CATALOGUES := $(wildcard translations/*/LC_MESSAGES/messages.po)
catalogues: $(CATALOGUES:.po=.mo)

translations/%/LC_MESSAGES/messages.mo: translations/%/LC_MESSAGES/messages.po | $(VENV)/bin/python
	$(BIN)/pybabel compile --statistics -i $< -o $@

# Extract every marked string and bring each catalogue up to date (new entries arrive empty).
messages: $(VENV)/.installed-run
	$(BIN)/pybabel extract -F babel.cfg -k _l -k lazy_ngettext:1,2 --no-location --sort-output \
		-o translations/messages.pot .
	$(BIN)/pybabel update -i translations/messages.pot -d translations --no-fuzzy-matching \
		--ignore-obsolete

clean:
	rm -rf $(VENV) node_modules $(VENDOR)
