"""What a dbt build costs on a large warehouse, in full and after one small return.

    .venv/bin/python -m tests.benchmarks.bench_incremental prepare DIR
    .venv/bin/python -m tests.benchmarks.bench_incremental build DIR NAME [--project P]
    .venv/bin/python -m tests.benchmarks.bench_incremental add DIR

``prepare`` writes `make bench`'s synthetic return (``BENCH_LINES``, default 1,000,000)
and ingests it into a seeded DuckDB warehouse ``DIR/warehouse.duckdb`` with the real
ingestion (no Dagster, no dbt models). ``add`` ingests one more 1,000-line return of
the same submitter (case D of bench_run.py: about a tenth of its lines replace earlier
returns; ``--seed N`` for another such file). ``build`` runs the pipeline's models
build (``dbt build`` without seeds and unit tests; ``--full-refresh`` passed on) of a
dbt project (default: this checkout's; another checkout's for a before/after
sitting) and prints one line: wall s, CPU s (user + system of dbt's process), peak
RSS and the load average. Copy a warehouse file to rebuild it from the same state.
Recorded, never asserted.
"""

from __future__ import annotations

import argparse
import os
import resource
import subprocess
import time
from pathlib import Path

from configuration import DBT_PROJECT_DIR, DuckDBFile, dbt_environment
from ingest.bucket import Bucket
from ingest.pipeline import Ingestor
from ingest.raw_tables import ensure_raw_tables
from orchestration.dbt_cli import dbt_executable, seed_reference_tables
from tests.benchmarks.bench_run import INCREMENT_LINES, LINES, write_return
from warehouse import open_warehouse

SUBMITTER = "bench-submitter"
EDITION = "svw-illustrative-2026"


def _ingest(root: Path, name: str, lines: int, seed: int, first_line: int) -> None:
    bucket = Bucket(str(root / "bucket"))
    path = root / "bucket" / "incoming" / SUBMITTER / name
    path.parent.mkdir(parents=True, exist_ok=True)
    write_return(path, lines, seed=seed, first_line=first_line)
    with open_warehouse(DuckDBFile(root / "warehouse.duckdb")) as warehouse:
        report = Ingestor(bucket, warehouse, default_edition=EDITION, max_file_bytes=10**10).run(
            settle_seconds=0
        )
    print([(s.original_path, s.status, s.line_count) for s in report.submissions])


def prepare(root: Path) -> None:
    location = DuckDBFile(root / "warehouse.duckdb")
    seed_reference_tables(location, root / "dbt")
    with open_warehouse(location) as warehouse:
        ensure_raw_tables(warehouse)
    _ingest(root, "all.csv", LINES, seed=1, first_line=0)


def build(root: Path, name: str, project: Path, full_refresh: bool) -> None:
    location = DuckDBFile(root / "warehouse.duckdb")
    started = time.monotonic()
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    finished = subprocess.run(
        [
            dbt_executable(),
            "build",
            "--project-dir",
            str(project),
            "--profiles-dir",
            str(project),
            "--target-path",
            str(root / "target" / name),
            "--log-path",
            str(root / "target" / name),
            "--exclude",
            "resource_type:seed",
            "resource_type:unit_test",
            *(["--full-refresh"] if full_refresh else []),
        ],
        env={**os.environ, **dbt_environment(location), "DBT_SEND_ANONYMOUS_USAGE_STATS": "false"},
        capture_output=True,
        text=True,
    )
    wall = time.monotonic() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    status = "ok" if finished.returncode == 0 else "FAILED"
    load = os.getloadavg()[0]
    print(
        f"{name}: {status} wall {wall:.1f} s, CPU {cpu:.1f} s, "
        f"peak RSS {after.ru_maxrss / 1024:.0f} MiB, load {load:.1f}"
    )
    if finished.returncode != 0:
        print(finished.stdout[-5000:])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("action", choices=["prepare", "add", "build"])
    parser.add_argument("root", type=Path)
    parser.add_argument("name", nargs="?", default="build")
    parser.add_argument("--project", type=Path, default=DBT_PROJECT_DIR)
    parser.add_argument("--full-refresh", action="store_true")
    parser.add_argument("--seed", type=int, default=2, help="add: another seed, another file")
    args = parser.parse_args()
    args.root.mkdir(parents=True, exist_ok=True)
    if args.action == "prepare":
        prepare(args.root)
    elif args.action == "add":
        first_line = LINES + (args.seed - 2) * INCREMENT_LINES
        _ingest(args.root, f"more-{args.seed}.csv", INCREMENT_LINES, args.seed, first_line)
    else:
        build(args.root, args.name, args.project, args.full_refresh)


if __name__ == "__main__":
    main()
