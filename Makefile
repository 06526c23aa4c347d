# Two commands set everything up on a fresh machine: `make run` and `make test`.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
# Runtime (requirements.txt) and development (requirements-dev.txt) pins, both with hashes.
REQS   := requirements.txt requirements-dev.txt
STAMP  := $(VENV)/.installed-$(shell cat $(REQS) | cksum | cut -d' ' -f1)
UV     ?= uv==0.13.9
PORT   ?= 5000
PG_URL ?= postgresql+psycopg://postgres@127.0.0.1:5432
# Two test processes (pytest-xdist), each with its own database; the browser tests keep to one
# process, and so does tests/test_isolation.py, whose tests must run in order. `PYTEST_ARGS=`
# runs everything in one process.
PYTEST_ARGS ?= -n 2 --dist loadgroup
export FLASK_APP := wsgi
# Every make target is a developer's: development settings, unless the caller chose others.
export FLASK_CONFIG ?= development

.PHONY: install requirements lint run test test-pg test-browser check bench-seed benchmark \
        audit-verify audit-checkpoint loadtest benchmark-throughput clean

# uv installs in 1-2 s; pip (about 20 s) is the fallback. Both refuse a file without hashes.
$(STAMP): $(REQS)
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	@echo "Installing the pinned requirements into $(VENV) ..."
	@{ $(BIN)/python -m pip install -q --disable-pip-version-check $(UV) 2>/dev/null \
	   && $(BIN)/uv pip install -q --python $(BIN)/python --require-hashes $(REQS:%=-r %); } \
	  || $(BIN)/python -m pip install -q --disable-pip-version-check --require-hashes $(REQS:%=-r %)
	@rm -f $(VENV)/.installed-* && touch $@

install: $(STAMP)

# Recompile the pins after editing requirements.in or requirements-dev.in (current pins are
# kept unless a new constraint needs another version; `UPGRADE=--upgrade` moves them all).
requirements: install
	@$(BIN)/uv pip compile -q --universal --generate-hashes --python-version 3.11 $(UPGRADE) \
	  requirements.in -o requirements.txt
	@$(BIN)/uv pip compile -q --universal --generate-hashes --python-version 3.11 $(UPGRADE) \
	  requirements-dev.in -o requirements-dev.txt
	@$(BIN)/uv pip compile -q --universal --generate-hashes --python-version 3.11 $(UPGRADE) \
	  requirements-load.in -o requirements-load.txt

lint: install
	@$(BIN)/ruff check .

run: install
	@$(BIN)/flask db upgrade
	@$(BIN)/flask seed-demo --if-empty
	@echo ""
	@echo "  Journey Tracker: http://127.0.0.1:$(PORT)/login"
	@echo "  Demo logins (password for all: demo-journey-2026):"
	@echo "    lead@demo.test        clinic lead"
	@echo "    therapist@demo.test   clinician      therapist2@demo.test  clinician"
	@echo "    patient@demo.test     patient        patient2@demo.test    patient"
	@if [ -n "$$MAIL_URL" ]; then echo "  Email: sent through MAIL_URL by the notify worker"; \
	 else echo "  Email: written to instance/mail/, listed at http://127.0.0.1:$(PORT)/dev/mail"; fi
	@echo ""
	@# The outbox worker runs beside the app and ends with it (Ctrl-C stops both).
	@export PORT=$(PORT); $(BIN)/flask notify worker & worker=$$!; \
	  trap 'kill $$worker 2>/dev/null; wait $$worker 2>/dev/null' EXIT INT TERM; \
	  $(BIN)/flask run --debug --host 127.0.0.1 --port $(PORT) --no-reload

test: lint
	@$(BIN)/python -m pytest $(PYTEST_ARGS)

# The same suite on PostgreSQL, in a throwaway database.
test-pg: install
	@db=tracker_test_$$$$; createdb -h 127.0.0.1 -U postgres $$db && \
	  TEST_DATABASE_URL=$(PG_URL)/$$db $(BIN)/python -m pytest $(PYTEST_ARGS); rc=$$?; \
	  dropdb -h 127.0.0.1 -U postgres --if-exists $$db; exit $$rc

test-browser: install
	@REQUIRE_BROWSER=1 $(BIN)/python -m pytest -p no:xdist tests/browser

check: install
	@$(BIN)/flask db check

audit-verify: install
	@$(BIN)/flask audit verify

# Append the audit chain's signed head to the checkpoint file (run it from cron in production).
audit-checkpoint: install
	@$(BIN)/flask audit checkpoint

bench-seed: install
	@$(BIN)/flask bench-seed

benchmark: install
	@$(BIN)/python scripts/benchmark.py

# Requests/s of the busy pages under gunicorn against a bare Flask page, side by side (README:
# "Throughput under gunicorn"). Needs wrk (`apt-get install -y wrk`) and DATABASE_URL naming a
# PostgreSQL database that holds the demo clinic (`flask db upgrade && flask seed-demo`).
benchmark-throughput: install
	@$(BIN)/python scripts/benchmark.py --throughput $(THROUGHPUT_ARGS)

# Two gunicorn instances on a private PostgreSQL under locust (README: "Several instances under
# load"). locust lives in its own virtualenv, from requirements-load.txt, installed only here.
# `make loadtest LOADTEST_ARGS=--restart-db` restarts PostgreSQL in the middle.
LOAD_VENV  := .venv-load
LOAD_STAMP := $(LOAD_VENV)/.installed-$(shell cat requirements-load.txt | cksum | cut -d' ' -f1)
LOADTEST_ARGS ?=

$(LOAD_STAMP): requirements-load.txt | $(STAMP)
	@test -x $(LOAD_VENV)/bin/python || $(PYTHON) -m venv $(LOAD_VENV)
	@echo "Installing the load test's pinned requirements into $(LOAD_VENV) ..."
	@{ test -x $(BIN)/uv && $(BIN)/uv pip install -q --python $(LOAD_VENV)/bin/python \
	     --require-hashes -r requirements-load.txt; } \
	  || $(LOAD_VENV)/bin/python -m pip install -q --disable-pip-version-check --require-hashes \
	     -r requirements-load.txt
	@rm -f $(LOAD_VENV)/.installed-* && touch $@

loadtest: install $(LOAD_STAMP)
	@$(BIN)/python scripts/loadtest.py $(LOADTEST_ARGS)

clean:
	rm -rf $(VENV) $(LOAD_VENV) instance .pytest_cache
