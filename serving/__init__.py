"""Publishing the marts to BI tools: readers see the old marts or the new, never half.

BI tools never read what dbt is building. On DuckDB they open a separate read-only
snapshot file, replaced by atomic rename (:mod:`serving.duckdb_snapshot`); on PostgreSQL
they read schema ``marts`` through a SELECT-only role, and dbt builds into a shadow
schema that is swapped in by one transaction (:mod:`serving.postgres_schema`).
"""

from __future__ import annotations

from pathlib import Path

from warehouse import Warehouse


def publish(warehouse: Warehouse, serving_path: Path, reader_role: str) -> dict[str, int]:
    """Publish what dbt built; returns the row count of each published relation."""
    from warehouse.duckdb import DuckDBWarehouse

    if isinstance(warehouse, DuckDBWarehouse):
        from serving.duckdb_snapshot import publish_snapshot

        # The snapshot opens the file read-only, which DuckDB refuses beside our own
        # read-write connections in this process: close them (they reopen on demand).
        warehouse.dispose()
        return publish_snapshot(warehouse.location, serving_path)
    from serving.postgres_schema import publish_schema

    return publish_schema(warehouse, reader_role)
