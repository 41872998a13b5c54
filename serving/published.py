"""Reading the published marts: what BI tools see, never what a run writes.

As a connection on which ``marts.*`` are the published marts (the place report), or as
Arrow tables (the exports).

DuckDB: the ``SVW_SERVING`` snapshot file, opened read-only (one open file is one
consistent snapshot: a publish renames a new file over it, ours stays whole).
PostgreSQL: schema ``marts``, read through ordinary READ COMMITTED queries; a publish
swaps the schema between two of them, so the read is retried whenever the schema
named ``marts`` changed underneath (its oid), and all tables come from one version.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import duckdb
import pyarrow as pa
import sqlalchemy as sa

from configuration import MARTS_SCHEMA, DuckDBFile, WarehouseLocation
from warehouse import open_warehouse

# PostgreSQL column types as Arrow types; an unconstrained numeric (sums of integers,
# say) as double. A numeric with a precision (money: decimal(18, 2), decimal(38, 10))
# is an Arrow decimal of the same precision and scale, as DuckDB publishes it.
_POSTGRES_TYPES: dict[str, pa.DataType] = {
    "character varying": pa.string(),
    "text": pa.string(),
    "character": pa.string(),
    "smallint": pa.int32(),
    "integer": pa.int32(),
    "bigint": pa.int64(),
    "real": pa.float64(),
    "double precision": pa.float64(),
    "numeric": pa.float64(),
    "boolean": pa.bool_(),
    "date": pa.date32(),
    "timestamp without time zone": pa.timestamp("us"),
    "timestamp with time zone": pa.timestamp("us", tz="UTC"),
}
_SWAP_RETRIES = 3


class PublishedMartsError(RuntimeError):
    """The published marts could not be read (none yet, or swapped during every try)."""


@contextmanager
def published_connection(
    location: WarehouseLocation, serving_path: Path
) -> Iterator[sa.Connection]:
    """A connection on which ``marts.*`` are the published marts.

    On DuckDB the snapshot file is opened read-only, never the warehouse file: a reader
    neither waits for a running pipeline nor blocks it.
    """
    if isinstance(location, DuckDBFile):
        if not serving_path.exists():
            raise PublishedMartsError(
                f"no published marts at {serving_path}: run `svw run` (or `svw demo`) first"
            )
        engine = sa.create_engine(
            f"duckdb:///{serving_path}",
            connect_args={"read_only": True, "config": _reader_config(location)},
        )
    else:
        engine = sa.create_engine(location.sqlalchemy_url())
    try:
        with engine.connect() as connection:
            yield connection
    finally:
        engine.dispose()


def _reader_config(location: DuckDBFile) -> dict[str, str]:
    """A reader of the snapshot is bounded as every DuckDB connection of a run is
    (the report and the exports read it inside the run's process); DuckDB's own
    default is 80% of the machine's memory."""
    return {"memory_limit": location.memory_limit}


def read_published_marts(location: WarehouseLocation, serving_path: Path) -> dict[str, pa.Table]:
    """Every published relation of schema ``marts``, by name, in name order."""
    if isinstance(location, DuckDBFile):
        return _from_snapshot(location, serving_path)
    return _from_postgres(location)


def _from_snapshot(location: DuckDBFile, serving_path: Path) -> dict[str, pa.Table]:
    if not serving_path.exists():
        raise PublishedMartsError(f"no published snapshot at {serving_path}: run `svw run` first")
    connection = duckdb.connect(str(serving_path), read_only=True, config=_reader_config(location))
    try:
        names = [
            row[0]
            for row in connection.execute(
                "select table_name from duckdb_tables() where schema_name = ? order by 1",
                [MARTS_SCHEMA],
            ).fetchall()
        ]
        return {
            name: _plain_types(
                connection.sql(f'select * from {MARTS_SCHEMA}."{name}"').to_arrow_table()
            )
            for name in names
        }
    finally:
        connection.close()


def _plain_types(table: pa.Table) -> pa.Table:
    """DuckDB's HUGEINT sums arrive as decimal(38, 0): whole numbers, published as int64."""
    fields = [
        pa.field(f.name, pa.int64()) if pa.types.is_decimal(f.type) and f.type.scale == 0 else f
        for f in table.schema
    ]
    return table.cast(pa.schema(fields))


def _schema_oid(connection: sa.Connection) -> int | None:
    return connection.execute(
        sa.text("select oid from pg_namespace where nspname = :s"), {"s": MARTS_SCHEMA}
    ).scalar()


def _from_postgres(location: WarehouseLocation) -> dict[str, pa.Table]:
    with open_warehouse(location) as warehouse, warehouse.connect() as connection:
        for _attempt in range(_SWAP_RETRIES):
            before = _schema_oid(connection)
            if before is None:
                raise PublishedMartsError(f"schema {MARTS_SCHEMA} does not exist: run `svw run`")
            tables = _postgres_tables(connection)
            if _schema_oid(connection) == before:
                return tables
    raise PublishedMartsError(f"schema {MARTS_SCHEMA} was republished during every read")


def _postgres_tables(connection: sa.Connection) -> dict[str, pa.Table]:
    columns = connection.execute(
        sa.text(
            "select table_name, column_name, data_type, numeric_precision, numeric_scale "
            "from information_schema.columns "
            "where table_schema = :s order by table_name, ordinal_position"
        ),
        {"s": MARTS_SCHEMA},
    ).all()
    schemas: dict[str, list[pa.Field]] = {}
    for table, column, data_type, precision, scale in columns:
        schemas.setdefault(table, []).append(
            pa.field(column, _arrow_type(data_type, precision, scale))
        )
    tables = {}
    for name, fields in schemas.items():
        schema = pa.schema(fields)
        result = connection.exec_driver_sql(f'select * from {MARTS_SCHEMA}."{name}"')
        by_column = list(zip(*result.all(), strict=True)) or [()] * len(fields)
        tables[name] = pa.table(
            [_column(values, f.type) for values, f in zip(by_column, fields, strict=True)],
            schema=schema,
        )
    return tables


def _arrow_type(data_type: str, precision: int | None, scale: int | None) -> pa.DataType:
    if data_type == "numeric" and precision is not None:
        return pa.decimal128(precision, scale or 0)
    return _POSTGRES_TYPES.get(data_type, pa.string())


def _column(values: tuple, arrow_type: pa.DataType) -> pa.Array:
    if pa.types.is_floating(arrow_type):  # Decimal from numeric columns
        values = tuple(None if v is None else float(v) for v in values)
    elif pa.types.is_string(arrow_type):  # types with no Arrow match travel as text
        values = tuple(None if v is None else str(v) for v in values)
    return pa.array(values, type=arrow_type)
