# vardlots — two commands: `make run` and `make test`. Everything else is a helper target.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-$(shell cat requirements/lock.txt pyproject.toml | $(PYTHON) -c "import hashlib,sys;print(hashlib.sha256(sys.stdin.buffer.read()).hexdigest()[:12])")

.PHONY: run test checks pytest install lint typecheck contracts messages check-content clean-db help

help:
	@echo "make run   - set up .venv, migrate, seed demo data, serve on http://127.0.0.1:8000"
	@echo "make test  - set up .venv with test tools and run every check and test"

$(VENV)/bin/python:
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "vardlots needs Python 3.11 or newer")'
	@$(PYTHON) -c 'import ensurepip, venv' 2>/dev/null || { echo "Python's venv module is missing: on Debian/Ubuntu run 'sudo apt-get install python3-venv', then try again."; exit 1; }
	$(PYTHON) -m venv $(VENV)

$(STAMP): $(VENV)/bin/python requirements/lock.txt pyproject.toml
	$(PY) -m pip install --quiet --disable-pip-version-check --upgrade "pip==25.3"
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements/lock.txt
	$(PY) -m pip install --quiet --disable-pip-version-check --no-deps -e .
	rm -f $(VENV)/.installed-*
	touch $(STAMP)

install: $(STAMP)

messages: install
	$(PY) -m vardlots.core.i18n compile

run: install messages
	$(VENV)/bin/vardlots serve

lint: install
	$(VENV)/bin/ruff check src tests bench docs scripts

typecheck: install
	$(VENV)/bin/mypy src/vardlots

contracts: install
	$(VENV)/bin/lint-imports

check-content: install
	$(VENV)/bin/vardlots content check

test: checks pytest

# `make test` in two halves, so CI can run the checks once and two pytest passes side by side.
checks: install messages lint typecheck contracts check-content

pytest: install
	$(PY) -m pytest $(PYTEST_ARGS)

clean-db:
	rm -f var/vardlots.sqlite3 var/vardlots.sqlite3-wal var/vardlots.sqlite3-shm
