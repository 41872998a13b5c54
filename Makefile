# Two commands set up a fresh machine: `make demo` and `make test` (see README).
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
INSTALLED := $(VENV)/.installed
# apt-get needs root; elsewhere it goes through sudo (which must not ask a password).
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

# No usage reporting from any tool, in every target.
export DBT_SEND_ANONYMOUS_USAGE_STATS := false
export DO_NOT_TRACK := 1
export GX_ANALYTICS_ENABLED := false
export DAGSTER_HOME ?= $(CURDIR)/dagster_home

.PHONY: install manifest postgres-server chromium demo run test test-fast lint dev bench bench-large bench-postgres bench-fixed bench-sensor clean report-screenshot

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

# The tests start a private PostgreSQL cluster (tests/conftest.py): install the server
# binaries (Debian's postgresql package) when initdb/pg_ctl are missing, and under root
# the `postgres` OS user that initdb and the server run as. Installing needs root or
# passwordless sudo (CI runs as root); without either, say so in one line and go on:
# the PostgreSQL tests then skip, or fail where CI is set. Quiet, idempotent.
postgres-server:
	@if ! { command -v initdb && command -v pg_ctl; } >/dev/null 2>&1 \
		&& ! ls /usr/lib/postgresql/*/bin/initdb /usr/lib/postgresql/*/bin/pg_ctl \
			>/dev/null 2>&1; then \
		if [ "$$(id -u)" != 0 ] && ! sudo -n true >/dev/null 2>&1; then \
			echo "PostgreSQL not installed and no root or passwordless sudo to install it: the PostgreSQL tests will be skipped (install Debian's postgresql package to run them)."; \
		else \
			echo "Installing PostgreSQL (Debian package postgresql) for the tests..."; \
			log=$$(mktemp); \
			{ $(SUDO) apt-get update -qq \
			  && $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
				--no-install-recommends postgresql; } >$$log 2>&1 \
			|| { cat $$log; rm -f $$log; exit 1; }; \
			rm -f $$log; \
		fi; \
	fi
	@if [ "$$(id -u)" = 0 ] && ! id -u postgres >/dev/null 2>&1; then \
		useradd --system \
			$$(getent group postgres >/dev/null && echo --gid postgres || echo --user-group) \
			--home-dir /var/lib/postgresql --no-create-home --shell /bin/bash postgres; \
	fi

# The browser tests of the place report (tests/browser.py) open it in Debian's Chromium:
# install it when missing, as postgres-server does PostgreSQL. Quiet, idempotent.
chromium:
	@if ! command -v chromium >/dev/null 2>&1; then \
		if [ "$$(id -u)" != 0 ] && ! sudo -n true >/dev/null 2>&1; then \
			echo "Chromium not installed and no root or passwordless sudo to install it: the browser tests will be skipped (install Debian's chromium package to run them)."; \
		else \
			echo "Installing Chromium (Debian package chromium) for the browser tests..."; \
			log=$$(mktemp); \
			{ $(SUDO) apt-get update -qq \
			  && $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
				--no-install-recommends chromium; } >$$log 2>&1 \
			|| { cat $$log; rm -f $$log; exit 1; }; \
			rm -f $$log; \
		fi; \
	fi

# -n 2: one worker per core, each with its own PostgreSQL and S3 servers. --dist loadgroup
# with the groups of tests/conftest.py: a module's tests on one engine go whole to one
# worker (its dbt build or pipeline run is made once), the slow modules first, so both
# workers finish together. --durations: where the time goes, to keep it within 10 minutes.
XDIST := -n 2 --dist loadgroup --no-loadscope-reorder
test: manifest postgres-server chromium
	$(BIN)/pytest $(XDIST) --durations=15

# The quick loop while developing: everything but the dbt builds and whole-pipeline runs
# (marked slow), on both cores.
test-fast: manifest postgres-server chromium
	$(BIN)/pytest $(XDIST) -m "not slow"

lint: $(INSTALLED)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/sqlfluff lint dbt_project/models

# The venv's bin/ first on PATH: DbtProject.prepare_if_dev() runs the `dbt` it finds there.
# `dagster dev`, not `dg dev`: dg serves a dg project or dg.toml workspace, not
# workspace.yaml, and comes in dagster-dg-cli, which the lock leaves out (17 packages).
dev: manifest
	PATH="$(CURDIR)/$(BIN):$$PATH" $(BIN)/dagster dev -w workspace.yaml

# The README's picture of the report: the demo's report for Leeds, in Chromium.
report-screenshot: demo chromium
	chromium --headless --no-sandbox --disable-gpu --disable-background-networking \
		--disable-component-update --no-first-run --hide-scrollbars \
		--user-data-dir=$$(mktemp -d) --window-size=1280,2000 \
		--screenshot=$(CURDIR)/docs/report.png file://$(CURDIR)/data/report/places/E08000035.html

# BENCH_LINES (default 1,000,000) and BENCH_SMALL_FILES (default 0: skipped) select the sizes;
# BENCH_WAREHOUSE (duckdb, the default, or postgres) the warehouse of the svw run cases
# (C, D, E): postgres runs them on a private PostgreSQL cluster started for the sitting.
bench: manifest
	$(BIN)/python -m tests.benchmarks.bench_run

bench-large: manifest
	BENCH_LINES=10000000 $(BIN)/python -m tests.benchmarks.bench_run

# `make bench` with the svw run cases on PostgreSQL (A and B stay DuckDB, the floor).
bench-postgres: manifest postgres-server
	BENCH_WAREHOUSE=postgres $(BIN)/python -m tests.benchmarks.bench_run

# The fixed cost of a run; BEFORE=/path/to/another/checkout compares it in the same sitting.
bench-fixed: manifest
	$(BIN)/python -m tests.benchmarks.bench_run --fixed-cost $(if $(BEFORE),--before $(BEFORE))

# Seconds from a file dropped to its lines in the serving snapshot, the sensor running.
bench-sensor: manifest
	$(BIN)/python -m tests.benchmarks.bench_run --sensor-latency --repeat 3

clean:
	rm -rf data dbt_project/target dbt_project/logs
	find dagster_home -mindepth 1 ! -name dagster.yaml -exec rm -rf {} +
