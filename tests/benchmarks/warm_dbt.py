"""What dbt's invocations would cost in one warm process: a measurement, not project code.

``python -m tests.benchmarks.warm_dbt`` builds the seeds, then the models three times,
on a fresh DuckDB warehouse holding the empty raw tables: first each as a ``dbt``
command (a new process, as the pipeline runs dbt now), then on a copy of the same
warehouse in this process through dbt's ``dbtRunner``, with the project parsed once
beforehand. The difference is dbt's fixed cost per invocation (issue 9: the fixed cost
of a run, and `make test`'s time). Figures go to stdout; copy them by hand into
docs/benchmarks.md with the machine and date.

dbt-duckdb keeps the warehouse file locked after an invocation in this process (its
environment holds the connection), so the commands run first, on their own copy.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from configuration import DBT_PROJECT_DIR, TELEMETRY_OFF, DuckDBFile
from orchestration.dbt_cli import dbt_executable

SEEDS = ["build", "--select", "resource_type:seed"]
MODELS = ["build", "--exclude", "resource_type:seed", "resource_type:unit_test"]
STEPS = [("seeds", SEEDS), ("models", MODELS), ("models again", MODELS), ("models, third", MODELS)]
# In a child process: this one must never hold the file dbt will open.
RAW_TABLES = """
import sys
from pathlib import Path
from configuration import DuckDBFile
from ingest.raw_tables import ensure_raw_tables
from warehouse import open_warehouse
with open_warehouse(DuckDBFile(Path(sys.argv[1]))) as warehouse:
    ensure_raw_tables(warehouse)
"""


def dbt_options(artefacts: Path) -> list[str]:
    project = str(DBT_PROJECT_DIR)
    folder = str(artefacts)
    return [
        *("--project-dir", project, "--profiles-dir", project),
        *("--target-path", folder, "--log-path", folder, "--quiet"),
    ]


def as_commands(folder: Path) -> None:
    env = {**os.environ, "SVW_WAREHOUSE": str(folder / "cli.duckdb")}
    for label, args in STEPS:
        started = time.perf_counter()
        command = [dbt_executable(), *args, *dbt_options(folder / "cli-target")]
        subprocess.run(command, check=True, env=env)
        print(f"dbt command, {label}: {time.perf_counter() - started:.1f} s", flush=True)


def in_this_process(folder: Path) -> None:
    os.environ["SVW_WAREHOUSE"] = str(folder / "warm.duckdb")
    started = time.perf_counter()
    from dbt.cli.main import dbtRunner

    print(f"import dbt: {time.perf_counter() - started:.1f} s", flush=True)
    options = dbt_options(folder / "warm-target")
    started = time.perf_counter()
    runner = dbtRunner(manifest=dbtRunner().invoke(["parse", *options]).result)
    print(f"parse, once: {time.perf_counter() - started:.1f} s", flush=True)
    for label, args in STEPS:
        started = time.perf_counter()
        result = runner.invoke([*args, *options])
        assert result.success, result.exception
        print(f"dbtRunner, {label}: {time.perf_counter() - started:.1f} s", flush=True)


def main() -> None:
    os.environ.update(TELEMETRY_OFF)
    with tempfile.TemporaryDirectory(prefix="svw-warm-dbt-") as scratch:
        folder = Path(scratch)
        empty = DuckDBFile(folder / "empty.duckdb")
        subprocess.run([sys.executable, "-c", RAW_TABLES, str(empty.path)], check=True)
        shutil.copy(empty.path, folder / "cli.duckdb")
        shutil.copy(empty.path, folder / "warm.duckdb")
        as_commands(folder)
        in_this_process(folder)


if __name__ == "__main__":
    main()
