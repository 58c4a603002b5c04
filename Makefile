# Candor. `make demo` to try it, `make test` to test it.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV ?= .venv
PY := $(VENV)/bin/python
PIP := $(VENV)/bin/pip
STAMP := $(VENV)/.installed-$(shell cat requirements.txt requirements-dev.txt | cksum | cut -d' ' -f1)

.PHONY: quality-eval help venv messages lock demo test test-fast lint format migrations-check deploy-check compose-check bench bench-smoke screenshots web worker beat seed clean

help:
	@echo "make demo    - run Candor on SQLite with demo data, a Celery worker and beat"
	@echo "make test    - the whole test suite (SQLite by default; DATABASE_URL/REDIS_URL honoured)"
	@echo "make venv | lock - install the hashed locks | regenerate them from requirements*.in"
	@echo "make lint | migrations-check | deploy-check | compose-check | bench | screenshots"

# Every package, direct or not, is pinned with hashes (requirements*.txt, made by `make lock`
# from requirements*.in). requirements-dev.txt holds the runtime set too, so one file installs all;
# it also pins pip itself, which the same install upgrades to.
$(STAMP): requirements.txt requirements-dev.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PIP) install --quiet --require-hashes -r requirements-dev.txt
	rm -f $(VENV)/.installed-*
	touch $(STAMP)

venv: $(STAMP) messages

# The candidate's side in German, French and Spanish (docs/languages.md): locale/*/django.po
# compiled to .mo (not committed). Needs gettext's msgfmt; compilemessages skips fresh files.
messages: $(STAMP)
	$(PY) manage.py compilemessages --ignore=.venv --ignore=node_modules

# Regenerate the hashed locks after editing requirements.in / requirements-dev.in, e.g. to add a
# package: add `foo==1.2  # why` to the .in file, then `make lock` (and `make venv` to install).
# Existing pins are kept; LOCK_ARGS="--upgrade-package foo" moves one. pip-tools comes from the
# dev lock itself (pinned there); on a machine with no venv yet, `make venv` first.
# The locks are made against PyPI alone, whatever local pip config (mirrors, find-links) says,
# so that their hashes are PyPI's and the Docker build can verify them.
LOCK_INDEX ?= https://pypi.org/simple
PIP_COMPILE := env -u PIP_FIND_LINKS -u PIP_EXTRA_INDEX_URL -u PIP_INDEX_URL -u PIP_CONSTRAINT \
	PIP_CONFIG_FILE=/dev/null CUSTOM_COMPILE_COMMAND="make lock" \
	$(VENV)/bin/pip-compile --quiet --generate-hashes --allow-unsafe --strip-extras \
	--no-emit-index-url --no-emit-find-links --index-url $(LOCK_INDEX) --newline lf $(LOCK_ARGS)

lock: $(STAMP)
	$(PIP_COMPILE) --output-file requirements.txt requirements.in
	$(PIP_COMPILE) --output-file requirements-dev.txt requirements-dev.in

demo: $(STAMP) messages
	$(PY) manage.py migrate --noinput
	$(PY) manage.py seed_demo
	$(PY) scripts/run_demo.py

seed: $(STAMP)
	$(PY) manage.py migrate --noinput
	$(PY) manage.py seed_demo

web: $(STAMP)
	$(PY) manage.py runserver 127.0.0.1:8000

worker: $(STAMP)
	$(VENV)/bin/celery -A config worker --loglevel=INFO

beat: $(STAMP)
	mkdir -p var
	$(VENV)/bin/celery -A config beat --loglevel=INFO --schedule var/celerybeat-schedule

test: $(STAMP) messages
	$(PY) -m pytest $(PYTEST_ARGS)

test-fast: $(STAMP) messages
	$(PY) -m pytest -m "not browser and not services" $(PYTEST_ARGS)

# First-party packages that exist (the list may name some not created yet).
FIRST_PARTY := $(patsubst %/__init__.py,%,$(wildcard $(addsuffix /__init__.py,\
	config core outbox candidates hiring feedback integrations devtools)))

# ruff (lint + format), import-linter (the contracts in .importlinter), bandit (security).
lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/lint-imports
	$(VENV)/bin/bandit -q -ll -c pyproject.toml -r $(FIRST_PARTY)

format: $(STAMP)
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

migrations-check: $(STAMP)
	DJANGO_SETTINGS_MODULE=config.settings.test DATABASE_URL=sqlite:///:memory: $(PY) manage.py makemigrations --check --dry-run

# Production settings with the values they require: a secret, hosts, an https base URL and real
# addresses (core/checks.py refuses localhost, http and the example domains). Nothing is contacted.
deploy-check: $(STAMP)
	DJANGO_SETTINGS_MODULE=config.settings.production \
	DJANGO_SECRET_KEY="$$($(PY) -c 'import secrets; print(secrets.token_urlsafe(50))')" \
	DJANGO_ALLOWED_HOSTS=candor.acme.com \
	CANDOR_BASE_URL=https://candor.acme.com \
	DJANGO_DEFAULT_FROM_EMAIL="Candor <feedback@acme.com>" \
	CANDOR_HR_EMAIL=hr@acme.com \
	DATABASE_URL=sqlite:///:memory: \
	$(PY) manage.py check --deploy --fail-level WARNING

# The quality check's classifier: train it (seeded, byte for byte the committed model unless the
# corpus changed), then print recall per category, false flags per job family and the misses on the
# held-out sentences that training never sees (devtools/quality/README.md).
quality-eval: $(STAMP)
	$(PY) -m devtools.quality.train
	$(PY) -m devtools.quality.evaluate --with-rules

compose-check:
	docker-compose config -q

# Needs DATABASE_URL=postgres://... (the bench creates and drops its own database there)
# and REDIS_URL=redis://.../<a db of its own>; ~15 minutes. BENCH_ARGS="--small" for a quick check.
bench: $(STAMP)
	$(PY) manage.py bench $(BENCH_ARGS)

bench-smoke: $(STAMP)
	$(PY) -m pytest -m bench

# The journey needs PostgreSQL and Redis (DATABASE_URL, REDIS_URL); CI=true makes a
# missing service fail instead of skipping silently with no pictures.
screenshots: $(STAMP)
	CI=true CANDOR_SCREENSHOT_DIR=docs/screenshots $(PY) -m pytest -m browser -k journey -p no:cacheprovider

clean:
	rm -rf var staticfiles artifacts .pytest_cache
