# The README's two commands: `make run` and `make test`.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PIP := $(VENV)/bin/pip
HOST ?= 127.0.0.1
PORT ?= 8000
DATABASE_URL_TEST ?= postgres://postgres@127.0.0.1:5432/test
REDIS_URL_TEST ?= redis://127.0.0.1:6379/0

.PHONY: run test install install-dev browser-deps messages lint bench clean

$(VENV)/.installed: requirements.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PIP) install -q --upgrade pip
	$(PIP) install -q -r requirements.txt
	touch $@

$(VENV)/.installed-dev: requirements.txt requirements-dev.txt $(VENV)/.installed
	$(PIP) install -q -r requirements-dev.txt
	touch $@

install: $(VENV)/.installed messages

install-dev: $(VENV)/.installed-dev messages browser-deps

# tests/browser/ drive Debian's chromium (`playwright install` cannot download browsers here)
# and screenshot Chinese pages, which need a CJK font. Installed only when missing.
browser-deps:
	@test -x /usr/bin/chromium || { echo "chromium is missing; installing it"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; }
	@{ command -v fc-list >/dev/null && fc-list :lang=zh family | grep -qi 'Noto Sans CJK'; } || \
		{ echo "fonts-noto-cjk is missing; installing it"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq fonts-noto-cjk fontconfig >/dev/null; }

messages: $(VENV)/.installed
	@mkdir -p locale
	@command -v msgfmt >/dev/null || { echo "gettext (msgfmt) is missing; installing it"; apt-get install -y -q gettext >/dev/null 2>&1 || (apt-get update -q && apt-get install -y -q gettext); }
	$(PY) manage.py compilemessages -v0 --ignore=.venv

run: install
	$(PY) manage.py migrate --noinput -v0
	$(PY) manage.py collectstatic --noinput -v0
	@mkdir -p var/log
	@test -f var/.demo-seeded || { echo "Loading the demo data (once)..."; $(PY) manage.py seed_demo >var/log/seed.log && touch var/.demo-seeded; }
	@bash bin/run-all $(HOST) $(PORT)

test: install-dev
	DATABASE_URL=$${DATABASE_URL:-$(DATABASE_URL_TEST)} REDIS_URL=$${REDIS_URL:-$(REDIS_URL_TEST)} \
		$(PY) -m pytest $(PYTEST_ARGS)

lint: install-dev
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy .

bench: install-dev
	DATABASE_URL=$${DATABASE_URL:-$(DATABASE_URL_TEST)} $(PY) -m bench

clean:
	rm -rf var/db.sqlite3 var/broker var/.demo-seeded var/celerybeat-schedule*
