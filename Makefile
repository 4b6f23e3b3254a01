# Portail Famille — the commands the README documents.
# SQLite (var/portail.sqlite3) unless DATABASE_URL is set.

PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: install run test browser lint format migrations-check check bench clean

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --upgrade pip
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[dev]'
	@touch $(STAMP)

install: $(STAMP)

var:
	@mkdir -p var

## make run: install, migrate, load the demo town and serve it on http://$(HOST):$(PORT),
## with the background worker (e-mails…) beside the server; Ctrl+C stops both. HOST and
## PORT also set the links of e-mails, PDFs and payment returns (unless PORTAIL_URL is set).
run: export HOST := $(HOST)
run: export PORT := $(PORT)
run: install var
	DEBUG=$${DEBUG:-1} $(BIN)/python manage.py migrate --noinput
	DEBUG=$${DEBUG:-1} $(BIN)/python manage.py demo
	@echo ""
	@echo "Portail Famille : http://$(HOST):$(PORT)/  (administration : http://$(HOST):$(PORT)/gestion/)"
	DEBUG=$${DEBUG:-1} $(BIN)/python manage.py worker & worker=$$!; \
	trap 'kill $$worker 2>/dev/null' EXIT INT TERM; \
	DEBUG=$${DEBUG:-1} $(BIN)/python manage.py runserver $(HOST):$(PORT)

## make test: the whole suite (PostgreSQL-only tests run when DATABASE_URL is PostgreSQL)
test: install var browser
	$(BIN)/pytest $(PYTEST_ARGS)

## Browser tests drive Debian's Chromium; install it when we can (root + apt).
browser:
	@command -v chromium >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	    echo "Installation de Chromium pour les tests dans le navigateur…"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
	  else \
	    echo "ATTENTION : Chromium absent, les tests navigateur (tests/e2e) seront ignorés."; \
	    echo "            Installez-le : sudo apt-get install chromium"; \
	  fi; }

lint: install
	$(BIN)/ruff check .

format: install
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

migrations-check: install var
	DEBUG=1 $(BIN)/python manage.py makemigrations --check --dry-run

check: lint migrations-check test

## make bench: benchmarks on the 10 000-household demo town (numbers for docs/performance.md)
bench: install var
	$(BIN)/python bench/reservations.py
	$(BIN)/python bench/facturation.py

clean:
	rm -rf $(VENV) var
