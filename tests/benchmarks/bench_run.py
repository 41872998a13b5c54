"""`make bench`: time `svw run` on a 1,000,000-line CSV against a bare DuckDB read_csv.

`make bench-fixed` (``--fixed-cost``): the fixed cost of a run, whatever the file size:
`svw run` on one 1,000-line file into an empty warehouse, then on one more 1,000-line
file on top; with ``--before DIR``, the same for another checkout of the project (say
the previous branch, ``git worktree add /tmp/perf-before need``), alternated in the
same sitting so that both see the same machine.

Recorded, not asserted: each run appends rows to bench-data/results.md or
bench-data/fixed-cost.md (untracked); copy the figures worth keeping into
docs/benchmarks.md by hand, with what was measured.
"""

from __future__ import annotations

import argparse
import os
import platform
import random
import resource
import shutil
import statistics
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
FIXED_COST_LINES = 1000
FIXED_COST_RESULTS = PROJECT_ROOT / "bench-data" / "fixed-cost.md"
FIXED_COST_HEADER = (
    "| date | machine | load avg | tree | runs | first run wall s | CPU s "
    "| second run wall s | CPU s | svw --help s |\n|---|---|---|---|---|---|---|---|---|---|\n"
)
HEADER = (
    "organisation_id,organisation_name,sector,period_start,period_end,measure_code,"
    "quantity,place_code,contract_ref,evidence\n"
)
MEASURES = ["NT1", "NT8", "NT10", "NT14", "NT18", "NT24", "NT28", "NT31", "NT40", "NT42"]
PLACES = ["E08000035", "E08000003", "E06000001", "W06000015", "S12000049", "E09000030"]
SECTORS = ["public", "private", "third"]


def write_return(path: Path, lines: int, seed: int = 1) -> None:
    rng = random.Random(seed)
    with path.open("w", newline="") as out:
        out.write(HEADER)
        for n in range(lines):
            org = rng.randrange(2000)
            out.write(
                f"GB-COH-{org:08d},Organisation {org},{SECTORS[org % 3]},2025-04-01,"
                f"2025-06-30,{rng.choice(MEASURES)},{rng.randrange(1, 500)},"
                f"{rng.choice(PLACES)},C-{n % 5000},bench line {n}\n"
            )


def isolated_environment(root: Path) -> dict[str, str]:
    """The environment of a run whose bucket, warehouse and Dagster home are under ``root``."""
    (root / "dagster").mkdir()
    shutil.copy(DAGSTER_YAML, root / "dagster" / "dagster.yaml")
    return {
        **os.environ,
        "SVW_BUCKET": str(root / "bucket"),
        "SVW_WAREHOUSE": str(root / "warehouse.duckdb"),
        "SVW_SERVING": str(root / "serving.duckdb"),
        "DAGSTER_HOME": str(root / "dagster"),
    }


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

        env = isolated_environment(root)
        target = root / "bucket" / "incoming" / "bench-submitter" / "bench.csv"
        target.parent.mkdir(parents=True)
        source.rename(target)
        svw = Path(sys.executable).parent / "svw"
        started = time.perf_counter()
        subprocess.run([str(svw), "run", "--settle-seconds", "0"], env=env, check=True)
        wall = time.perf_counter() - started
        peak_mib = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024

    row = (
        f"| {date.today()} | {_machine()} | {LINES:,} "
        f"| {size_mb:.0f} | {wall:.1f} | {LINES / wall:,.0f} | {peak_mib:,.0f} "
        f"| {bare:.2f} | {wall / bare:.0f}x |"
    )
    record(row)
    print(f"{row}\nrecorded in {RESULTS}")


def _machine() -> str:
    memory_gib = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    return (
        f"{platform.machine()}, {os.cpu_count()} cores, {memory_gib:.0f} GiB, "
        f"Python {platform.python_version()}"
    )


def _timed(command: list[str], env: dict[str, str]) -> tuple[float, float]:
    """Wall and CPU seconds (user + system, all child processes) of one command."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    subprocess.run(command, env=env, check=True, stdout=subprocess.DEVNULL)
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def fixed_cost_once(tree: Path) -> dict[str, tuple[float, float]]:
    """`svw --help`, then two runs of one 1,000-line file each, with ``tree`` as the code."""
    svw = str(Path(sys.executable).parent / "svw")
    with tempfile.TemporaryDirectory(prefix="svw-bench-fixed-") as scratch:
        root = Path(scratch)
        env = {**isolated_environment(root), "PYTHONPATH": str(tree)}
        figures = {"help": _timed([svw, "--help"], env)}
        for number, run in enumerate(("first", "second"), start=1):
            target = root / "bucket" / "incoming" / "bench-submitter" / f"file{number}.csv"
            target.parent.mkdir(parents=True, exist_ok=True)
            write_return(target, FIXED_COST_LINES, seed=number)
            figures[run] = _timed([svw, "run", "--settle-seconds", "0"], env)
    return figures


def fixed_cost(trees: dict[str, Path], repeats: int) -> None:
    """Each tree's fixed cost, alternated ``repeats`` times; medians recorded."""
    samples: dict[str, list[dict[str, tuple[float, float]]]] = {name: [] for name in trees}
    load = os.getloadavg()[0]
    for _ in range(repeats):
        for name, tree in trees.items():
            samples[name].append(fixed_cost_once(tree))
            print(f"{name}: {samples[name][-1]}", flush=True)
    for name, runs in samples.items():
        medians = {
            key: tuple(statistics.median(figures[key][i] for figures in runs) for i in (0, 1))
            for key in ("help", "first", "second")
        }
        row = (
            f"| {date.today()} | {_machine()} | {load:.1f} | {name} | {len(runs)} "
            f"| {medians['first'][0]:.1f} | {medians['first'][1]:.1f} "
            f"| {medians['second'][0]:.1f} | {medians['second'][1]:.1f} "
            f"| {medians['help'][0]:.2f} |"
        )
        record(row, FIXED_COST_RESULTS, FIXED_COST_HEADER)
        print(row)
    print(f"recorded in {FIXED_COST_RESULTS}")


def record(row: str, results: Path = RESULTS, header: str = RESULTS_HEADER) -> None:
    """Append the row to an untracked results table, starting it if new."""
    results.parent.mkdir(exist_ok=True)
    if not results.exists():
        results.write_text(header)
    with results.open("a") as table:
        table.write(row + "\n")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--fixed-cost", action="store_true", help="the fixed-cost case")
    parser.add_argument("--before", type=Path, help="fixed cost: another checkout to compare")
    parser.add_argument("--repeat", type=int, default=1, help="fixed cost: alternations")
    arguments = parser.parse_args()
    if arguments.fixed_cost:
        trees = {"before": arguments.before.resolve()} if arguments.before else {}
        fixed_cost({**trees, "this": PROJECT_ROOT}, arguments.repeat)
    else:
        main()
