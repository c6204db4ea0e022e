# Lyceum — every developer command. `make run` and `make test` are all a newcomer needs.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
MANAGE := $(BIN)/python manage.py

.PHONY: help install run serve test test-fast lint format css migrations messages api-schema check-deploy audit bench clean

help:
	@echo "make run      set everything up and serve the site with demo data on http://127.0.0.1:8000"
	@echo "make test     run the whole test suite"
	@echo "make lint     ruff check + format check"
	@echo "make css      rebuild the Tailwind CSS (needs Node/npm; the built file is committed)"
	@echo "make messages update the translation catalogs (locale/*/LC_MESSAGES/*.po) from the code"
	@echo "make api-schema  write the API's OpenAPI schema (docs/api/openapi-v1.yaml) after changing the API"
	@echo "make audit    check the installed packages against known vulnerabilities (pip-audit)"

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(VENV)/.installed: $(BIN)/python requirements.txt requirements-dev.txt
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -r requirements-dev.txt
	touch $@

# The compiled catalogs (.mo) are built from the committed .po files, never committed.
LOCALES := $(wildcard locale/*/LC_MESSAGES/*.po)
$(VENV)/.messages: $(VENV)/.installed $(LOCALES)
	$(MANAGE) compilemessages --ignore=.venv --ignore=node_modules -v 0
	touch $@

install: $(VENV)/.installed $(VENV)/.messages

MESSAGES_IGNORE := --ignore=.venv --ignore='*/node_modules/*' --ignore=bench --ignore=docs --ignore=tests \
	--ignore='*/tests/*' --ignore=staticfiles --ignore=media --ignore='static/js/htmx.min.js'
messages: $(VENV)/.installed
	$(MANAGE) makemessages -l es -l hi -l ar --no-obsolete $(MESSAGES_IGNORE)
	$(MANAGE) makemessages -d djangojs -l es -l hi -l ar --no-obsolete $(MESSAGES_IGNORE)

.env:
	cp .env.example .env

run: install .env
	$(MANAGE) migrate --noinput
	$(MANAGE) load_demo_data
	$(MAKE) serve

serve:
	$(BIN)/honcho start -f Procfile.dev

test: install
	$(BIN)/pytest $(PYTEST_ARGS)

test-fast: install
	$(BIN)/pytest -m "not browser" -x $(PYTEST_ARGS)

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: install
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

css: install
	$(MANAGE) tailwind install
	$(MANAGE) tailwind build

migrations: install
	DJANGO_SETTINGS_MODULE=lms.config.settings_test $(MANAGE) makemigrations

# The committed schema is what integrators read; a test fails when the code and it differ.
api-schema: install
	$(MANAGE) spectacular --file docs/api/openapi-v1.yaml --validate --fail-on-warn

check-deploy: install
	DEBUG=0 SECRET_KEY=check-deploy-$$(date +%s)-long-random-enough-0123456789abcdef ALLOWED_HOSTS=lyceum.example.com \
		$(MANAGE) check --deploy --fail-level WARNING

# Fails on a known vulnerability; says so (and passes) when no advisory source is reachable.
audit: install
	$(BIN)/python .ci/audit.py

clean:
	rm -rf $(VENV) staticfiles .pytest_cache .ruff_cache .test-db.sqlite3* .test-media
