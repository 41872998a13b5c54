"""Publishing on PostgreSQL: a SELECT-only reader role, an atomic swap, and a long BI
query that neither blocks a run nor sees a half-published state."""

from __future__ import annotations

import threading
import time

import duckdb
import psycopg2
import pytest
import sqlalchemy as sa

from configuration import DuckDBFile, PostgresDatabase
from serving import publish
from serving.postgres_schema import BUILD_SCHEMA, RETIRED_PREFIX, drop_retired
from serving.published import published_connection, read_published_marts
from tests.warehouses import postgres_rows
from warehouse import open_warehouse

READER_ROLE, BI_LOGIN = "svw_reader", "bi_tool"


def build_marts(database: PostgresDatabase, version: int) -> None:
    """What dbt leaves behind: the next marts in the build schema (and raw data beside)."""
    statements = [
        "create schema if not exists raw",
        "create table if not exists raw.secret as select 1 as v",
        f"create schema {BUILD_SCHEMA}",
        f"create table {BUILD_SCHEMA}.fct_place_totals as "
        f"select g as n, {version} as version from generate_series(1, {version}) as g",
        f"create table {BUILD_SCHEMA}.dim_place as select 'E08000003' as place_code",
    ]
    connection = _connect(database)
    try:
        with connection.cursor() as cursor:
            for statement in statements:
                cursor.execute(statement)
        connection.commit()
    finally:
        connection.close()


def _connect(database: PostgresDatabase, user: str | None = None):
    return psycopg2.connect(
        host=database.host, port=database.port, user=user or database.user, dbname=database.database
    )


def publish_now(database: PostgresDatabase) -> dict[str, int]:
    with open_warehouse(database) as warehouse:
        return publish(warehouse, serving_path=None, reader_role=READER_ROLE)  # type: ignore[arg-type]


@pytest.fixture
def bi_login(postgres_database: PostgresDatabase) -> str:
    """A BI tool's login: the two statements the README gives, run as an administrator."""
    build_marts(postgres_database, 1)
    publish_now(postgres_database)  # creates the reader role
    connection = _connect(postgres_database)
    connection.autocommit = True
    with connection.cursor() as cursor:
        cursor.execute(f"drop role if exists {BI_LOGIN}")
        cursor.execute(f"create role {BI_LOGIN} login in role {READER_ROLE}")
    connection.close()
    return BI_LOGIN


def test_publish_swaps_in_the_build_schema(postgres_database: PostgresDatabase) -> None:
    build_marts(postgres_database, 2)
    assert publish_now(postgres_database) == {"marts.dim_place": 1, "marts.fct_place_totals": 2}
    build_marts(postgres_database, 3)
    publish_now(postgres_database)
    schemas = postgres_rows(
        postgres_database,
        "select schema_name from information_schema.schemata "
        "where schema_name like 'marts%' order by 1",
    )
    # The build schema became marts; the old marts were dropped, as no reader held them.
    assert schemas == [("marts",)]
    assert postgres_rows(
        postgres_database, "select count(*), max(version) from marts.fct_place_totals"
    ) == [(3, 3)]


def test_reader_role_can_only_select_the_marts(
    postgres_database: PostgresDatabase, bi_login: str
) -> None:
    assert postgres_rows(postgres_database, "select count(*) from marts.dim_place", bi_login) == [
        (1,)
    ]
    for forbidden in (
        "select * from raw.secret",
        "insert into marts.dim_place values ('E09000001')",
        "drop table marts.dim_place",
        "create table marts.mine (v int)",
    ):
        with pytest.raises(psycopg2.errors.InsufficientPrivilege):
            postgres_rows(postgres_database, forbidden, bi_login)


def _active_queries(database: PostgresDatabase, user: str) -> int:
    return postgres_rows(
        database,
        f"select count(*) from pg_stat_activity where usename = '{user}' and state = 'active'",
    )[0][0]


def test_a_long_bi_query_never_blocks_a_publish(
    postgres_database: PostgresDatabase, bi_login: str
) -> None:
    answer: list[tuple] = []

    def long_query() -> None:
        reader = _connect(postgres_database, bi_login)
        try:
            with reader.cursor() as cursor:
                cursor.execute(
                    "select count(*), max(version) from marts.fct_place_totals "
                    "where pg_sleep(3) is not null"
                )
                answer.append(cursor.fetchone())
        finally:
            reader.close()

    query = threading.Thread(target=long_query)
    query.start()
    while _active_queries(postgres_database, bi_login) == 0:
        time.sleep(0.05)  # until the BI query is running and holds the old marts

    build_marts(postgres_database, 4)
    publish_now(postgres_database)
    # The publish returned while the BI query was still running: it did not wait for it.
    assert query.is_alive()
    query.join()

    # The query read the marts it started on, whole; a new one reads the new marts whole.
    assert answer == [(1, 1)]
    assert postgres_rows(
        postgres_database, "select count(*), max(version) from marts.fct_place_totals", bi_login
    ) == [(4, 4)]
    # The retired marts the query held were left for later; now they are free to drop.
    retired = (
        "select count(*) from information_schema.schemata "
        f"where schema_name like '{RETIRED_PREFIX}%'"
    )
    assert postgres_rows(postgres_database, retired) == [(1,)]
    with open_warehouse(postgres_database) as warehouse:
        assert drop_retired(warehouse) == []
    assert postgres_rows(postgres_database, retired) == [(0,)]


def test_readers_of_the_snapshot_are_bounded_as_the_run_is(tmp_path) -> None:
    snapshot = tmp_path / "serving.duckdb"
    with duckdb.connect(str(snapshot)) as connection:
        connection.execute("create schema marts; create table marts.totals as select 1 as x")
    location = DuckDBFile(tmp_path / "warehouse.duckdb", memory_limit="300MB")
    with published_connection(location, snapshot) as connection:
        limit = connection.execute(sa.text("select current_setting('memory_limit')")).scalar()
    # 300 MB is 300,000,000 bytes: 286.1 MiB
    assert limit == "286.1 MiB"
    assert read_published_marts(location, snapshot)["totals"].to_pylist() == [{"x": 1}]
