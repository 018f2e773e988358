# The two commands: `make run` and `make test`. Everything else supports them.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-$(shell cat requirements.txt requirements-dev.txt | sha256sum | cut -c1-12)
HOST ?= 127.0.0.1
PORT ?= 8000
PYTEST_WORKERS ?= auto
# The address in the links the demo prints, the workspace shows and the e-mails carry: where
# `make run` serves, unless the environment says otherwise.
SITE_URL ?= http://$(HOST):$(PORT)

.PHONY: run test lint format bench migrate demo messages worker clean axe

# DEBUG is off unless set (config/settings.py); the development targets turn it on unless the
# environment says otherwise. The tests do through config.settings_test.
migrate demo run bench worker messages: export DEBUG ?= true

$(STAMP): requirements.txt requirements-dev.txt
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check --upgrade pip
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	@rm -f $(VENV)/.installed-*
	@touch $@

venv: $(STAMP)

migrate: venv
	$(PY) manage.py migrate --noinput

demo: migrate
	$(PY) manage.py load_catalog
	SITE_URL=$(SITE_URL) $(PY) manage.py seed_demo

run: demo
	SITE_URL=$(SITE_URL) $(PY) manage.py runserver $(HOST):$(PORT)

# The whole suite on the default file storage, then the storage tests (marker `storage`) again
# with the files in the database, as several nodes keep them.
test: venv axe
	$(PY) -m pytest -n $(PYTEST_WORKERS) $(PYTEST_ARGS)
	FILE_STORAGE=database $(PY) -m pytest -n $(PYTEST_WORKERS) -m storage $(PYTEST_ARGS)

# axe-core, which the browser tests inject to check WCAG 2.2 AA (pinned with its lockfile in
# tests/e2e); without npm those tests skip, saying so, except under CI.
AXE := tests/e2e/node_modules/axe-core/axe.min.js
$(AXE): tests/e2e/package.json tests/e2e/package-lock.json
	@if command -v npm >/dev/null; then npm ci --prefix tests/e2e --no-audit --no-fund --silent && touch $@; \
	else echo "npm is missing: the accessibility tests will skip"; fi

axe: $(AXE)

lint: venv
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format: venv
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

bench: venv
	$(PY) -m bench $(BENCH)

# The locales translated into: every language of settings.LANGUAGES but English, the language
# the texts are written in. Read when a recipe needs it, once the venv exists.
LOCALES = $(shell DJANGO_SETTINGS_MODULE=config.settings DEBUG=$${DEBUG:-true} $(PY) -c 'from django.conf import settings; \
	print(" ".join(code for code, _name in settings.LANGUAGES if code != "en"))')

# Regenerate and compile the messages of every locale (needs gettext); the .mo files are committed.
messages: venv
	$(PY) manage.py makemessages $(LOCALES:%=--locale %) --ignore .venv --ignore staticfiles --ignore tests --ignore bench --no-obsolete
	$(PY) manage.py compilemessages $(LOCALES:%=--locale %) --ignore .venv

worker: venv
	SITE_URL=$(SITE_URL) $(VENV)/bin/celery -A config worker --loglevel INFO

clean:
	rm -rf $(VENV) staticfiles .pytest_cache tests/e2e/node_modules
