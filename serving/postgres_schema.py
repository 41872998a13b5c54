"""PostgreSQL serving: swap the schema dbt built into ``marts`` in one transaction.

dbt builds the marts into :data:`BUILD_SCHEMA` (``dbt_project/macros``). Publishing
grants the reader role SELECT on it, then renames ``marts`` to a retired name and the
build schema to ``marts``, both in one transaction: a BI query sees the old marts or the
new. Renaming a schema takes no lock on its tables, so a long BI query never blocks a
run; dropping a retired schema would, so it is attempted with a short lock timeout and
left for a later run when a reader still holds it.
"""

from __future__ import annotations

from datetime import UTC, datetime

import sqlalchemy as sa

from configuration import MARTS_SCHEMA as PUBLISHED_SCHEMA
from configuration import POSTGRES_MARTS_BUILD_SCHEMA as BUILD_SCHEMA
from warehouse import Warehouse
from warehouse.base import checked_identifier

RETIRED_PREFIX = "marts_retired_"


class ServingError(RuntimeError):
    """The marts could not be published; BI tools keep the previous marts."""


def _schema_exists(connection: sa.Connection, schema: str) -> bool:
    return bool(
        connection.execute(
            sa.text("select count(*) from information_schema.schemata where schema_name = :s"),
            {"s": schema},
        ).scalar_one()
    )


def _ensure_reader_role(connection: sa.Connection, role: str) -> None:
    exists = connection.execute(
        sa.text("select count(*) from pg_roles where rolname = :r"), {"r": role}
    ).scalar_one()
    if exists:
        return
    try:
        with connection.begin_nested():
            connection.exec_driver_sql(f"create role {role} nologin")
    except sa.exc.DBAPIError as problem:
        raise ServingError(
            f"the reader role {role!r} does not exist and this user may not create it; "
            f"as a superuser run: create role {role} nologin; (see the README, "
            "'Connecting a BI tool')"
        ) from problem


def _row_counts(connection: sa.Connection, schema: str) -> dict[str, int]:
    names = connection.execute(
        sa.text(
            "select table_name from information_schema.tables where table_schema = :s "
            "order by table_name"
        ),
        {"s": schema},
    ).scalars()
    return {
        f"{PUBLISHED_SCHEMA}.{name}": connection.exec_driver_sql(
            f'select count(*) from {schema}."{name}"'
        ).scalar_one()
        for name in list(names)
    }


def publish_schema(warehouse: Warehouse, reader_role: str) -> dict[str, int]:
    role = checked_identifier(reader_role)
    retired = f"{RETIRED_PREFIX}{datetime.now(UTC):%Y%m%d%H%M%S%f}"
    with warehouse.begin() as connection:
        if not _schema_exists(connection, BUILD_SCHEMA):
            raise ServingError(f"schema {BUILD_SCHEMA} is missing: dbt has not built the marts")
        # Waiting for a lock must never hang a run; the swap itself takes none on tables.
        connection.exec_driver_sql("set local lock_timeout = '10s'")
        _ensure_reader_role(connection, role)
        connection.exec_driver_sql(f"grant usage on schema {BUILD_SCHEMA} to {role}")
        connection.exec_driver_sql(f"grant select on all tables in schema {BUILD_SCHEMA} to {role}")
        counts = _row_counts(connection, BUILD_SCHEMA)
        if _schema_exists(connection, PUBLISHED_SCHEMA):
            connection.exec_driver_sql(f"alter schema {PUBLISHED_SCHEMA} rename to {retired}")
        connection.exec_driver_sql(f"alter schema {BUILD_SCHEMA} rename to {PUBLISHED_SCHEMA}")
    drop_retired(warehouse)
    return counts


def drop_retired(warehouse: Warehouse) -> list[str]:
    """Drop retired marts no reader holds any more; returns those still held."""
    with warehouse.connect() as connection:
        retired = list(
            connection.execute(
                sa.text(
                    "select schema_name from information_schema.schemata "
                    "where schema_name like :p order by 1"
                ),
                {"p": RETIRED_PREFIX + "%"},
            ).scalars()
        )
    held = []
    for schema in retired:
        try:
            with warehouse.begin() as connection:
                connection.exec_driver_sql("set local lock_timeout = '1s'")
                connection.exec_driver_sql(f"drop schema {checked_identifier(schema)} cascade")
        except sa.exc.OperationalError:
            held.append(schema)  # a reader still has it open: a later run drops it
    return held
