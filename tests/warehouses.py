"""Reading a test's warehouse the way its users do, on either engine.

``raw_rows`` reads the pipeline's own tables; ``served_rows`` reads what BI tools see
(the snapshot file on DuckDB, schema marts on PostgreSQL).
"""

from __future__ import annotations

import duckdb
import psycopg2

from configuration import DuckDBFile, PostgresDatabase, Settings, WarehouseLocation


def _duckdb_rows(path, sql: str) -> list[tuple]:
    connection = duckdb.connect(str(path), read_only=True)
    try:
        return connection.execute(sql).fetchall()
    finally:
        connection.close()


def postgres_rows(database: PostgresDatabase, sql: str, user: str | None = None) -> list[tuple]:
    connection = psycopg2.connect(
        host=database.host,
        port=database.port,
        user=user or database.user,
        dbname=database.database,
    )
    try:
        with connection.cursor() as cursor:
            cursor.execute(sql)
            return cursor.fetchall()
    finally:
        connection.close()


def warehouse_url(database: PostgresDatabase) -> str:
    """``database`` as ``SVW_WAREHOUSE`` names it (no password: the tests' server trusts)."""
    return f"postgresql://{database.user}@{database.host}:{database.port}/{database.database}"


def location_code(location: WarehouseLocation) -> str:
    """Python that opens ``location`` again, for a child process's script."""
    if isinstance(location, DuckDBFile):
        return f"DuckDBFile(Path({str(location.path)!r}))"
    return (
        f"PostgresDatabase(host={location.host!r}, port={location.port}, "
        f"user={location.user!r}, database={location.database!r})"
    )


def raw_rows(settings: Settings, sql: str) -> list[tuple]:
    if isinstance(settings.warehouse, DuckDBFile):
        return _duckdb_rows(settings.warehouse.path, sql)
    return postgres_rows(settings.warehouse, sql)


def served_rows(settings: Settings, sql: str) -> list[tuple]:
    if isinstance(settings.warehouse, DuckDBFile):
        return _duckdb_rows(settings.serving_path, sql)
    return postgres_rows(settings.warehouse, sql)


def place_totals(settings: Settings) -> dict[tuple, tuple]:
    rows = served_rows(
        settings,
        "select place_code, financial_year, theme, sector, social_value_gbp, line_count, "
        "organisation_count from marts.fct_place_totals",
    )
    return {tuple(r[:4]): (float(r[4]), r[5], r[6]) for r in rows}
