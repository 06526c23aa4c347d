# Two commands set everything up on a fresh machine: `make run` and `make test`.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-$(shell cksum requirements.txt | cut -d' ' -f1)
PORT   ?= 5000
PG_URL ?= postgresql+psycopg://postgres@127.0.0.1:5432
export FLASK_APP := wsgi

.PHONY: install run test test-pg test-browser check bench-seed benchmark audit-verify clean

$(STAMP): requirements.txt
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	@echo "Installing the pinned requirements into $(VENV) ..."
	@$(BIN)/python -m pip install -q --disable-pip-version-check uv 2>/dev/null \
	  && $(BIN)/uv pip install -q --python $(BIN)/python -r requirements.txt \
	  || $(BIN)/python -m pip install -q --disable-pip-version-check -r requirements.txt
	@rm -f $(VENV)/.installed-* && touch $@

install: $(STAMP)

run: install
	@$(BIN)/flask db upgrade
	@$(BIN)/flask seed-demo --if-empty
	@echo ""
	@echo "  Journey Tracker: http://127.0.0.1:$(PORT)/login"
	@echo "  Demo logins (password for all: demo-journey-2026):"
	@echo "    lead@demo.test        clinic lead"
	@echo "    therapist@demo.test   clinician      therapist2@demo.test  clinician"
	@echo "    patient@demo.test     patient        patient2@demo.test    patient"
	@echo ""
	@$(BIN)/flask run --host 127.0.0.1 --port $(PORT) --no-reload

test: install
	@$(BIN)/python -m pytest

# The same suite on PostgreSQL, in a throwaway database.
test-pg: install
	@db=tracker_test_$$$$; createdb -h 127.0.0.1 -U postgres $$db && \
	  TEST_DATABASE_URL=$(PG_URL)/$$db $(BIN)/python -m pytest; rc=$$?; \
	  dropdb -h 127.0.0.1 -U postgres --if-exists $$db; exit $$rc

test-browser: install
	@REQUIRE_BROWSER=1 $(BIN)/python -m pytest tests/browser

check: install
	@$(BIN)/flask db check

audit-verify: install
	@$(BIN)/flask audit verify

bench-seed: install
	@$(BIN)/flask bench-seed

benchmark: install
	@$(BIN)/python scripts/benchmark.py

clean:
	rm -rf $(VENV) instance .pytest_cache
