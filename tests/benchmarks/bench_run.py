"""`make bench` and `make bench-large`: where a large return's time and memory go.

`make bench` (``BENCH_LINES``, default 1,000,000; `make bench-large`: 10,000,000) writes
one CSV return of that many lines (10 columns, 2,000 organisations, 10 measures, 6
places), then times, each case in a fresh process, in one sitting:

A. bare DuckDB: a typed ``read_csv`` of the file into a table (the floor);
B. A plus the format's rule checks in SQL and place totals (what the pipeline must
   at least do);
C. ``svw run`` on a fresh bucket, warehouse and Dagster home holding only that file
   (the whole pass, start-up included);
D. one more 1,000-line return on top of C's warehouse, ``svw run`` again (incremental);
E. with ``BENCH_SMALL_FILES`` = N > 0 (default 0: skipped, it takes long): 50,000
   lines as one file, then as N files from 20 submitters, each on a fresh warehouse.
   ``--small-files`` runs case E alone (N = 1,000 unless set); with ``--before DIR``,
   for that checkout too, alternated (``--repeat``) in the same sitting.

Each case's wall time, CPU time and peak RSS (the largest resident set of any process
of the case) are appended to bench-data/results.md (untracked); copy the figures worth
keeping into docs/benchmarks.md by hand, with the machine's load.

``BENCH_WAREHOUSE`` (default ``duckdb``) is the warehouse of cases C, D and E; with
``postgres`` (`make bench-postgres`), one private PostgreSQL cluster is started for the
sitting (tests/postgres_cluster.py, with PostgreSQL's stock durability settings, not
the tests' throwaway ones) and each case runs `svw run` on a fresh database of it; its
rows say "(postgres)". A and B stay DuckDB: they are the floor for both engines. The
server is not a child of the measured process, so its work is not in the CPU and peak
RSS figures; beside them the row gives the server's own: the CPU seconds of the
postmaster and of every process it ran (backends, parallel and autovacuum workers,
from /proc), and the largest peak RSS any one backend reported at the end of a
statement (``log_statement_stats``; the kernel's figure, so the shared buffers that
backend touched are in it). ``--fixed-cost`` runs on PostgreSQL too, its CPU without
the server's; ``--sensor-latency`` is DuckDB only.

`make bench-fixed` (``--fixed-cost``): the fixed cost of a run, whatever the file size:
`svw run` on one 1,000-line file into an empty warehouse, then on one more 1,000-line
file on top; with ``--before DIR``, the same for another checkout of the project (say
the previous branch, ``git worktree add /tmp/perf-before need``), alternated in the
same sitting so that both see the same machine.

`make bench-sensor` (``--sensor-latency``): on a warehouse that `svw run` has loaded one
return into, `dagster-daemon` runs the bucket sensor with ``SVW_SETTLE_SECONDS=5``; once
its first tick has found the bucket empty, one 1,000-line
file is dropped, and the seconds until its lines are in the serving snapshot (what BI
tools read) are recorded: the settle time, the wait for the next tick, the queued run's
launch and the run itself. ``--repeat N`` records N samples, each on a new warehouse
(`make bench-sensor`: 3): a 30 s figure varies by about 5 s here.

Recorded, not asserted.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import re
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, replace
from datetime import date, datetime
from pathlib import Path

from configuration import DAGSTER_YAML, PROJECT_ROOT
from tests.postgres_cluster import (
    ClusterFailed,
    PostgresUnavailable,
    ServerInfo,
    create_database,
    private_cluster,
)

LINES = int(os.environ.get("BENCH_LINES", "1000000"))
SMALL_FILES = int(os.environ.get("BENCH_SMALL_FILES", "0"))
SMALL_FILES_LINES = 50_000
SMALL_FILES_SUBMITTERS = 20
INCREMENT_LINES = 1000
WAREHOUSE = os.environ.get("BENCH_WAREHOUSE", "duckdb")
WAREHOUSES = ("duckdb", "postgres")
# The sitting's cluster: PostgreSQL's stock durability, as a real warehouse would run,
# and each statement's resource use in the server's log (its backends' peak RSS).
BENCH_SERVER_SETTINGS = {
    "fsync": "on",
    "synchronous_commit": "on",
    "full_page_writes": "on",
    "log_statement_stats": "on",
}
BACKEND_PEAK = re.compile(r"^\s*!\s+(\d+) kB max resident size$", re.MULTILINE)
RESULTS = PROJECT_ROOT / "bench-data" / "results.md"
RUNS = PROJECT_ROOT / "bench-data" / "runs"  # each svw run: summary and slowest dbt nodes
RESULTS_HEADER = (
    "| date | machine | load avg | case | lines | files | wall s | CPU s | peak RSS MiB "
    "| wall / B |\n|---|---|---|---|---|---|---|---|---|---|\n"
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

# Case A: the file into a typed table, nothing else.
BARE_SQL = """
create table lines as select * from read_csv('{path}', header = true, columns = {{
    'organisation_id': 'varchar', 'organisation_name': 'varchar', 'sector': 'varchar',
    'period_start': 'date', 'period_end': 'date', 'measure_code': 'varchar',
    'quantity': 'double', 'place_code': 'varchar', 'contract_ref': 'varchar',
    'evidence': 'varchar'}});
"""
# Case B: A, then the format's rules as SQL (each counts its failing rows) and totals.
RULES_SQL = (
    BARE_SQL
    + """
create table rule_failures as select
    count(*) filter (where not regexp_full_match(organisation_id, '[A-Z]{{2}}-[A-Z]{{2,5}}-.+'))
        as bad_organisation,
    count(*) filter (where organisation_name is null) as no_name,
    count(*) filter (where sector not in ('public', 'private', 'third')) as bad_sector,
    count(*) filter (where period_end < period_start) as bad_period,
    count(*) filter (where measure_code not in ({measures})) as unknown_measure,
    count(*) filter (where quantity is null or quantity <= 0) as bad_quantity,
    count(*) filter (where not regexp_full_match(place_code, '[ENSW][0-9]{{8}}')) as bad_place
from lines;
create table place_totals as
select place_code, measure_code, sum(quantity) as quantity, count(*) as line_count
from lines group by all;
"""
)


def write_return(path: Path, lines: int, seed: int = 1, first_line: int = 0) -> None:
    rng = random.Random(seed)
    with path.open("w", newline="") as out:
        out.write(HEADER)
        for n in range(first_line, first_line + lines):
            org = rng.randrange(2000)
            out.write(
                f"GB-COH-{org:08d},Organisation {org},{SECTORS[org % 3]},2025-04-01,"
                f"2025-06-30,{rng.choice(MEASURES)},{rng.randrange(1, 500)},"
                f"{rng.choice(PLACES)},C-{n % 5000},bench line {n}\n"
            )


@contextmanager
def sitting_server() -> Iterator[ServerInfo | None]:
    """The PostgreSQL cluster of the sitting where ``BENCH_WAREHOUSE=postgres``, else None."""
    if WAREHOUSE not in WAREHOUSES:
        raise SystemExit(f"BENCH_WAREHOUSE={WAREHOUSE!r}: give one of {', '.join(WAREHOUSES)}")
    if WAREHOUSE == "duckdb":
        yield None
        return
    try:
        with private_cluster(BENCH_SERVER_SETTINGS) as server:
            yield server
    except (PostgresUnavailable, ClusterFailed) as error:  # raised before the sitting
        raise SystemExit(f"BENCH_WAREHOUSE=postgres: {error}") from None


def isolated_environment(
    root: Path, max_file_bytes: int = 0, tree: Path = PROJECT_ROOT, server: ServerInfo | None = None
) -> dict[str, str]:
    """The environment of a run whose bucket, warehouse, Dagster home and report are
    under ``root``, with the Dagster instance of the checkout ``tree``; files up to
    ``max_file_bytes`` are accepted. With a ``server``, the warehouse is a new database
    on it instead of a DuckDB file."""
    (root / "dagster").mkdir()
    shutil.copy(tree / DAGSTER_YAML.relative_to(PROJECT_ROOT), root / "dagster" / "dagster.yaml")
    if server is None:
        warehouse = str(root / "warehouse.duckdb")
    else:
        database = f"svw_bench_{time.monotonic_ns()}"
        create_database(database, host=server.host, port=server.port, user=server.user)
        warehouse = server.url(database)
    env = {
        **os.environ,
        "SVW_BUCKET": str(root / "bucket"),
        "SVW_WAREHOUSE": warehouse,
        "SVW_SERVING": str(root / "serving.duckdb"),
        "SVW_REPORT_DIR": str(root / "report"),
        "DAGSTER_HOME": str(root / "dagster"),
    }
    if max_file_bytes:
        env["SVW_MAX_FILE_MB"] = str(max_file_bytes // 2**20 + 1)
    return env


@dataclass(frozen=True)
class Measured:
    """One case: wall and CPU seconds, and the peak RSS of its processes; on PostgreSQL,
    the server's CPU seconds and its largest backend's peak RSS beside them."""

    wall: float
    cpu: float
    peak_mib: float
    server_cpu: float | None = None
    server_peak_mib: float | None = None

    def cells(self) -> str:
        """The wall s, CPU s and peak RSS MiB cells of a results row."""
        cpu, peak = f"{self.cpu:.1f}", f"{self.peak_mib:,.0f}"
        if self.server_cpu is not None:
            cpu += f" (+{self.server_cpu:.1f} server)"
            peak += f" (server backend {self.server_peak_mib:,.0f})"
        return f"| {self.wall:.1f} | {cpu} | {peak} "


def measured(
    command: list[str], env: dict[str, str] | None = None, output: Path | None = None
) -> Measured:
    """Run ``command`` as a fresh process; its own figures (wait4: it and its children).
    Its standard output goes to ``output``, if given."""
    started = time.perf_counter()
    with output.open("w") if output else open(os.devnull, "w") as out:
        process = subprocess.Popen(command, env=env, stdout=out)
        watch = PeakWatch(process.pid)
        watch.start()
        _, status, usage = os.wait4(process.pid, 0)
        watch.stop()
    wall = time.perf_counter() - started
    if output:
        output.with_name("peak-rss-by-process.txt").write_text(watch.table())
    process.returncode = os.waitstatus_to_exitcode(status)
    if process.returncode != 0:
        raise subprocess.CalledProcessError(process.returncode, command)
    return Measured(wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024)


class PeakWatch(threading.Thread):
    """Each process under ``root_pid`` and its peak resident set so far (``VmHWM``),
    read every half second: which process the case's peak RSS belongs to."""

    def __init__(self, root_pid: int) -> None:
        super().__init__(daemon=True)
        self.root_pid = root_pid
        self.peaks: dict[int, tuple[str, int]] = {}  # pid: (command, peak KiB)
        self._stopped = threading.Event()

    def run(self) -> None:
        while not self._stopped.wait(0.5):
            for pid in _descendants(self.root_pid):
                with suppress(OSError, ValueError, AttributeError):  # ended in between
                    status = Path(f"/proc/{pid}/status").read_text()
                    peak = int(re.search(r"^VmHWM:\s+(\d+) kB", status, re.M).group(1))
                    command = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
                    name = " ".join(part.decode()[-40:] for part in command[:3])
                    self.peaks[pid] = (name, max(peak, self.peaks.get(pid, ("", 0))[1]))

    def stop(self) -> None:
        self._stopped.set()
        self.join()

    def table(self) -> str:
        rows = sorted(self.peaks.values(), key=lambda row: -row[1])[:10]
        return "".join(f"{peak / 1024:8,.0f} MiB  {name}\n" for name, peak in rows)


def _descendants(pid: int) -> list[int]:
    """``pid`` and every process under it."""
    found, pending = [], [pid]
    while pending:
        current = pending.pop()
        found.append(current)
        # A thread's children are listed under that thread.
        for task in Path(f"/proc/{current}/task").glob("*"):
            with suppress(OSError):
                pending += [int(child) for child in (task / "children").read_text().split()]
    return found


def duckdb_case(sql: str, root: Path) -> Measured:
    script = (
        "import duckdb, sys; connection = duckdb.connect(sys.argv[1]); "
        "connection.execute(sys.argv[2]); connection.close()"
    )
    database = root / f"case-{time.monotonic_ns()}.duckdb"
    figures = measured([sys.executable, "-c", script, str(database), sql])
    database.unlink()
    return figures


def svw_run(env: dict[str, str], server: ServerInfo | None = None) -> Measured:
    """`svw run` measured; with the ``server`` of its warehouse, the server's work too.

    Where its time went is kept in a folder of bench-data/runs/: the run's summary (its
    time by step), the slowest nodes of its dbt build and each process's peak RSS."""
    command = [str(Path(sys.executable).parent / "svw"), "run", "--settle-seconds", "0"]
    record_folder = RUNS / f"{datetime.now():%Y%m%dT%H%M%S}"
    record_folder.mkdir(parents=True)
    output = record_folder / "summary.txt"
    if server is None:
        figures = measured(command, env, output)
        _keep_slowest_nodes(Path(env["DAGSTER_HOME"]), record_folder)
        return figures
    log_from, cpu_before = server.log.stat().st_size, _server_cpu_seconds(server)
    figures = measured(command, env, output)
    _keep_slowest_nodes(Path(env["DAGSTER_HOME"]), record_folder)
    with server.log.open("rb") as log:
        log.seek(log_from)
        peaks = [int(kib) for kib in BACKEND_PEAK.findall(log.read().decode(errors="replace"))]
    return replace(
        figures,
        server_cpu=_server_cpu_seconds(server) - cpu_before,
        server_peak_mib=max(peaks, default=0) / 1024,
    )


def _keep_slowest_nodes(dagster_home: Path, folder: Path, count: int = 25) -> None:
    """The slowest nodes of the run's last models build (dbt's run_results.json)."""
    builds = sorted(dagster_home.glob("dbt/*/invocations/*-warehouse_models/run_results.json"))
    if not builds:
        return
    results = json.loads(builds[-1].read_text())
    nodes = sorted(results["results"], key=lambda node: -node["execution_time"])
    lines = [f"dbt elapsed {results['elapsed_time']:.1f} s, {len(nodes)} nodes; slowest:"]
    lines += [f"{node['execution_time']:8.2f} s  {node['unique_id']}" for node in nodes[:count]]
    (folder / "slowest-dbt-nodes.txt").write_text("\n".join(lines) + "\n")


def _engine(server: ServerInfo | None) -> str:
    """What a results row adds to its case to say that it ran on PostgreSQL."""
    return " (postgres)" if server else ""


def _server_cpu_seconds(server: ServerInfo) -> float:
    """CPU seconds the server has used so far: the postmaster, the processes it has
    reaped (backends, parallel and autovacuum workers) and those still running."""

    def ticks(pid: int | str) -> list[int]:
        # utime, stime, cutime, cstime: fields 14-17 of /proc/PID/stat; after the ")"
        # that ends the name (field 2) comes field 3.
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        return [int(field) for field in fields[11:15]]

    total = sum(ticks(server.pid))
    for child in Path(f"/proc/{server.pid}/task/{server.pid}/children").read_text().split():
        with suppress(FileNotFoundError):  # reaped since: its time is the postmaster's
            total += sum(ticks(child)[:2])
    return total / os.sysconf("SC_CLK_TCK")


def drop(root: Path, submitter: str, name: str) -> Path:
    path = root / "bucket" / "incoming" / submitter / name
    path.parent.mkdir(parents=True, exist_ok=True)
    return path


def main(server: ServerInfo | None = None) -> None:
    """Cases A-E in one sitting; C, D and E on ``server``'s PostgreSQL, if given."""
    engine = _engine(server)
    load = os.getloadavg()[0]
    rows: list[tuple[str, int, int, Measured]] = []
    with tempfile.TemporaryDirectory(prefix="svw-bench-") as scratch:
        root = Path(scratch)
        source = root / "bench.csv"
        write_return(source, LINES)
        size = source.stat().st_size
        measures = ", ".join(f"'{code}'" for code in MEASURES)
        rows.append(
            ("A: bare DuckDB read_csv", LINES, 1, duckdb_case(BARE_SQL.format(path=source), root))
        )
        rule_sql = RULES_SQL.format(path=source, measures=measures)
        rows.append(("B: A + rule checks + place totals", LINES, 1, duckdb_case(rule_sql, root)))

        whole = root / "whole"
        whole.mkdir()
        env = isolated_environment(whole, size, server=server)
        source.rename(drop(whole, "bench-submitter", "bench.csv"))
        rows.append((f"C: svw run, whole pass{engine}", LINES, 1, svw_run(env, server)))
        write_return(
            drop(whole, "bench-submitter", "more.csv"), INCREMENT_LINES, seed=2, first_line=LINES
        )
        label = f"D: one {INCREMENT_LINES:,}-line return on top{engine}"
        rows.append((label, INCREMENT_LINES, 1, svw_run(env, server)))

        if SMALL_FILES:
            rows += small_files(root, server=server)
    base = rows[1][3].wall
    for case, lines, files, figures in rows:
        row = (
            f"| {date.today()} | {_machine()} | {load:.1f} | {case} | {lines:,} | {files:,} "
            f"{figures.cells()}| {figures.wall / base:.1f}x |"
        )
        record(row)
        print(row, flush=True)
    print(f"recorded in {RESULTS}")


def small_files(
    root: Path,
    files: int = SMALL_FILES,
    tree: Path | None = None,
    server: ServerInfo | None = None,
) -> list[tuple[str, int, int, Measured]]:
    """The same lines as one file, then as ``files`` files, each on a fresh warehouse
    (run with the code of ``tree``, if given; a database on ``server``, if given)."""
    code = {"PYTHONPATH": str(tree)} if tree else {}
    engine = _engine(server)
    one = root / "one-file"
    one.mkdir()
    env = {**isolated_environment(one, tree=tree or PROJECT_ROOT, server=server), **code}
    write_return(drop(one, "bench-submitter", "all.csv"), SMALL_FILES_LINES)
    cases = [(f"E: 50,000 lines as one file{engine}", SMALL_FILES_LINES, 1, svw_run(env, server))]
    many = root / "many-files"
    many.mkdir()
    env = {**isolated_environment(many, tree=tree or PROJECT_ROOT, server=server), **code}
    per_file = SMALL_FILES_LINES // files
    for number in range(files):
        submitter = f"submitter-{number % SMALL_FILES_SUBMITTERS}"
        path = drop(many, submitter, f"return-{number}.csv")
        write_return(path, per_file, seed=number, first_line=number * per_file)
    label = f"E: the same as {files:,} files{engine}"
    cases.append((label, per_file * files, files, svw_run(env, server)))
    return cases


def small_files_only(
    trees: dict[str, Path], repeats: int, server: ServerInfo | None = None
) -> None:
    """Case E alone for each tree, alternated ``repeats`` times; every run recorded,
    the many files' wall and CPU time also as a ratio to the one file's."""
    files = SMALL_FILES or 1000
    for _ in range(repeats):
        for name, tree in trees.items():
            load = os.getloadavg()[0]
            with tempfile.TemporaryDirectory(prefix="svw-bench-small-") as scratch:
                one, many = small_files(Path(scratch), files, tree, server)
            for case, lines, count, figures in (one, many):
                row = (
                    f"| {date.today()} | {_machine()} | {load:.1f} | {case} ({name}) "
                    f"| {lines:,} | {count:,} {figures.cells()}"
                    f"| {figures.wall / one[3].wall:.1f}x one file "
                    f"(CPU {figures.cpu / one[3].cpu:.1f}x) |"
                )
                record(row)
                print(row, flush=True)
    print(f"recorded in {RESULTS}")


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


def fixed_cost_once(tree: Path, server: ServerInfo | None = None) -> dict[str, tuple[float, float]]:
    """`svw --help`, then two runs of one 1,000-line file each, with ``tree`` as the code
    (and a warehouse on ``server``, if given)."""
    svw = str(Path(sys.executable).parent / "svw")
    with tempfile.TemporaryDirectory(prefix="svw-bench-fixed-") as scratch:
        root = Path(scratch)
        env = {**isolated_environment(root, tree=tree, server=server), "PYTHONPATH": str(tree)}
        figures = {"help": _timed([svw, "--help"], env)}
        for number, run in enumerate(("first", "second"), start=1):
            target = root / "bucket" / "incoming" / "bench-submitter" / f"file{number}.csv"
            target.parent.mkdir(parents=True, exist_ok=True)
            write_return(target, FIXED_COST_LINES, seed=number)
            figures[run] = _timed([svw, "run", "--settle-seconds", "0"], env)
    return figures


def fixed_cost(trees: dict[str, Path], repeats: int, server: ServerInfo | None = None) -> None:
    """Each tree's fixed cost, alternated ``repeats`` times; medians recorded."""
    samples: dict[str, list[dict[str, tuple[float, float]]]] = {name: [] for name in trees}
    load = os.getloadavg()[0]
    for _ in range(repeats):
        for name, tree in trees.items():
            samples[name].append(fixed_cost_once(tree, server))
            print(f"{name}: {samples[name][-1]}", flush=True)
    for name, runs in samples.items():
        medians = {
            key: tuple(statistics.median(figures[key][i] for figures in runs) for i in (0, 1))
            for key in ("help", "first", "second")
        }
        row = (
            f"| {date.today()} | {_machine()} | {load:.1f} | {name}{_engine(server)} "
            f"| {len(runs)} | {medians['first'][0]:.1f} | {medians['first'][1]:.1f} "
            f"| {medians['second'][0]:.1f} | {medians['second'][1]:.1f} "
            f"| {medians['help'][0]:.2f} |"
        )
        record(row, FIXED_COST_RESULTS, FIXED_COST_HEADER)
        print(row)
    print(f"recorded in {FIXED_COST_RESULTS}")


SENSOR_SETTLE_SECONDS = "5"
SENSOR_RESULTS = PROJECT_ROOT / "bench-data" / "sensor-latency.md"
SENSOR_HEADER = (
    "| date | machine | load avg | lines | sensor interval s | drop to snapshot s "
    "| drop to run queued s | queued to started s | started to snapshot s |\n"
    "|---|---|---|---|---|---|---|---|---|\n"
)
SENSOR_TIMEOUT_SECONDS = 900


def sensor_latency(repeats: int) -> None:
    """Seconds from dropping one 1,000-line file to its lines in the serving snapshot,
    with the sensor run by `dagster-daemon` as in production; ``repeats`` samples."""
    for _ in range(repeats):
        _one_sensor_latency()


def _one_sensor_latency() -> None:
    from orchestration.sensors import bucket_sensor

    load = os.getloadavg()[0]
    with tempfile.TemporaryDirectory(prefix="svw-bench-sensor-") as scratch:
        root = Path(scratch)
        env = {**isolated_environment(root), "SVW_SETTLE_SECONDS": SENSOR_SETTLE_SECONDS}
        # The warehouse already holds a return, as in production: no first-run seeding.
        earlier = drop(root, "bench-submitter", "earlier.csv")
        write_return(earlier, FIXED_COST_LINES, seed=2, first_line=FIXED_COST_LINES)
        svw_run(env)
        log = root / "daemon.log"
        daemon = _start_daemon(env, log)
        try:
            _wait_for(lambda: "bucket_sensor" in log.read_text(), "the sensor's first tick")
            target = drop(root, "bench-submitter", "latency.csv")
            write_return(target, FIXED_COST_LINES)
            dropped, dropped_at = time.perf_counter(), time.time()
            _wait_for(
                lambda: _snapshot_lines(root / "serving.duckdb", target.name) == FIXED_COST_LINES,
                "the file's lines in the serving snapshot",
            )
            latency, visible_at = time.perf_counter() - dropped, time.time()
        finally:
            daemon.terminate()
            daemon.wait(timeout=60)
        queued, started = _sensor_run_times(root / "dagster")
    row = (
        f"| {date.today()} | {_machine()} | {load:.1f} | {FIXED_COST_LINES:,} "
        f"| {bucket_sensor.minimum_interval_seconds} | {latency:.1f} "
        f"| {queued - dropped_at:.1f} | {started - queued:.1f} | {visible_at - started:.1f} |"
    )
    record(row, SENSOR_RESULTS, SENSOR_HEADER)
    print(row)
    print(f"recorded in {SENSOR_RESULTS}")


def _sensor_run_times(home: Path) -> tuple[float, float]:
    """When the sensor's run was queued and started (Unix seconds); it is still writing
    the report when its lines reach the snapshot."""
    import dagster as dg

    with dg.DagsterInstance.from_config(str(home)) as instance:
        newest = instance.get_run_records(limit=1)[0]
    return newest.create_timestamp.timestamp(), newest.start_time


def _start_daemon(env: dict[str, str], log: Path) -> subprocess.Popen:
    daemon = Path(sys.executable).parent / "dagster-daemon"
    workspace = PROJECT_ROOT / "workspace.yaml"
    with log.open("w") as output:
        return subprocess.Popen(
            [str(daemon), "run", "-w", str(workspace)],
            env=env,
            cwd=PROJECT_ROOT,
            stdout=output,
            stderr=subprocess.STDOUT,
        )


def _wait_for(condition: Callable[[], bool], what: str) -> None:
    deadline = time.monotonic() + SENSOR_TIMEOUT_SECONDS
    while not condition():
        if time.monotonic() > deadline:
            raise TimeoutError(f"no {what} within {SENSOR_TIMEOUT_SECONDS} s")
        time.sleep(0.5)


def _snapshot_lines(serving: Path, file_name: str) -> int:
    """Lines of ``file_name`` in the serving snapshot's line-level fact."""
    import duckdb

    if not serving.exists():
        return 0
    try:
        with duckdb.connect(str(serving), read_only=True) as connection:
            return connection.execute(
                "select count(*) from marts.fct_social_value where source_file like ?",
                [f"%/{file_name}"],
            ).fetchone()[0]
    except duckdb.Error:  # renamed over while opening: try again
        return 0


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
    parser.add_argument(
        "--sensor-latency", action="store_true", help="drop to snapshot, sensor running"
    )
    parser.add_argument("--small-files", action="store_true", help="case E alone")
    parser.add_argument("--before", type=Path, help="another checkout to compare")
    parser.add_argument("--repeat", type=int, default=1, help="alternations, or samples")
    arguments = parser.parse_args()
    trees = {"before": arguments.before.resolve()} if arguments.before else {}
    if arguments.sensor_latency and WAREHOUSE != "duckdb":
        raise SystemExit("--sensor-latency reads the DuckDB snapshot: BENCH_WAREHOUSE=duckdb only")
    with sitting_server() as server:
        if arguments.sensor_latency:
            sensor_latency(arguments.repeat)
        elif arguments.fixed_cost:
            fixed_cost({**trees, "this": PROJECT_ROOT}, arguments.repeat, server)
        elif arguments.small_files:
            small_files_only({**trees, "this": PROJECT_ROOT}, arguments.repeat, server)
        else:
            main(server)
