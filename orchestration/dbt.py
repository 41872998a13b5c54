"""dbt models as Dagster assets; dbt tests appear as asset checks.

Seeds and models are two asset sets because ingestion sits between them: files are
validated against the seeded measure catalogue before the staging models read them.
"""

import os
from collections.abc import Iterator, Mapping
from typing import Any

import dagster as dg
from dagster_dbt import DagsterDbtTranslator, DbtCliResource, DbtProject, dbt_assets

from orchestration.resources import SvwSettings, dbt_executable
from svw.settings import DBT_PROJECT_DIR, Settings

svw_dbt_project = DbtProject(
    project_dir=DBT_PROJECT_DIR,
    profiles_dir=DBT_PROJECT_DIR,
    target=Settings.from_env().dbt_target,
)
if os.environ.get("DAGSTER_IS_DEV_CLI") or not svw_dbt_project.manifest_path.exists():
    # Under `dagster dev` re-parse on every reload so edited models show up; elsewhere
    # only when missing (`make` parses before every target). Our own dbt executable:
    # dagster-dbt's preparer looks for dbt on PATH, which a code server may not have.
    DbtCliResource(project_dir=svw_dbt_project, dbt_executable=dbt_executable()).cli(
        ["--quiet", "parse"], target_path=svw_dbt_project.target_path
    ).wait()


class SvwDbtTranslator(DagsterDbtTranslator):
    """Keys are ``[schema, name]`` (``marts/place_totals``), groups are dbt layers."""

    def get_asset_key(self, dbt_resource_props: Mapping[str, Any]) -> dg.AssetKey:
        if dbt_resource_props["resource_type"] == "source":
            return super().get_asset_key(dbt_resource_props)
        return dg.AssetKey([dbt_resource_props["schema"], dbt_resource_props["name"]])

    def get_group_name(self, dbt_resource_props: Mapping[str, Any]) -> str | None:
        if dbt_resource_props["resource_type"] == "source":
            return None
        return dbt_resource_props["schema"]


translator = SvwDbtTranslator()


def _dbt_build(
    context: dg.AssetExecutionContext, dbt: DbtCliResource, svw: SvwSettings
) -> Iterator[Any]:
    svw.get()  # exports absolute paths: dbt runs in dbt_project/, not in our directory
    yield from dbt.cli(["build"], context=context).stream()


@dbt_assets(
    manifest=svw_dbt_project.manifest_path,
    project=svw_dbt_project,
    select="resource_type:seed",
    name="reference_seeds",
    dagster_dbt_translator=translator,
)
def reference_seeds(
    context: dg.AssetExecutionContext, dbt: DbtCliResource, svw: SvwSettings
) -> Iterator[Any]:
    yield from _dbt_build(context, dbt, svw)


@dbt_assets(
    manifest=svw_dbt_project.manifest_path,
    project=svw_dbt_project,
    exclude="resource_type:seed",
    name="warehouse_models",
    dagster_dbt_translator=translator,
)
def warehouse_models(
    context: dg.AssetExecutionContext, dbt: DbtCliResource, svw: SvwSettings
) -> Iterator[Any]:
    yield from _dbt_build(context, dbt, svw)


SEED_KEYS = sorted(reference_seeds.keys)
MART_KEYS = sorted(k for k in warehouse_models.keys if k.path[0] == "marts")
