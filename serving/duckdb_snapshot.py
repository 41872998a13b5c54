"""DuckDB serving: a read-only snapshot file for BI tools, never the file the pipeline writes.

DuckDB lets one process write a file and then no one else may open it, so BI tools
get their own copy of the ``marts`` schema, swapped in by an atomic rename: a reader
sees the old snapshot or the new one, never a half-written one. Views of the marts
(deprecated aliases, say) are copied as tables: a view's SQL names the warehouse
file's catalog, which the snapshot does not have. Table and column comments (the dbt
descriptions, persist_docs) are copied too, so BI tools show them. The line facts,
which dbt keeps by return, are brought up to date return by return in a copy of the
previous snapshot rather than copied whole (at 10M lines, 20M rows on every run).
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import duckdb

from configuration import MARTS_SCHEMA, DuckDBFile

PUBLISHED_SCHEMAS = (MARTS_SCHEMA,)


def publish_snapshot(warehouse: DuckDBFile, serving_path: Path) -> dict[str, int]:
    """Write the published schemas to a new file and rename it over ``serving_path``.

    Returns the row count of each published table (``schema.table``). The new file
    starts as a copy of the current snapshot, if there is one, so that the line facts
    need not be copied whole (:func:`_publish_table`). The work is bounded by the
    warehouse's memory limit, as every DuckDB connection of a run is; the rows of a
    table need not keep their order (it has none: BI tools sort), which lets DuckDB
    copy a table of millions of lines in bounded memory.
    """
    serving_path.parent.mkdir(parents=True, exist_ok=True)
    # Half-written snapshots of publishes that died: never renamed, safe to remove.
    for leftover in serving_path.parent.glob(f".{serving_path.name}.*.tmp"):
        leftover.unlink(missing_ok=True)
    staging = serving_path.with_name(f".{serving_path.name}.{os.getpid()}.tmp")
    if serving_path.exists():
        shutil.copyfile(serving_path, staging)
    settings = {"memory_limit": warehouse.memory_limit, "preserve_insertion_order": False}
    connection = duckdb.connect(str(staging), config=settings)
    try:
        quoted = str(warehouse.path).replace("'", "''")
        connection.execute(f"attach '{quoted}' as warehouse (read_only)")
        counts = _publish_schemas(connection)
        connection.execute("detach warehouse")
        connection.execute("checkpoint")
    finally:
        connection.close()
    with open(staging, "rb") as handle:
        os.fsync(handle.fileno())
    os.replace(staging, serving_path)
    return counts


def _publish_schemas(connection: duckdb.DuckDBPyConnection) -> dict[str, int]:
    """Every published relation of the attached warehouse as a table of this file,
    and nothing else; the row count of each."""
    published = ", ".join(repr(s) for s in PUBLISHED_SCHEMAS)
    wanted = connection.execute(
        "select schema_name, table_name from duckdb_tables() "
        f"where database_name = 'warehouse' and schema_name in ({published}) "
        "union all select schema_name, view_name from duckdb_views() "
        f"where database_name = 'warehouse' and schema_name in ({published}) "
        "order by 1, 2"
    ).fetchall()
    held = connection.execute(
        "select schema_name, table_name from duckdb_tables() "
        "where database_name = current_database()"
    ).fetchall()
    for schema, table in set(held) - set(wanted):  # gone from the warehouse
        connection.execute(f'drop table "{schema}"."{table}"')
    for schema in {schema for schema, _ in wanted}:
        connection.execute(f'create schema if not exists "{schema}"')
    counts: dict[str, int] = {}
    for schema, table in wanted:
        _publish_table(connection, schema, table, held=(schema, table) in held)
        _copy_comments(connection, schema, table)
        counts[f"{schema}.{table}"] = connection.execute(
            f'select count(*) from "{schema}"."{table}"'
        ).fetchone()[0]
    return counts


def _publish_table(
    connection: duckdb.DuckDBPyConnection, schema: str, table: str, *, held: bool
) -> None:
    """The warehouse's rows of one relation into this file's table of the same name.

    A table kept by return (``return_key``, ``built_at``: dbt's incremental line facts,
    whose builds replace whole returns and stamp them) is brought up to date return by
    return: the returns stamped after this copy's newest stamp are replaced, the rest
    are already here. When the warehouse holds no row as old as that stamp (a full
    rebuild, which may also have dropped returns) or the columns differ, and for every
    other relation, the table is copied whole.
    """
    name, source = f'"{schema}"."{table}"', f'warehouse."{schema}"."{table}"'
    columns = _columns(connection, "warehouse", schema, table)
    kept_by_return = columns >= {("return_key", "VARCHAR"), ("built_at", "TIMESTAMP")}
    if held and kept_by_return and columns == _columns(connection, None, schema, table):
        newest = connection.execute(f"select max(built_at) from {name}").fetchone()[0]
        oldest = connection.execute(f"select min(built_at) from {source}").fetchone()[0]
        if newest is not None and oldest is not None and oldest <= newest:
            stamped = f"select return_key from {source} where built_at > ?"
            connection.execute(f"delete from {name} where return_key in ({stamped})", [newest])
            connection.execute(
                f"insert into {name} select * from {source} where return_key in ({stamped})",
                [newest],
            )
            return
    connection.execute(f"create or replace table {name} as select * from {source}")


def _columns(
    connection: duckdb.DuckDBPyConnection, database: str | None, schema: str, table: str
) -> set[tuple[str, str]]:
    """A table's columns and types, in the attached ``database`` or this file."""
    return set(
        connection.execute(
            "select column_name, data_type from duckdb_columns() "
            "where database_name = coalesce(?, current_database()) "
            "and schema_name = ? and table_name = ?",
            [database, schema, table],
        ).fetchall()
    )


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
