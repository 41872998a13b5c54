"""The marts' descriptions reach BI tools as table and column comments.

dbt writes each mart's YAML description, and each column's, into the warehouse
(persist_docs); what BI tools read must still hold them after publishing: on DuckDB
the snapshot file (a copy of the tables), on PostgreSQL schema ``marts`` (swapped in
by renaming schemas). The comments are read back the way a BI tool's catalogue reads
them (duckdb_tables()/duckdb_columns(); obj_description/col_description) and compared
with the YAML files' descriptions as dbt renders them (doc blocks filled in), read
from its manifest.
"""

from __future__ import annotations

import json

import pytest

from configuration import DBT_MANIFEST, DuckDBFile
from tests.published_marts import Published
from tests.warehouses import served_rows

pytestmark = pytest.mark.slow

Described = dict[str, tuple[str, dict[str, str]]]  # mart -> (description, column descriptions)

DUCKDB_COMMENTS = """
    select table_name, null, comment from duckdb_tables() where schema_name = 'marts'
    union all
    select view_name, null, comment from duckdb_views() where schema_name = 'marts'
    union all
    select table_name, column_name, comment from duckdb_columns() where schema_name = 'marts'
"""
POSTGRES_COMMENTS = """
    select c.relname, null, obj_description(c.oid, 'pg_class')
    from pg_class as c join pg_namespace as n on n.oid = c.relnamespace
    where n.nspname = 'marts' and c.relkind in ('r', 'v')
    union all
    select c.relname, a.attname, col_description(c.oid, a.attnum)
    from pg_class as c
    join pg_namespace as n on n.oid = c.relnamespace
    join pg_attribute as a on a.attrelid = c.oid and a.attnum > 0 and not a.attisdropped
    where n.nspname = 'marts' and c.relkind in ('r', 'v')
"""


def _words(text: str | None) -> str | None:
    """A description as one line: YAML's folded text ends in a newline dbt keeps."""
    return None if text is None else " ".join(text.split())


def documented_descriptions() -> Described:
    """Each mart's YAML descriptions, with doc blocks filled in as dbt's manifest has them."""
    manifest = json.loads(DBT_MANIFEST.read_text(encoding="utf-8"))
    described: Described = {}
    for node in manifest["nodes"].values():
        if node["resource_type"] == "model" and node["original_file_path"].startswith(
            "models/marts/"
        ):
            columns = {name: _words(c["description"]) for name, c in node["columns"].items()}
            described[node["name"]] = (_words(node["description"]), columns)
    return described


def published_comments(published: Published) -> Described:
    on_duckdb = isinstance(published.settings.warehouse, DuckDBFile)
    found = served_rows(published.settings, DUCKDB_COMMENTS if on_duckdb else POSTGRES_COMMENTS)
    comments: Described = {}
    for relation, column, comment in sorted(found, key=lambda r: (r[0], r[1] or "")):
        description, columns = comments.setdefault(relation, (None, {}))
        if column is None:
            comments[relation] = (_words(comment), columns)
        else:
            columns[column] = _words(comment)
    return comments


def test_every_mart_and_column_description_is_a_comment_bi_tools_read(
    published_marts: Published,
) -> None:
    expected = documented_descriptions()
    assert expected["fct_place_totals"][1]["social_value_gbp"].startswith("Total value")
    assert published_comments(published_marts) == expected
