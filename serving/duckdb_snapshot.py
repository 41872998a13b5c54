"""DuckDB serving: a read-only snapshot file for BI tools, never the file the pipeline writes.

DuckDB lets one process write a file and then no one else may open it, so BI tools
get their own copy of the ``marts`` schema, swapped in by an atomic rename: a reader
sees the old snapshot or the new one, never a half-written one. Views of the marts
(deprecated aliases, say) are copied as tables: a view's SQL names the warehouse
file's catalog, which the snapshot does not have. Table and column comments (the dbt
descriptions, persist_docs) are copied too, so BI tools show them.
"""

from __future__ import annotations

import os
from pathlib import Path

import duckdb

from configuration import MARTS_SCHEMA, DuckDBFile

PUBLISHED_SCHEMAS = (MARTS_SCHEMA,)


def publish_snapshot(warehouse: DuckDBFile, serving_path: Path) -> dict[str, int]:
    """Copy the published schemas into a fresh file and rename it over ``serving_path``.

    Returns the row count of each published table (``schema.table``). The copy is bounded
    by the warehouse's memory limit, as every DuckDB connection of a run is; the rows of
    a table need not keep their order (it has none: BI tools sort), which lets DuckDB
    copy a table of millions of lines in bounded memory.
    """
    warehouse_path = warehouse.path
    serving_path.parent.mkdir(parents=True, exist_ok=True)
    # Half-written snapshots of publishes that died: never renamed, safe to remove.
    for leftover in serving_path.parent.glob(f".{serving_path.name}.*.tmp"):
        leftover.unlink(missing_ok=True)
    staging = serving_path.with_name(f".{serving_path.name}.{os.getpid()}.tmp")
    counts: dict[str, int] = {}
    settings = {"memory_limit": warehouse.memory_limit, "preserve_insertion_order": False}
    connection = duckdb.connect(str(staging), config=settings)
    try:
        quoted = str(warehouse_path).replace("'", "''")
        connection.execute(f"attach '{quoted}' as warehouse (read_only)")
        published = ", ".join(repr(s) for s in PUBLISHED_SCHEMAS)
        tables = connection.execute(
            "select schema_name, table_name from duckdb_tables() "
            f"where database_name = 'warehouse' and schema_name in ({published}) "
            "union all select schema_name, view_name from duckdb_views() "
            f"where database_name = 'warehouse' and schema_name in ({published}) "
            "order by 1, 2"
        ).fetchall()
        for schema in {schema for schema, _ in tables}:
            connection.execute(f'create schema "{schema}"')
        for schema, table in tables:
            connection.execute(
                f'create table "{schema}"."{table}" as select * from warehouse."{schema}"."{table}"'
            )
            _copy_comments(connection, schema, table)
            counts[f"{schema}.{table}"] = connection.execute(
                f'select count(*) from "{schema}"."{table}"'
            ).fetchone()[0]
        connection.execute("detach warehouse")
        connection.execute("checkpoint")
    finally:
        connection.close()
    with open(staging, "rb") as handle:
        os.fsync(handle.fileno())
    os.replace(staging, serving_path)
    return counts


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _copy_comments(connection: duckdb.DuckDBPyConnection, schema: str, table: str) -> None:
    """The warehouse relation's comment and its columns' comments, onto the copy."""
    [relation_comment] = connection.execute(
        "select comment from duckdb_tables() where database_name = 'warehouse' "
        "and schema_name = ? and table_name = ? "
        "union all select comment from duckdb_views() where database_name = 'warehouse' "
        "and schema_name = ? and view_name = ?",
        [schema, table, schema, table],
    ).fetchone()
    if relation_comment:
        connection.execute(f'comment on table "{schema}"."{table}" is {_literal(relation_comment)}')
    columns = connection.execute(
        "select column_name, comment from duckdb_columns() where database_name = 'warehouse' "
        "and schema_name = ? and table_name = ? and comment is not null",
        [schema, table],
    ).fetchall()
    for column, comment in columns:
        connection.execute(
            f'comment on column "{schema}"."{table}"."{column}" is {_literal(comment)}'
        )
