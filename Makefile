# The two commands a newcomer needs: `make run` and `make test`.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
HOST   ?= 127.0.0.1
PORT   ?= 5000

export HOTLINE_ENV ?= development

.PHONY: run serve test test-postgresql test-clock system-packages bench seed clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(STAMP): $(BIN)/python pyproject.toml
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $(STAMP)

seed: $(STAMP)
	$(BIN)/flask --app app seed-demo

run: seed
	@echo
	@echo "  The hotline answers on http://$(HOST):$(PORT)/voice/incoming"
	@echo "  Place a test call from a second terminal:   $(BIN)/flask --app app call"
	@echo "  ... or against this server over HTTP:       $(BIN)/flask --app app call --url http://$(HOST):$(PORT)"
	@echo "  ... or in the browser:                      http://$(HOST):$(PORT)/simulator"
	@echo
	$(BIN)/flask --app app run --host $(HOST) --port $(PORT)

# Production-like: gunicorn with several workers (see gunicorn.conf.py); set
# TWILIO_AUTH_TOKEN and HOTLINE_PUBLIC_URL first.
serve: $(STAMP)
	HOTLINE_ENV=production $(BIN)/gunicorn -c gunicorn.conf.py 'app:create_app()'

# Debian packages the tests need (browser, speech synthesis, faketime), when missing.
system-packages:
	@bash tools/system-packages

test: $(STAMP) system-packages
	$(BIN)/python -m pytest

# The suite again with PostgreSQL as the store: every test that opens the hotline's
# database (marked `postgres` by tests/conftest.py; 896 tests, 9-14 min here). Those that
# never open it (the pure conversation, speech, prompts) would test the same thing twice
# and run in `make test`.
test-postgresql: $(STAMP) system-packages
	HOTLINE_TEST_ENGINE=postgresql $(BIN)/python -m pytest -m postgres

# The suite at five moments where clocks go wrong (faketime; see tools/test-clock).
test-clock: $(STAMP) system-packages
	bash tools/test-clock $(BIN)/python

bench: $(STAMP)
	@bash tools/system-packages bench
	$(BIN)/python -m pip install --quiet -e '.[test,bench]'
	@for b in bench/bench_*.py; do echo "== $$b"; $(BIN)/python $$b || exit 1; done

clean:
	rm -rf $(VENV) instance .pytest_cache
