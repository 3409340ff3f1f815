# nongan — the first two targets are the README's first two commands.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
export NONGAN_HOME ?= $(CURDIR)/var

.PHONY: demo test lint install browser bench bench-risk bench-sharing validate-risk clean

$(BIN)/nongan: pyproject.toml
	$(PY) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	@touch $@

install: $(BIN)/nongan

demo: install
	$(BIN)/nongan demo

test: install
	$(BIN)/pytest nongan

bench: install
	$(BIN)/python bench/city.py
	$(BIN)/python bench/draw.py
	$(BIN)/python bench/enforcement.py

# Five years of Shanghai-scale results (2 million) built in a bench database; minutes each.
bench-risk: install
	$(BIN)/python bench/risk.py
	$(BIN)/python bench/analysis.py

# IoT ingestion (in-process and through Mosquitto), the traceability import, partner pulls and
# the event fan-out on a seeded bench database (`DATABASE_URL` for PostgreSQL); a few minutes.
bench-sharing: install
	$(BIN)/python bench/sharing.py

# Planted outbreaks and clusters: each method's sensitivity, false alarms and delay.
validate-risk: install
	$(BIN)/python bench/validate_temporal.py
	$(BIN)/python bench/validate_spatial.py

# 200 field devices syncing inspections with photos and 20 office users, 10 minutes against
# `nongan serve` on PostgreSQL (DATABASE_URL's server, default the local one), then the
# exactly-once count; about 15 minutes in all.
.PHONY: bench-load
bench-load: install
	$(BIN)/pip install --quiet -e '.[load]'
	$(BIN)/python bench/load.py

# Faults under traffic on PostgreSQL (DATABASE_URL's server, default the local one): the
# server and the worker killed with SIGKILL, PostgreSQL restarted, the media folder made
# read-only, the field app in Chromium; counts of what was lost, doubled or left
# half-written. About 20 minutes.
.PHONY: bench-faults
bench-faults: install
	$(BIN)/python bench/faults.py

lint: install
	$(BIN)/ruff check nongan conftest.py

clean:
	rm -rf $(VENV) var
