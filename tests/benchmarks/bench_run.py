"""`make bench`: time `svw run` on a 1,000,000-line CSV against a bare DuckDB read_csv.

Recorded, not asserted: each run appends a row to bench-data/results.md (untracked);
copy the figures worth keeping into docs/benchmarks.md by hand, with what was measured.
"""

from __future__ import annotations

import os
import platform
import random
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

import duckdb

from configuration import DAGSTER_YAML, PROJECT_ROOT

LINES = int(os.environ.get("BENCH_LINES", "1000000"))
RESULTS = PROJECT_ROOT / "bench-data" / "results.md"
RESULTS_HEADER = (
    "| date | machine | lines | file MB | svw run wall s | lines/s | peak RSS MiB "
    "| bare DuckDB read_csv s | ratio |\n|---|---|---|---|---|---|---|---|---|\n"
)
HEADER = (
    "organisation_id,organisation_name,sector,period_start,period_end,measure_code,"
    "quantity,place_code,contract_ref,evidence\n"
)
MEASURES = ["NT1", "NT8", "NT10", "NT14", "NT18", "NT24", "NT28", "NT31", "NT40", "NT42"]
PLACES = ["E08000035", "E08000003", "E06000001", "W06000015", "S12000049", "E09000030"]
SECTORS = ["public", "private", "third"]


def write_return(path: Path, lines: int) -> None:
    rng = random.Random(1)
    with path.open("w", newline="") as out:
        out.write(HEADER)
        for n in range(lines):
            org = rng.randrange(2000)
            out.write(
                f"GB-COH-{org:08d},Organisation {org},{SECTORS[org % 3]},2025-04-01,"
                f"2025-06-30,{rng.choice(MEASURES)},{rng.randrange(1, 500)},"
                f"{rng.choice(PLACES)},C-{n % 5000},bench line {n}\n"
            )


def main() -> None:
    with tempfile.TemporaryDirectory(prefix="svw-bench-") as scratch:
        root = Path(scratch)
        source = root / "bench.csv"
        write_return(source, LINES)
        size_mb = source.stat().st_size / 1e6

        started = time.perf_counter()
        connection = duckdb.connect(str(root / "bare.duckdb"))
        connection.execute(
            f"create table t as select * from read_csv('{source}', all_varchar=true)"
        )
        connection.close()
        bare = time.perf_counter() - started

        env = {
            **os.environ,
            "SVW_BUCKET": str(root / "bucket"),
            "SVW_WAREHOUSE": str(root / "warehouse.duckdb"),
            "SVW_SERVING": str(root / "serving.duckdb"),
            "DAGSTER_HOME": str(root / "dagster"),
        }
        (root / "dagster").mkdir()
        shutil.copy(DAGSTER_YAML, root / "dagster" / "dagster.yaml")
        target = root / "bucket" / "incoming" / "bench-submitter" / "bench.csv"
        target.parent.mkdir(parents=True)
        source.rename(target)
        svw = Path(sys.executable).parent / "svw"
        started = time.perf_counter()
        subprocess.run([str(svw), "run", "--settle-seconds", "0"], env=env, check=True)
        wall = time.perf_counter() - started
        peak_mib = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024

    memory_gib = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    row = (
        f"| {date.today()} | {platform.machine()}, {os.cpu_count()} cores, "
        f"{memory_gib:.0f} GiB, Python {platform.python_version()} | {LINES:,} "
        f"| {size_mb:.0f} | {wall:.1f} | {LINES / wall:,.0f} | {peak_mib:,.0f} "
        f"| {bare:.2f} | {wall / bare:.0f}x |"
    )
    record(row)
    print(f"{row}\nrecorded in {RESULTS}")


def record(row: str) -> None:
    """Append the row to the untracked results table, starting it if new."""
    RESULTS.parent.mkdir(exist_ok=True)
    if not RESULTS.exists():
        RESULTS.write_text(RESULTS_HEADER)
    with RESULTS.open("a") as results:
        results.write(row + "\n")


if __name__ == "__main__":
    main()
