# Two commands do everything on a fresh machine with Python 3.11+, Node and make:
#   make run   — set up, migrate, load demo data, serve on http://127.0.0.1:5000
#   make test  — set up with the test extra and run the whole suite
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
VENDOR := dashboard/static/vendor
HOST ?= 127.0.0.1
PORT ?= 5000

.PHONY: run test setup assets lint format messages clean

run: $(VENV)/.installed-run assets
	HUDDLE_ENV=$${HUDDLE_ENV:-development} $(BIN)/huddle db upgrade
	HUDDLE_ENV=$${HUDDLE_ENV:-development} $(BIN)/huddle demo
	HUDDLE_ENV=$${HUDDLE_ENV:-development} $(BIN)/huddle run --host $(HOST) --port $(PORT)

test: $(VENV)/.installed-test assets
	$(BIN)/pytest $(PYTEST_ARGS)

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
assets: $(VENDOR)/htmx.min.js $(VENDOR)/pico.min.css

node_modules/.package-lock.json: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

$(VENDOR)/htmx.min.js: node_modules/.package-lock.json
	mkdir -p $(VENDOR)
	cp node_modules/htmx.org/dist/htmx.min.js $@

$(VENDOR)/pico.min.css: node_modules/.package-lock.json
	mkdir -p $(VENDOR)
	cp node_modules/@picocss/pico/css/pico.min.css $@

messages: $(VENV)/.installed-run
	$(BIN)/pybabel extract -F babel.cfg -k _l -o translations/messages.pot .

clean:
	rm -rf $(VENV) node_modules $(VENDOR)
