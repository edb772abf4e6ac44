# Rapport — the commands a developer and CI use. See README.md.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PIP := $(VENV)/bin/pip
PORT ?= 8000
PG_URL ?= postgres://postgres@127.0.0.1:5432/test
export PYTHONDONTWRITEBYTECODE := 1

.PHONY: run install demo test test-pg e2e bench lint format messages check-deploy clean

# Python packages (from requirements*.txt) and front-end packages (package-lock.json),
# reinstalled only when their lists change.
$(VENV)/.installed: requirements.txt requirements-dev.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PIP) install --quiet -r requirements-dev.txt
	touch $@

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

rapport/web/static/vendor/.copied: node_modules/.installed scripts/copy_assets.py
	$(PY) scripts/copy_assets.py
	touch $@

install: $(VENV)/.installed rapport/web/static/vendor/.copied

# Migrate the embedded SQLite database under var/, create the demo company once, then
# start the web server, a Celery worker and beat together. Ctrl-C stops all of them.
run: install
	DEBUG=1 RAPPORT_DEMO=1 $(PY) manage.py migrate --no-input
	DEBUG=1 RAPPORT_DEMO=1 $(PY) manage.py demo_company
	DEBUG=1 RAPPORT_DEMO=1 RAPPORT_PORT=$(PORT) PORT=$(PORT) $(VENV)/bin/honcho -f Procfile.dev start

demo: install
	DEBUG=1 RAPPORT_DEMO=1 $(PY) manage.py migrate --no-input
	DEBUG=1 RAPPORT_DEMO=1 $(PY) manage.py demo_company

# The whole suite on SQLite (browser tests excluded: `make e2e`).
test: install
	RAPPORT_TESTING=1 $(PY) manage.py makemigrations --check --dry-run
	RAPPORT_TESTING=1 $(VENV)/bin/pytest -m "not e2e" -n 2 -q

# The whole suite on PostgreSQL.
test-pg: install
	RAPPORT_TESTING=1 DATABASE_URL=$(PG_URL) $(VENV)/bin/pytest -m "not e2e" -n 2 -q

# Browser tests: Playwright driving Debian's Chromium (/usr/bin/chromium).
e2e: install
	RAPPORT_TESTING=1 $(VENV)/bin/pytest -m e2e -q

# Pages against raw SQL, then the import against COPY, then the sales funnel against one
# raw query (each prints its table; bench/README.md explains them). Sizes: BENCH_SIZES
# (pages), BENCH_IMPORT_ROWS (import, default 1,000,000), BENCH_FUNNEL_DEALS (funnel,
# default 1,000,000 deals with 10 stage visits each), BENCH_ONEC_ITEMS (1C catalogue, default
# 100,000 goods).
BENCH_IMPORT_ROWS ?= 1000000
BENCH_FUNNEL_DEALS ?= 1000000
BENCH_ONEC_ITEMS ?= 100000
bench: install
	$(PY) bench/run.py
	$(PY) bench/import_bench.py --rows $(BENCH_IMPORT_ROWS) --db postgresql
	$(PY) bench/import_bench.py --rows $(BENCH_IMPORT_ROWS) --db sqlite
	$(PY) bench/funnel_bench.py --deals $(BENCH_FUNNEL_DEALS) --db postgresql
	$(PY) bench/funnel_bench.py --deals $(BENCH_FUNNEL_DEALS) --db sqlite
	$(PY) bench/dedup_bench.py
	BENCH_ONEC_ITEMS=$(BENCH_ONEC_ITEMS) $(PY) bench/onec_catalog_bench.py --db postgresql
	BENCH_ONEC_ITEMS=$(BENCH_ONEC_ITEMS) $(PY) bench/onec_catalog_bench.py --db sqlite

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/lint-imports
	RAPPORT_TESTING=1 $(VENV)/bin/mypy

format: install
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

messages: install
	mkdir -p rapport/locale
	RAPPORT_TESTING=1 $(PY) manage.py makemessages -l ru -l pl --no-obsolete \
	  --ignore ".venv/*" --ignore "node_modules/*" --ignore "var/*" --ignore "bench/*" --ignore "*/tests/*"
	RAPPORT_TESTING=1 $(PY) manage.py compilemessages --ignore ".venv/*" --ignore "node_modules/*"

check-deploy: install
	DEBUG=0 SECRET_KEY=$$(head -c 48 /dev/urandom | base64) ALLOWED_HOSTS=crm.example.com \
	  DATABASE_URL=$(PG_URL) REDIS_URL=redis://127.0.0.1:6379/0 \
	  $(PY) manage.py check --deploy --fail-level WARNING

clean:
	rm -rf $(VENV) node_modules rapport/web/static/vendor var
