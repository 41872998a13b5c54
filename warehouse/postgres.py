"""The server warehouse: PostgreSQL through psycopg2 (the driver dbt-postgres uses)."""

from __future__ import annotations

import io
import time
import zlib
from collections.abc import Iterator
from contextlib import contextmanager

import pyarrow as pa
import pyarrow.csv as pa_csv
import sqlalchemy as sa

from configuration import PostgresDatabase
from warehouse.base import Warehouse, WarehouseBusy, checked_identifier

# One key per database for the run lock; any fixed 32-bit number works, this one names us.
RUN_LOCK_KEY = zlib.crc32(b"social-value-warehouse/run")
HELPER_SCHEMA = "landing"
# Rows per COPY when a whole table is loaded: bounds the CSV text held at once.
_COPY_ROWS = 100_000

# PostgreSQL 15 has no "try" casts (pg_input_is_valid arrived in 16): these return NULL
# where a cast would raise. Only ever called on text whose shape was checked first.
_HELPER_FUNCTIONS = f"""
create schema if not exists {HELPER_SCHEMA};
create or replace function {HELPER_SCHEMA}.svw_try_date(value text, format text)
returns date language plpgsql immutable as $$
begin
    -- since PostgreSQL 10, to_date refuses days that do not exist (31/02)
    return to_date(value, format);
exception when others then
    return null;
end $$;
create or replace function {HELPER_SCHEMA}.svw_try_double(value text)
returns double precision language plpgsql immutable as $$
begin
    return cast(value as double precision);
exception when others then
    return null;
end $$;
"""

_ARROW_TO_SQL = {
    pa.int64(): "bigint",
    pa.int32(): "integer",
    pa.string(): "text",
    pa.float64(): "double precision",  # reference files: scores, proportions
    pa.bool_(): "boolean",
}


class PostgresWarehouse(Warehouse):
    dialect = "postgres"

    def __init__(self, location: PostgresDatabase):
        self.location = location
        self.engine = sa.create_engine(location.sqlalchemy_url(), pool_pre_ping=True)

    def prepare(self, connection: sa.Connection) -> None:
        connection.exec_driver_sql(_HELPER_FUNCTIONS)

    @contextmanager
    def arrow_relation(
        self, connection: sa.Connection, table: pa.Table | pa.RecordBatchReader, name: str
    ) -> Iterator[str]:
        # COPY in bulk, from CSV that Arrow writes in C++: no row-by-row inserts; one
        # COPY per batch, so only one batch's CSV is in memory at a time. An unquoted
        # empty field is NULL in COPY's CSV format, and Arrow quotes every string, so
        # empty text and NULL stay apart.
        relation = checked_identifier(f"{HELPER_SCHEMA}.{name}_text")
        columns = ", ".join(
            f"{checked_identifier(column.name)} {_ARROW_TO_SQL[column.type]}"
            for column in table.schema
        )
        connection.exec_driver_sql(f"create schema if not exists {HELPER_SCHEMA}")
        connection.exec_driver_sql(f"drop table if exists {relation}")
        connection.exec_driver_sql(f"create unlogged table {relation} ({columns})")
        batches = table.to_batches(_COPY_ROWS) if isinstance(table, pa.Table) else table
        cursor = connection.connection.driver_connection.cursor()
        try:
            for batch in batches:
                buffer = io.BytesIO()
                pa_csv.write_csv(batch, buffer, pa_csv.WriteOptions(include_header=False))
                buffer.seek(0)
                cursor.copy_expert(f"copy {relation} from stdin with (format csv)", buffer)
        finally:
            cursor.close()
        try:
            yield relation
        finally:
            connection.exec_driver_sql(f"drop table if exists {relation}")

    @contextmanager
    def run_lock(self, timeout_seconds: float) -> Iterator[None]:
        # A session-level advisory lock on a connection of its own, outside the pool (which
        # is disposed during a run, before dbt): released when that connection closes,
        # even if this process is killed.
        lock_engine = sa.create_engine(self.engine.url, poolclass=sa.NullPool)
        connection = lock_engine.connect()
        try:
            self._acquire(connection, timeout_seconds)
            yield
            connection.exec_driver_sql(f"select pg_advisory_unlock({RUN_LOCK_KEY})")
            connection.commit()
        finally:
            connection.close()
            lock_engine.dispose()

    def _acquire(self, connection: sa.Connection, timeout_seconds: float) -> None:
        deadline = time.monotonic() + timeout_seconds
        while not connection.exec_driver_sql(
            f"select pg_try_advisory_lock({RUN_LOCK_KEY})"
        ).scalar_one():
            connection.rollback()
            if time.monotonic() > deadline:
                raise WarehouseBusy(
                    f"another run has held the run lock of database "
                    f"{self.location.database!r} for over {timeout_seconds:.0f} s"
                )
            time.sleep(0.5)
        connection.commit()

    def try_date(self, text_sql: str, day_first: bool) -> str:
        pattern = "DD/MM/YYYY" if day_first else "YYYY-MM-DD"
        return f"{HELPER_SCHEMA}.svw_try_date({text_sql}, '{pattern}')"

    def try_double(self, text_sql: str) -> str:
        return f"{HELPER_SCHEMA}.svw_try_double({text_sql})"
