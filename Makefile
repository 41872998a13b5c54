# Two commands set up a fresh machine: `make demo` and `make test` (see README).
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
INSTALLED := $(VENV)/.installed

# No usage reporting from any tool, in every target.
export DBT_SEND_ANONYMOUS_USAGE_STATS := false
export DO_NOT_TRACK := 1
export GX_ANALYTICS_ENABLED := false
export DAGSTER_HOME ?= $(CURDIR)/data/dagster

.PHONY: install manifest demo run test lint dev bench clean

install: $(INSTALLED)

$(INSTALLED): requirements.lock pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements.lock
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --no-deps -e .
	touch $@

# dagster-dbt reads dbt's manifest; rebuild it so it always matches the models.
manifest: $(INSTALLED)
	cd dbt_project && ../$(BIN)/dbt parse --quiet --profiles-dir .

demo: manifest
	$(BIN)/svw demo

run: manifest
	$(BIN)/svw run

test: manifest
	$(BIN)/pytest

lint: $(INSTALLED)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/sqlfluff lint dbt_project/models

dev: manifest
	$(BIN)/python -c "from svw.settings import Settings, prepare_environment; prepare_environment(Settings.from_env())"
	$(BIN)/dagster dev -w workspace.yaml

bench: manifest
	$(BIN)/python -m tests.benchmarks.bench_run

clean:
	rm -rf data dbt_project/target dbt_project/logs
