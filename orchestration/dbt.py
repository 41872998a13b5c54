"""dbt models as Dagster assets; dbt tests appear as asset checks.

Seeds and models are two asset sets because ingestion sits between them: files are
validated against the seeded measure catalogue before the staging models read them.
The manifest is parsed by `make` (and again on each reload under `dagster dev`).
"""

from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import dagster as dg
from dagster_dbt import DagsterDbtTranslator, DbtCliResource, DbtProject, dbt_assets

from configuration import DBT_PROJECT_DIR, DuckDBFile, WarehouseLocation
from orchestration.resources import WarehouseResource, dbt_executable, environment_for_dbt

svw_dbt_project = DbtProject(project_dir=DBT_PROJECT_DIR, profiles_dir=DBT_PROJECT_DIR)
svw_dbt_project.prepare_if_dev()


class SvwDbtTranslator(DagsterDbtTranslator):
    """Keys are ``[schema, name]`` (``marts/fct_place_totals``), groups are dbt layers.

    The key names the schema as written in the project, not where a target builds it
    (PostgreSQL builds the marts into a shadow schema; serving swaps it in).
    """

    def get_asset_key(self, dbt_resource_props: Mapping[str, Any]) -> dg.AssetKey:
        if dbt_resource_props["resource_type"] == "source":
            return super().get_asset_key(dbt_resource_props)
        return dg.AssetKey([_layer(dbt_resource_props), dbt_resource_props["name"]])

    def get_group_name(self, dbt_resource_props: Mapping[str, Any]) -> str | None:
        if dbt_resource_props["resource_type"] == "source":
            return None
        return _layer(dbt_resource_props)


def _layer(dbt_resource_props: Mapping[str, Any]) -> str:
    return dbt_resource_props["config"].get("schema") or dbt_resource_props["schema"]


translator = SvwDbtTranslator()


def dbt_resource(location: WarehouseLocation) -> DbtCliResource:
    return DbtCliResource(
        project_dir=svw_dbt_project,
        target="duckdb" if isinstance(location, DuckDBFile) else "postgres",
        dbt_executable=dbt_executable(),
    )


def _dbt_build(
    context: dg.AssetExecutionContext, dbt: DbtCliResource, warehouse: WarehouseResource
) -> Iterator[Any]:
    # DuckDB allows one writing process: our connections close so that dbt can open it.
    warehouse.warehouse.dispose()
    with environment_for_dbt(warehouse.location):
        invocation = dbt.cli(["build"], context=context)
    yield from invocation.stream()


@dbt_assets(
    manifest=svw_dbt_project.manifest_path,
    project=svw_dbt_project,
    select="resource_type:seed",
    name="reference_seeds",
    dagster_dbt_translator=translator,
)
def reference_seeds(
    context: dg.AssetExecutionContext, dbt: DbtCliResource, warehouse: WarehouseResource
) -> Iterator[Any]:
    yield from _dbt_build(context, dbt, warehouse)


@dbt_assets(
    manifest=svw_dbt_project.manifest_path,
    project=svw_dbt_project,
    exclude="resource_type:seed",
    name="warehouse_models",
    dagster_dbt_translator=translator,
)
def warehouse_models(
    context: dg.AssetExecutionContext, dbt: DbtCliResource, warehouse: WarehouseResource
) -> Iterator[Any]:
    yield from _dbt_build(context, dbt, warehouse)


SEED_KEYS = sorted(reference_seeds.keys)
MART_KEYS = sorted(k for k in warehouse_models.keys if k.path[0] == "marts")


def seed_reference_tables(location: WarehouseLocation, scratch: Path) -> None:
    """``dbt seed`` into ``location`` outside a run (``svw validate``'s throwaway warehouse).

    The seeds are the one owner of the reference tables, offline as in the pipeline.
    """
    with environment_for_dbt(location):
        invocation = dbt_resource(location).cli(["seed", "--quiet"], target_path=scratch)
    invocation.wait()
