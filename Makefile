# The commands the README shows. Everything installs into .venv.
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
PO := locale/ru/LC_MESSAGES/django.po
MO := $(PO:.po=.mo)
PORT ?= 8000

.PHONY: run serve test install install-dev lint format messages static makemessages ci clean bench bench-pages \
	loadtest faulttest backup restore board-member administrator

run: install $(MO)  ## set up and serve the demo on http://127.0.0.1:8000/ (SQLite unless DATABASE_URL says otherwise; PORT=8001 for another port)
	DJANGO_DEBUG=true $(BIN)/python manage.py migrate --noinput
	DJANGO_DEBUG=true $(BIN)/python manage.py load_demo
	DJANGO_DEBUG=true $(BIN)/python manage.py runserver 127.0.0.1:$(PORT)

serve: install  ## production: debug off, DATABASE_URL, migrate, translations, static files, then gunicorn
	DJANGO_DEBUG=false $(BIN)/python manage.py check --deploy
	DJANGO_DEBUG=false $(BIN)/python manage.py migrate --noinput
	DJANGO_DEBUG=false $(BIN)/python manage.py compilemessages --ignore=.venv -v0
	DJANGO_DEBUG=false $(BIN)/python manage.py collectstatic --noinput -v0
	exec env DJANGO_DEBUG=false DJANGO_CONN_MAX_AGE=$${DJANGO_CONN_MAX_AGE:-60} \
		$(BIN)/gunicorn --config gunicorn.conf.py

test: install-dev $(MO) static  ## lint, then the whole suite (SQLite, or PostgreSQL when DATABASE_URL points there)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	DJANGO_SECRET_KEY=$${DJANGO_SECRET_KEY:-tests-only-not-a-secret} \
		DJANGO_ALLOWED_HOSTS=$${DJANGO_ALLOWED_HOSTS:-localhost,127.0.0.1,testserver} \
		$(BIN)/pytest $(PYTEST_ARGS)

install: $(VENV)/.installed
install-dev: $(VENV)/.installed-dev

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e .
	touch $@

$(VENV)/.installed-dev: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e ".[dev]"
	touch $@ $(VENV)/.installed

$(MO): $(PO) | $(BIN)/python
	DJANGO_DEBUG=true $(BIN)/python manage.py compilemessages --ignore=.venv -v0

messages: $(MO)

static: install  ## collect static files with hashed names, as production serves them
	DJANGO_DEBUG=false DJANGO_SECRET_KEY=collectstatic-only DJANGO_ALLOWED_HOSTS=localhost \
		$(BIN)/python manage.py collectstatic --noinput -v0

makemessages: install  ## refresh the Russian catalogue from the code
	DJANGO_DEBUG=true $(BIN)/python manage.py makemessages -l ru --ignore=.venv --ignore=staticfiles --ignore=tests --ignore=bench --ignore=loadtest --no-obsolete

lint: install-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: install-dev
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

bench: install $(MO)  ## time the CSV export (10k-1M findings) and import (10k-60k rows) on PostgreSQL and SQLite, the demo's report, and searches (10k-1M findings) (not a test; BENCH_ARGS="--sizes 10000", BENCH_IMPORT_ARGS="--sizes 10000", BENCH_SEARCH_ARGS="--sizes 10000")
	$(BIN)/python -m bench.bench_export $(BENCH_ARGS)
	$(BIN)/python -m bench.bench_import $(BENCH_IMPORT_ARGS)
	$(BIN)/python -m bench.bench_report $(BENCH_REPORT_ARGS)
	$(BIN)/python -m bench.bench_search $(BENCH_SEARCH_ARGS)

bench-pages: install $(MO)  ## time every public page and the admin's lists at 10k-1M findings on PostgreSQL (10k on SQLite), uncached; not a test (BENCH_PAGES_ARGS="--sizes 10000")
	$(BIN)/python -m bench.bench_pages $(BENCH_PAGES_ARGS)

loadtest: install $(MO) static  ## gunicorn on PostgreSQL with generated data, under wrk; not a test (LOADTEST_ARGS="--seconds 5")
	$(BIN)/python -m loadtest.loadtest $(LOADTEST_ARGS)

faulttest: install $(MO) static  ## stop and start PostgreSQL while gunicorn serves: 503 during, 200 after (run by .ci/run)
	$(BIN)/python -m loadtest.faulttest $(FAULTTEST_ARGS)

# Backups and accounts need no web settings: without the production environment's secret
# key and host names they run with throwaway ones (they sign nothing and serve no one).
BACKUP_ENV = DJANGO_SECRET_KEY=$${DJANGO_SECRET_KEY:-backup-only-signs-nothing} \
	DJANGO_ALLOWED_HOSTS=$${DJANGO_ALLOWED_HOSTS:-localhost}
BACKUP_DIR ?= backups

backup: install  ## back up the database of DATABASE_URL into backups/ (pg_dump, or dumpdata on SQLite)
	$(BACKUP_ENV) $(BIN)/python manage.py backup --directory "$(BACKUP_DIR)"

restore: install  ## replace the database of DATABASE_URL with a backup, sign everyone out: make restore FILE=backups/...
	@test -n "$(FILE)" || { echo "Say which backup: make restore FILE=backups/..."; exit 2; }
	$(BACKUP_ENV) $(BIN)/python manage.py restore "$(FILE)"

board-member: install  ## add a Board member to the database of DATABASE_URL: make board-member NAME=aigerim EMAIL=aigerim@example.org
	@test -n "$(NAME)" -a -n "$(EMAIL)" || { echo "Say who: make board-member NAME=aigerim EMAIL=aigerim@example.org"; exit 2; }
	$(BACKUP_ENV) $(BIN)/python manage.py add_board_member "$(NAME)" --email "$(EMAIL)"

administrator: install  ## add an administrator (a superuser: accounts, devices, everything) to the database of DATABASE_URL
	$(BACKUP_ENV) $(BIN)/python manage.py createsuperuser

ci:
	bash .ci/run

clean:
	rm -rf $(VENV) staticfiles .pytest_cache
