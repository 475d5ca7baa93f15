# Needle: `make run` serves the demo, `make test` runs the whole suite. Both set up what they need.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8000
HOST ?= 127.0.0.1
STAMP := $(VENV)/.installed

.PHONY: run test test-postgres test-browser lint bench install demo clean messages

$(BIN)/python:
	$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11) and "Needle needs Python 3.11 or newer")'
	$(PYTHON) -m venv $(VENV)

$(STAMP): $(BIN)/python requirements.lock pyproject.toml
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements.lock
	$(BIN)/python -m pip install --quiet --no-deps -e .
	touch $(STAMP)

install: $(STAMP)

demo: $(STAMP)
	DEBUG=true $(BIN)/needle migrate --no-input -v 0
	DEBUG=true $(BIN)/needle demo

# The background worker (deadline colours, rollups, hot topics, retraining) runs beside the
# web server and stops with it.
run: demo
	@echo "Serving Needle on http://$(HOST):$(PORT)/  (sign in with a demo login above)"
	DEBUG=true $(BIN)/needle worker --workers 1 & worker=$$!; \
	trap 'kill $$worker 2>/dev/null' EXIT INT TERM; \
	DEBUG=true $(BIN)/needle runserver $(HOST):$(PORT)

test: $(STAMP)
	$(BIN)/pytest -n 2 -m "not browser" needle

test-postgres: $(STAMP)
	DATABASE_URL=$${DATABASE_URL:-postgres://postgres@127.0.0.1:5432/needle_ci} $(BIN)/pytest -n 2 -m "not browser" needle

test-browser: $(STAMP)
	$(BIN)/pytest -m browser needle

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check needle bench
	DEBUG=true $(BIN)/mypy needle

# Collect translatable strings into needle/locale/zh_Hans/LC_MESSAGES/django.po and compile it
# (needs GNU gettext). Translate the new entries in the .po, then run it again.
messages: $(STAMP)
	cd needle && DEBUG=true $(abspath $(BIN))/needle makemessages -l zh_Hans --ignore "tests/*" --ignore "*/tests/*"
	cd needle && DEBUG=true $(abspath $(BIN))/needle compilemessages

# Area import and tree queries on SQLite, then on the local PostgreSQL (database needle_bench,
# recreated; DATABASE_URL is not used). Both run; the target fails if either misses a figure.
bench: $(STAMP)
	$(BIN)/python bench/areas.py; sqlite=$$?; $(BIN)/python bench/areas.py --db postgres && exit $$sqlite

clean:
	rm -rf $(VENV) var
