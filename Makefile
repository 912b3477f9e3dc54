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

.PHONY: run test install install-dev browser-deps messages vendor lint bench clean

$(VENV)/.installed: requirements.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PIP) install -q --upgrade pip
	$(PIP) install -q -r requirements.txt
	touch $@

$(VENV)/.installed-dev: requirements.txt requirements-dev.txt $(VENV)/.installed
	$(PIP) install -q -r requirements-dev.txt
	touch $@

install: $(VENV)/.installed messages vendor

install-dev: $(VENV)/.installed-dev messages browser-deps vendor

# tests/browser/ drive Debian's chromium (`playwright install` cannot download browsers here)
# and screenshot Chinese pages, which need a CJK font. Installed only when missing.
browser-deps:
	@test -x /usr/bin/chromium || { echo "chromium is missing; installing it"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; }
	@{ command -v fc-list >/dev/null && fc-list :lang=zh family | grep -qi 'Noto Sans CJK'; } || \
		{ echo "fonts-noto-cjk is missing; installing it"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq fonts-noto-cjk fontconfig >/dev/null; }

# Front-end libraries (ECharts, Pico CSS), pinned in package-lock.json and served from our own
# static files, never from a CDN. `npm ci` fills node_modules/ (50 MB of sources and maps); only the
# files we serve, and their licences, are copied to static/vendor/ (git-ignored), so collectstatic
# stays small. Redone when the lock file changes; node and npm are installed only when missing.
VENDORED := static/vendor/echarts/echarts.min.js static/vendor/pico/pico.min.css

vendor: $(VENDORED)

$(VENDORED) &: package.json package-lock.json
	@command -v npm >/dev/null || { echo "npm is missing; installing nodejs and npm"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nodejs npm >/dev/null; }
	npm ci --omit=dev --no-audit --no-fund
	rm -rf static/vendor
	mkdir -p static/vendor/echarts static/vendor/pico
	cp node_modules/echarts/dist/echarts.min.js node_modules/echarts/LICENSE node_modules/echarts/NOTICE \
		static/vendor/echarts/
	cp node_modules/@picocss/pico/css/pico.min.css static/vendor/pico/
	cp node_modules/@picocss/pico/LICENSE.md static/vendor/pico/LICENSE
	@touch $(VENDORED)

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
