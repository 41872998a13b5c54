"""The warehouse tables that ingestion owns (schema ``raw``) and how to connect.

dbt owns every other schema. DuckDB allows one writing process per file, so a
process opens the warehouse through one SQLAlchemy engine, and disposes it before
dbt (a subprocess) needs the file.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import duckdb
import sqlalchemy as sa

RAW_DDL = """
create schema if not exists raw;
create schema if not exists landing;
create sequence if not exists raw.submission_id_seq start 1;
create table if not exists raw.submissions (
    submission_id bigint primary key,
    submitter varchar,
    original_path varchar not null,
    sha256 varchar not null,
    size_bytes bigint not null,
    file_format varchar,
    received_at timestamp not null,
    processed_at timestamp not null,
    status varchar not null,
    line_count integer not null,
    error_count integer not null,
    final_location varchar not null,
    report_location varchar,
    duplicate_of bigint,
    run_id varchar,
    warnings varchar,
    moved_at timestamp
);
create table if not exists raw.return_lines (
    submission_id bigint not null,
    source_row integer not null,
    submitter varchar not null,
    organisation_id varchar not null,
    organisation_name varchar not null,
    sector varchar not null,
    period_start date not null,
    period_end date not null,
    measure_code varchar not null,
    edition varchar not null,
    quantity double precision not null,
    unit varchar,
    place_code varchar not null,
    contract_ref varchar,
    evidence varchar
);
"""


def create_engine(path: Path | str) -> sa.Engine:
    """An engine on a DuckDB file (``:memory:`` for a throwaway database)."""
    return sa.create_engine(f"duckdb:///{path}")


@contextmanager
def open_warehouse(path: Path) -> Iterator[sa.Engine]:
    """Engine for the duration of a block; the file lock is released on exit."""
    path.parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(path)
    try:
        yield engine
    finally:
        engine.dispose()


def duckdb_connection(connection: sa.Connection) -> duckdb.DuckDBPyConnection:
    """The native DuckDB connection under a SQLAlchemy one (for Arrow bulk loads)."""
    return connection.connection.driver_connection  # type: ignore[return-value]


def ensure_raw_schema(engine: sa.Engine) -> None:
    with engine.begin() as connection:
        duckdb_connection(connection).execute(RAW_DDL)
