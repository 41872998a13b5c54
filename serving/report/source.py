"""The marts the report reads: the published ones, exactly as BI tools see them.

On DuckDB that is the read-only snapshot file (``SVW_SERVING``), never the warehouse
file: a report made while a run holds the warehouse neither waits for it nor blocks
it. On PostgreSQL it is schema ``marts`` of the warehouse database.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import sqlalchemy as sa

from configuration import DuckDBFile, WarehouseLocation


class NothingPublished(RuntimeError):
    """No marts have been published yet: run the pipeline first."""


@contextmanager
def published_marts(location: WarehouseLocation, serving_path: Path) -> Iterator[sa.Connection]:
    """A connection on which ``marts.*`` are the published marts."""
    if isinstance(location, DuckDBFile):
        if not serving_path.exists():
            raise NothingPublished(
                f"no published marts at {serving_path}: run `svw run` (or `svw demo`) first"
            )
        engine = sa.create_engine(f"duckdb:///{serving_path}", connect_args={"read_only": True})
    else:
        engine = sa.create_engine(location.sqlalchemy_url())
    try:
        with engine.connect() as connection:
            yield connection
    finally:
        engine.dispose()
