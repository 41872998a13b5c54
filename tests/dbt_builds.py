"""A dbt build of the project over hand-chosen raw rows, on DuckDB or PostgreSQL.

The dbt test modules fill ``raw.submissions``, ``raw.return_lines`` and
``raw.commitment_lines`` with rows they worked out by hand, run one ``dbt build``
per engine, and read the marts back. The raw tables are created by ingestion's own
``RAW_DDL``, so dbt is tested against the schema ingestion writes.

Seeds and unit tests do not depend on any module's rows, so only the whole-project
build (tests/test_dbt_project.py, on an empty warehouse of each engine) builds and tests
them; every other build starts from the session's seeded warehouse (tests/conftest.py:
the pipeline's seeds step, once per engine) and builds the models and their data
tests only.
"""

from __future__ import annotations

import csv
import os
import shutil
import subprocess
import sys
from collections.abc import Sequence
from datetime import date, datetime
from pathlib import Path
from typing import Any, NamedTuple

import duckdb
import psycopg2
import pytest

from configuration import DBT_PROJECT_DIR, DuckDBFile, PostgresDatabase
from ingest.raw_tables import RAW_DDL
from tests.postgres_cluster import create_database

EDITION = "svw-illustrative-2026"

# The raw columns the rows fill, in order. Inserts name them, so columns that
# ingestion adds to RAW_DDL later (nullable ones) do not break the load.
SUBMISSION_COLUMNS = (
    "submission_id, submitter, original_path, sha256, size_bytes, file_format, "
    "received_at, processed_at, status, line_count, error_count, final_location, "
    "report_location, duplicate_of, run_id, warnings"
)
RETURN_LINE_COLUMNS = (
    "submission_id, source_row, submitter, organisation_id, organisation_name, sector, "
    "period_start, period_end, measure_code, edition, quantity, unit, place_code, "
    "contract_ref, evidence"
)

COMMITMENT_LINE_COLUMNS = (
    "submission_id, source_row, submitter, organisation_id, organisation_name, sector, "
    "contract_ref, contract_start, contract_end, measure_code, committed_quantity, "
    "place_code, contract_title, contract_value_gbp, edition, commitment_start, "
    "commitment_end, evidence"
)


class RawRows(NamedTuple):
    """Rows for raw.submissions, raw.return_lines and raw.commitment_lines, in the column
    orders above."""

    submissions: Sequence[Sequence[Any]]
    return_lines: Sequence[Sequence[Any]]
    commitment_lines: Sequence[Sequence[Any]] = ()


class BuiltWarehouse(NamedTuple):
    """A built warehouse: its dbt target and where to read it."""

    target: str
    duckdb_path: Path | None = None
    postgres: dict[str, Any] | None = None


def submission_row(
    sid: int,
    submitter: str | None,
    path: str,
    received: str,
    status: str,
    lines: int,
    errors: int = 0,
    report: str | None = None,
    duplicate_of: int | None = None,
) -> list[Any]:
    """A ledger row with the fields the models read; the rest filled consistently."""
    received_at = datetime.fromisoformat(received)
    return [
        sid,
        submitter,
        path,
        f"sha-{sid}",
        1000 + sid,
        "csv",
        received_at,
        received_at.replace(minute=5),
        status,
        lines,
        errors,
        f"{status}/{path}",
        report,
        duplicate_of,
        f"run-{sid}",
        "[]",
    ]


def return_line(
    sid: int, row: int, period: tuple[date, date], code: str, qty: float, place: str
) -> list[Any]:
    """A line of one private supplier of submitter north-cc, in RETURN_LINE_COLUMNS order."""
    return [
        sid,
        row,
        "north-cc",
        f"GB-COH-{row:02d}",
        f"Supplier {row}",
        "private",
        *period,
        code,
        EDITION,
        qty,
        None,
        place,
        f"C-{sid}",
        None,
    ]


def _insert_sql(table: str, columns: str, placeholder: str) -> str:
    values = ", ".join([placeholder] * len(columns.split(",")))
    return f"insert into raw.{table} ({columns}) values ({values})"


def _load_duckdb(path: Path, rows: RawRows) -> None:
    con = duckdb.connect(str(path))
    try:
        con.execute(RAW_DDL)
        con.executemany(_insert_sql("submissions", SUBMISSION_COLUMNS, "?"), rows.submissions)
        if rows.return_lines:
            con.executemany(
                _insert_sql("return_lines", RETURN_LINE_COLUMNS, "?"), rows.return_lines
            )
        if rows.commitment_lines:
            con.executemany(
                _insert_sql("commitment_lines", COMMITMENT_LINE_COLUMNS, "?"),
                rows.commitment_lines,
            )
    finally:
        con.close()


def _pg_connect(server: dict[str, Any]) -> Any:
    return psycopg2.connect(
        host=server["host"], port=server["port"], user=server["user"], dbname=server["dbname"]
    )


def _load_postgres(server: dict[str, Any], rows: RawRows) -> None:
    con = _pg_connect(server)
    try:
        with con, con.cursor() as cur:  # one transaction, committed on success
            # every statement of ingestion's DDL, unchanged, must run on PostgreSQL too
            cur.execute(RAW_DDL)
            cur.executemany(_insert_sql("submissions", SUBMISSION_COLUMNS, "%s"), rows.submissions)
            cur.executemany(
                _insert_sql("return_lines", RETURN_LINE_COLUMNS, "%s"), rows.return_lines
            )
            cur.executemany(
                _insert_sql("commitment_lines", COMMITMENT_LINE_COLUMNS, "%s"),
                rows.commitment_lines,
            )
    finally:
        con.close()


def _dbt_executable() -> str:
    beside_python = Path(sys.executable).parent / "dbt"
    if beside_python.exists():
        return str(beside_python)
    found = shutil.which("dbt")
    if found is None:
        pytest.fail("dbt is not installed in this environment")
    return found


def seed_rows(name: str) -> int:
    """The rows of the seed ``name``, counted in its CSV file."""
    with open(DBT_PROJECT_DIR / "seeds" / f"{name}.csv", newline="", encoding="utf-8") as f:
        return sum(1 for _ in csv.DictReader(f))


# What a build on a seeded warehouse leaves out: the seeds (with their data tests) are
# there already, and unit tests read no table's rows.
MODELS_ONLY = ("--exclude", "resource_type:seed", "resource_type:unit_test")


def build(
    request: pytest.FixtureRequest,
    tmp_path_factory: pytest.TempPathFactory,
    rows: RawRows,
    database: str | None = None,
    dbt_vars: str | None = None,
    whole_project: bool = False,
    data_tests: bool = True,
) -> BuiltWarehouse:
    """Loads the rows and runs ``dbt build`` on ``request.param`` (duckdb or postgres).

    On PostgreSQL, ``database`` names a fresh database on the session's server (so
    modules sharing a worker's server never meet).
    ``dbt_vars`` is passed as ``--vars`` (YAML, e.g. ``"{as_of_date: 2025-03-31}"``).
    ``whole_project`` starts from an empty warehouse and builds seeds and unit tests
    too; otherwise the warehouse is a copy of the session's seeded one. Without
    ``data_tests``, the models only (``dbt run``): for the modules that test what
    reads the marts, not the marts.
    """
    built, env, tmp = new_warehouse(request, tmp_path_factory, database, whole_project)
    load(built, rows)
    dbt_build(env, built.target, tmp, dbt_vars, whole_project, data_tests=data_tests)
    return built


def new_warehouse(
    request: pytest.FixtureRequest,
    tmp_path_factory: pytest.TempPathFactory,
    database: str | None = None,
    whole_project: bool = False,
) -> tuple[BuiltWarehouse, dict[str, str], Path]:
    """A warehouse on ``request.param`` (see ``build``), the environment of a dbt
    build into it and a folder for dbt's artefacts."""
    target = request.param
    tmp = tmp_path_factory.mktemp(f"dbt-{target}")
    env = {
        **os.environ,
        "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
        "DO_NOT_TRACK": "1",
        "SVW_DBT_TARGET": target,
    }
    if target == "duckdb":
        built = BuiltWarehouse(target, duckdb_path=tmp / "warehouse.duckdb")
        if not whole_project:
            shutil.copy(request.getfixturevalue("seeded_duckdb"), built.duckdb_path)
        env["SVW_WAREHOUSE"] = str(built.duckdb_path)
        return built, env, tmp
    assert database, "a PostgreSQL build names its own database"
    server = dict(request.getfixturevalue("postgres_server"))
    template = None if whole_project else request.getfixturevalue("seeded_postgres_template")
    create_database(
        database, template, host=server["host"], port=server["port"], user=server["user"]
    )
    server["dbname"] = database
    env.update(
        {
            "SVW_PG_HOST": server["host"],
            "SVW_PG_PORT": str(server["port"]),
            "SVW_PG_USER": server["user"],
            "SVW_PG_PASSWORD": "",
            "SVW_PG_DATABASE": server["dbname"],
        }
    )
    return BuiltWarehouse(target, postgres=server), env, tmp


def load(warehouse: BuiltWarehouse, rows: RawRows) -> None:
    """Appends the rows to the raw tables (created by ingestion's DDL where missing)."""
    if warehouse.duckdb_path is not None:
        _load_duckdb(warehouse.duckdb_path, rows)
    else:
        _load_postgres(warehouse.postgres, rows)


def dbt_command(subcommand: str, tmp: Path) -> list[str]:
    """``dbt <subcommand>`` on the project, its artefacts and logs under ``tmp``."""
    return [
        _dbt_executable(),
        subcommand,
        "--project-dir",
        str(DBT_PROJECT_DIR),
        "--profiles-dir",
        str(DBT_PROJECT_DIR),
        # inside tmp, so parallel runs and the developer's own target/ never clash
        "--target-path",
        str(tmp / "target"),
        "--log-path",
        str(tmp / "logs"),
    ]


def dbt_build(
    env: dict[str, str],
    target: str,
    tmp: Path,
    dbt_vars: str | None = None,
    whole_project: bool = False,
    full_refresh: bool = False,
    data_tests: bool = True,
    incremental_models_only: bool = False,
) -> None:
    """One ``dbt build`` with ``env`` (its profile's variables): of the whole project,
    or of the models and their data tests on a seeded warehouse (``MODELS_ONLY``);
    ``full_refresh`` rebuilds the incremental models whole. Without ``data_tests`` it
    is a ``dbt run``: the models only, for a state that another build tests.
    ``incremental_models_only`` runs the incremental models and the models they read:
    the state a later build's incremental step starts from, at a fraction of the cost."""
    subcommand = "build" if data_tests and not incremental_models_only else "run"
    selection = [] if whole_project else list(MODELS_ONLY)
    if incremental_models_only:
        selection = ["--select", "+config.materialized:incremental"]
    result = subprocess.run(
        [
            *dbt_command(subcommand, tmp),
            *(["--vars", dbt_vars] if dbt_vars else []),
            *selection,
            *(["--full-refresh"] if full_refresh else []),
        ],
        env=env,
        capture_output=True,
        text=True,
        # generous: a build on a busy shared machine has taken over 5 minutes
        timeout=900,
    )
    assert result.returncode == 0, f"dbt build ({target}) failed:\n{result.stdout}\n{result.stderr}"


def location(warehouse: BuiltWarehouse) -> DuckDBFile | PostgresDatabase:
    """The built warehouse as the pipeline's own code opens it (``open_warehouse``)."""
    if warehouse.duckdb_path is not None:
        return DuckDBFile(warehouse.duckdb_path)
    return PostgresDatabase(
        host=warehouse.postgres["host"],
        port=warehouse.postgres["port"],
        user=warehouse.postgres["user"],
        database=warehouse.postgres["dbname"],
    )


def rows(warehouse: BuiltWarehouse, sql: str) -> list[tuple]:
    """The result of one query on the built warehouse."""
    if warehouse.duckdb_path is not None:
        con = duckdb.connect(str(warehouse.duckdb_path), read_only=True)
        try:
            return con.execute(sql).fetchall()
        finally:
            con.close()
    con = _pg_connect(warehouse.postgres)
    try:
        with con.cursor() as cur:
            cur.execute(sql)
            return cur.fetchall()
    finally:
        con.close()


def execute(warehouse: BuiltWarehouse, sql: str) -> None:
    """Runs one statement on the built warehouse, committed."""
    if warehouse.duckdb_path is not None:
        con = duckdb.connect(str(warehouse.duckdb_path))
        try:
            con.execute(sql)
        finally:
            con.close()
        return
    con = _pg_connect(warehouse.postgres)
    try:
        with con, con.cursor() as cur:  # one transaction, committed on success
            cur.execute(sql)
    finally:
        con.close()
