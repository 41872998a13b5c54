"""The embedded default: one DuckDB file, one writing process at a time."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager

import duckdb
import pyarrow as pa
import sqlalchemy as sa
from filelock import FileLock, Timeout

from configuration import DuckDBFile
from warehouse.base import Warehouse, WarehouseBusy


class DuckDBWarehouse(Warehouse):
    dialect = "duckdb"

    def __init__(self, location: DuckDBFile):
        self.location = location
        self.path = location.path
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.engine = sa.create_engine(f"duckdb:///{self.path}")
        # A global setting of the file's database, shared by every connection to it in
        # this process (Great Expectations' included). Set, not passed as connect config:
        # DuckDB refuses a second connection to a file with a different config.
        limit = location.memory_limit.replace("'", "")
        sa.event.listen(
            self.engine,
            "connect",
            lambda connection, _: connection.execute(f"set memory_limit = '{limit}'"),
        )

    @staticmethod
    def native(connection: sa.Connection) -> duckdb.DuckDBPyConnection:
        """The DuckDB connection under a SQLAlchemy one."""
        return connection.connection.driver_connection  # type: ignore[return-value]

    @contextmanager
    def arrow_relation(
        self, connection: sa.Connection, table: pa.Table | pa.RecordBatchReader, name: str
    ) -> Iterator[str]:
        # Registering lets DuckDB scan the Arrow table in place (no copy, no inserts), or
        # pull a reader's batches one at a time as its query runs.
        view = f"{name}_{uuid.uuid4().hex[:8]}"
        native = self.native(connection)
        native.register(view, table)
        try:
            yield view
        finally:
            native.unregister(view)

    @contextmanager
    def run_lock(self, timeout_seconds: float) -> Iterator[None]:
        # DuckDB allows one writing process per file; a lock file beside it queues runs.
        lock = FileLock(f"{self.path}.run.lock")
        try:
            lock.acquire(timeout=timeout_seconds)
        except Timeout:
            raise WarehouseBusy(
                f"another run has held {lock.lock_file} for over {timeout_seconds:.0f} s"
            ) from None
        try:
            yield
        finally:
            lock.release()

    def try_date(self, text_sql: str, day_first: bool) -> str:
        pattern = "%d/%m/%Y" if day_first else "%Y-%m-%d"
        return f"cast(try_strptime({text_sql}, '{pattern}') as date)"

    def try_double(self, text_sql: str) -> str:
        number = f"try_cast({text_sql} as double)"
        # Overflow ("1e400") reads as infinity; only finite numbers count.
        return f"case when isfinite({number}) then {number} end"
