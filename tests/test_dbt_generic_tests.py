"""The project's own generic data tests find what they promise, on both engines.

Each is run the way ``dbt show`` runs any SQL, on a table made here with NULLs placed
by hand, and its failing rows are compared with the cells counted by hand.
"""

from __future__ import annotations

import json
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.dbt_builds import BuiltWarehouse, dbt_command, execute, new_warehouse

pytestmark = pytest.mark.slow

# a: no NULL; b: NULL in row 2; c: NULL in rows 1 and 2.
PROBE_ROWS = "(1, 'x', null), (2, null, null), (3, 'y', 5)"


@pytest.fixture(scope="module", params=["duckdb", "postgres"])
def probed(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[BuiltWarehouse, dict[str, str], Path]]:
    warehouse, env, tmp = new_warehouse(request, tmp_path_factory, "svw_generic_tests")
    execute(warehouse, "create schema if not exists probes")
    execute(warehouse, "create table probes.probe (a integer, b varchar(10), c integer)")
    execute(warehouse, f"insert into probes.probe values {PROBE_ROWS}")
    yield warehouse, env, tmp


def failing_rows(probed: tuple[BuiltWarehouse, dict[str, str], Path], test_call: str) -> list:
    """The rows a generic test returns on probes.probe (a test passes on none)."""
    _, env, tmp = probed
    probe = "api.Relation.create(schema='probes', identifier='probe')"
    result = subprocess.run(
        [
            *dbt_command("show", tmp),
            *("--quiet", "--output", "json"),
            *("--inline", "{{ " + test_call.format(model=probe) + " }}"),
        ],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, f"dbt show failed:\n{result.stdout}\n{result.stderr}"
    return json.loads(result.stdout)["show"]


def test_not_null_columns_names_each_column_with_nulls_and_how_many(probed) -> None:
    found = failing_rows(
        probed, "test_not_null_columns(model={model}, column_names=['a', 'b', 'c'])"
    )
    assert sorted((r["null_column"], r["null_rows"]) for r in found) == [("b", 1), ("c", 2)]


def test_not_null_columns_passes_when_the_listed_columns_are_full(probed) -> None:
    assert failing_rows(probed, "test_not_null_columns(model={model}, column_names=['a'])") == []
