"""Row counts and column types of what dbt built, for the Dagster UI.

dagster-dbt would fetch both through an in-process dbt adapter, which this project
does not load (seconds per run: see ``PipelineDbtResource``). Instead, once dbt has
finished (on DuckDB its process holds the only write lock until then), two queries on
the warehouse describe every relation of the invocation: one over
``information_schema.columns`` for the types, and one ``count(*)`` per table, all
in a single statement. Views get their column types but no row count: counting a
view runs its whole query.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import dagster as dg
import sqlalchemy as sa

from configuration import MARTS_SCHEMA, WarehouseLocation, dbt_environment
from warehouse import Warehouse
from warehouse.base import checked_identifier

# Dagster's own keys: the UI shows these as the asset's row count and column types.
ROW_COUNT = "dagster/row_count"
COLUMN_SCHEMA = "dagster/column_schema"
# dbt materialisations stored as tables, whose rows are cheap to count.
_TABLE_MATERIALIZATIONS = frozenset({"table", "incremental", "seed", "snapshot"})
# information_schema gives PostgreSQL's numeric without its precision and scale.
_NUMERIC_TYPES = frozenset({"numeric", "decimal"})


@dataclass(frozen=True)
class Relation:
    """Where a dbt node was built in the warehouse, and whether its rows are counted."""

    schema: str
    name: str
    is_table: bool

    @property
    def sql_name(self) -> str:
        return f"{checked_identifier(self.schema)}.{checked_identifier(self.name)}"


def built_relation(node: Mapping[str, Any], location: WarehouseLocation) -> Relation:
    """The relation a model or seed of the manifest was built as, on ``location``.

    The manifest names schema ``marts``; a run on PostgreSQL builds it under another
    name (``SVW_DBT_MARTS_SCHEMA``), which ``configuration.dbt_environment`` decides.
    """
    schema = node["schema"]
    if schema == MARTS_SCHEMA:
        schema = dbt_environment(location)["SVW_DBT_MARTS_SCHEMA"]
    materialized = node["config"].get("materialized")
    return Relation(
        schema, node.get("alias") or node["name"], materialized in _TABLE_MATERIALIZATIONS
    )


def relation_metadata(
    warehouse: Warehouse, nodes: Mapping[str, Mapping[str, Any]]
) -> dict[str, dict[str, dg.MetadataValue]]:
    """``dagster/column_schema`` and, for tables, ``dagster/row_count`` of each node,
    by unique id; a node whose relation is not in the warehouse gets nothing."""
    relations = {
        unique_id: built_relation(node, warehouse.location) for unique_id, node in nodes.items()
    }
    with warehouse.connect() as connection:
        columns = _column_types(connection, relations.values())
        present = {key: r for key, r in relations.items() if (r.schema, r.name) in columns}
        counts = _row_counts(connection, [r for r in present.values() if r.is_table])
    metadata: dict[str, dict[str, dg.MetadataValue]] = {}
    for unique_id, relation in present.items():
        schema = _table_schema(columns[(relation.schema, relation.name)], nodes[unique_id])
        metadata[unique_id] = {COLUMN_SCHEMA: dg.MetadataValue.table_schema(schema)}
        if relation in counts:
            metadata[unique_id][ROW_COUNT] = dg.MetadataValue.int(counts[relation])
    return metadata


def _table_schema(columns: list[tuple[str, str]], node: Mapping[str, Any]) -> dg.TableSchema:
    """The warehouse's columns and types, with the descriptions the dbt YAML gives them."""
    described = node.get("columns", {})
    return dg.TableSchema(
        columns=[
            dg.TableColumn(
                name, data_type, description=described.get(name, {}).get("description") or None
            )
            for name, data_type in columns
        ]
    )


def _column_types(
    connection: sa.Connection, relations: Iterable[Relation]
) -> dict[tuple[str, str], list[tuple[str, str]]]:
    """(schema, relation) -> [(column, type)] in column order, for ``relations``."""
    wanted = list(relations)
    rows = connection.execute(
        sa.text(
            "select table_schema, table_name, column_name, data_type, numeric_precision, "
            "numeric_scale from information_schema.columns "
            "where table_catalog = current_database() and table_schema in :schemas "
            "and table_name in :names order by table_schema, table_name, ordinal_position"
        ).bindparams(
            sa.bindparam("schemas", expanding=True), sa.bindparam("names", expanding=True)
        ),
        {
            "schemas": sorted({r.schema for r in wanted}),
            "names": sorted({r.name for r in wanted}),
        },
    ).all()
    found: dict[tuple[str, str], list[tuple[str, str]]] = {}
    for schema, table, column, data_type, precision, scale in rows:
        found.setdefault((schema, table), []).append(
            (column, _type_name(data_type, precision, scale))
        )
    return found


def _type_name(data_type: str, precision: int | None, scale: int | None) -> str:
    """The type as the engine spells it, lower case, with a decimal's precision and scale."""
    name = data_type.lower()
    if name in _NUMERIC_TYPES and precision is not None:
        return f"{name}({precision},{scale or 0})"
    return name


def _row_counts(connection: sa.Connection, tables: list[Relation]) -> dict[Relation, int]:
    """Exact row counts of ``tables``, in one statement."""
    if not tables:
        return {}
    sql = " union all ".join(
        f"select {position} as position, count(*) as row_count from {table.sql_name}"
        for position, table in enumerate(tables)
    )
    return {tables[position]: int(count) for position, count in connection.execute(sa.text(sql))}
