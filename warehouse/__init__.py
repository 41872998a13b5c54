"""The warehouse database behind one interface: DuckDB (embedded default) or PostgreSQL.

A :class:`Warehouse` owns what differs between engines and nothing else: connecting,
bringing an Arrow table into SQL in bulk, the run lock that keeps two runs from
interleaving their writes, and the few SQL spellings that differ (parsing a date or a
number without raising). Everything above it writes portable SQL through SQLAlchemy.

This layer knows no return fields or rules; it imports only ``configuration``.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from configuration import DuckDBFile, WarehouseLocation
from warehouse.base import Warehouse, WarehouseBusy

__all__ = ["Warehouse", "WarehouseBusy", "open_warehouse"]


@contextmanager
def open_warehouse(location: WarehouseLocation) -> Iterator[Warehouse]:
    """The warehouse at ``location`` for the duration of a block; connections close on exit.

    On DuckDB the file lock is released on exit, so that dbt (a subprocess) can open it.
    """
    if isinstance(location, DuckDBFile):
        from warehouse.duckdb import DuckDBWarehouse

        warehouse: Warehouse = DuckDBWarehouse(location)
    else:
        from warehouse.postgres import PostgresWarehouse

        warehouse = PostgresWarehouse(location)
    try:
        yield warehouse
    finally:
        warehouse.dispose()
