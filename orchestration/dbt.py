"""dbt models as Dagster assets; dbt tests appear as asset checks.

Seeds and models are two asset sets because ingestion sits between them: files are
validated against the seeded measure catalogue before the staging models read them.
The seeds are rebuilt only when they changed since their last build into the warehouse,
and the models are built with ``--full-refresh`` when their code did
(``orchestration.seed_builds``). The manifest is parsed by `make` (and again on each
reload under `dagster dev`); at run time dbt writes only under the Dagster home
(``orchestration.dbt_cli``).
"""

from collections.abc import Iterator, Mapping, Sequence
from functools import cached_property
from importlib import metadata
from pathlib import Path
from typing import Any

import dagster as dg
from dagster_dbt import DagsterDbtTranslator, DbtCliResource, DbtProject, dbt_assets
from dagster_dbt.asset_utils import get_manifest_and_translator_from_dbt_assets
from packaging import version

from configuration import DBT_PROJECT_DIR, Settings
from ingest.progress import counter
from orchestration.dbt_cli import (
    dbt_executable,
    dbt_target,
    environment_dbt,
    environment_for_dbt,
    invocation_folder,
)
from orchestration.dbt_metadata import relation_metadata
from orchestration.resources import WarehouseResource
from orchestration.seed_builds import (
    MODEL_BUILDS,
    build_fingerprint,
    current_build,
    current_seed_build,
    record_build,
    record_seed_build,
    seed_fingerprint,
)

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
# Where dagster-dbt's asset specs name their dbt node.
DAGSTER_DBT_UNIQUE_ID = "dagster_dbt/unique_id"


# dbt's unit tests check the SQL against fixed inputs, not the warehouse's data: they
# run in `make test` and CI (tests/test_dbt_project.py), not on every pipeline run.
_RUN_BUILD = ["build", "--exclude-resource-type", "unit_test"]


class PipelineDbtResource(DbtCliResource):
    """The dbt CLI as runs use it: artefacts, logs and parse state in ``artefacts_dir``
    (one folder per warehouse under the Dagster home), never in dbt_project/."""

    artefacts_dir: str

    def _initialize_dbt_core_adapter(self, args: Sequence[str]) -> None:
        """No in-process dbt adapter (a dagster-dbt hook, pinned version).

        dagster-dbt loads dbt's profile, project and adapter into this process before
        each invocation, only to fetch column metadata and row counts: seconds of
        imports and parsing per invocation. ``orchestration.dbt_metadata`` reads both
        from the warehouse in two queries once dbt has finished.
        """
        return None

    @cached_property
    def _cli_version(self) -> version.Version:
        """dbt-core's version, read from this environment's package metadata.

        dagster-dbt runs ``dbt --version`` once per run to learn it: about 2 s of dbt's
        imports for a number the environment already records. The dbt this resource
        runs is this environment's unless it has none
        (:func:`orchestration.dbt_cli.dbt_executable`).
        """
        if Path(self.dbt_executable) == environment_dbt():
            return version.parse(metadata.version("dbt-core"))
        return super()._cli_version

    def build(
        self,
        context: dg.AssetExecutionContext,
        warehouse: WarehouseResource,
        full_refresh: bool = False,
    ) -> Iterator[Any]:
        """``dbt build`` of the asset set ``context`` selects, streamed as Dagster events;
        with ``full_refresh``, incremental models are rebuilt whole."""
        # DuckDB allows one writing process: our connections close so that dbt can open it.
        warehouse.warehouse.dispose()
        name = context.op_execution_context.op.name
        with invocation_folder(Path(self.artefacts_dir), name) as target:
            with environment_for_dbt(warehouse.location):
                arguments = [*_RUN_BUILD, "--full-refresh"] if full_refresh else _RUN_BUILD
                invocation = self.cli(arguments, context=context, target_path=target)
            stream = _counted(invocation.stream(), context)
            if warehouse.duckdb_path is None:
                # PostgreSQL: each relation is described as soon as dbt reports it built,
                # so Dagster records the events while dbt goes on.
                for event in stream:
                    yield from _with_relation_metadata([event], invocation.manifest, warehouse)
                return
            events, failure = _all_events(stream)
        if failure is not None:
            yield from events
            raise failure
        yield from _with_relation_metadata(events, invocation.manifest, warehouse)


# What dagster-dbt yields once a node is done: a model or seed built, a test run.
_NODE_DONE = (dg.Output, dg.AssetMaterialization, dg.AssetCheckResult, dg.AssetCheckEvaluation)


def _counted(stream: Iterator[Any], context: dg.AssetExecutionContext) -> Iterator[Any]:
    """dbt's events as they come, counting its nodes on a bar (on a terminal)."""
    selected = context.selected_asset_keys, context.selected_asset_check_keys
    name = context.op_execution_context.op.name
    bar = counter(f"dbt: {name}", sum(len(keys) for keys in selected))
    try:
        for event in stream:
            if isinstance(event, _NODE_DONE):
                bar.advance()
            yield event
    finally:
        bar.close()


def _all_events(stream: Iterator[Any]) -> tuple[list[Any], Exception | None]:
    """Every event of a dbt invocation, and the error it ended with, if any.

    DuckDB: dbt's process holds the only lock on the file until it ends, so the events
    are held until then and described together. Dagster then records them after dbt
    rather than beside it, which adds the time of writing them to the step (the demo's
    929 events: most of a minute on a heavily loaded machine).
    """
    events: list[Any] = []
    try:
        for event in stream:
            events.append(event)
    except Exception as failure:  # noqa: BLE001 - re-raised by the caller after the events
        return events, failure
    return events, None


def _with_relation_metadata(
    events: list[Any], manifest: Mapping[str, Any], warehouse: WarehouseResource
) -> Iterator[Any]:
    """The events, each model's and seed's with its row count and column types."""
    unique_ids = [_unique_id(event) for event in events]
    nodes = {unique_id: manifest["nodes"][unique_id] for unique_id in unique_ids if unique_id}
    described = relation_metadata(warehouse.warehouse, nodes) if nodes else {}
    for event, unique_id in zip(events, unique_ids, strict=True):
        extra = described.get(unique_id) if unique_id else None
        yield event.with_metadata({**event.metadata, **extra}) if extra else event


def _unique_id(event: Any) -> str | None:
    """The dbt node a materialisation event is of (dagster-dbt puts it in the metadata)."""
    if isinstance(event, dg.Output | dg.AssetMaterialization) and "unique_id" in event.metadata:
        return event.metadata["unique_id"].value
    return None


def dbt_resource(settings: Settings) -> PipelineDbtResource:
    return PipelineDbtResource(
        project_dir=svw_dbt_project,
        target=dbt_target(settings.warehouse),
        dbt_executable=dbt_executable(),
        artefacts_dir=str(settings.dbt_artefacts_dir),
    )


@dbt_assets(
    manifest=svw_dbt_project.manifest_path,
    project=svw_dbt_project,
    select="resource_type:seed",
    name="reference_seeds",
    dagster_dbt_translator=translator,
)
def reference_seeds(
    context: dg.AssetExecutionContext, dbt: PipelineDbtResource, warehouse: WarehouseResource
) -> Iterator[Any]:
    # Only a build of every seed is recorded, so only then may the next run skip them.
    complete = context.selected_asset_keys == context.assets_def.keys
    fingerprint = seed_fingerprint()
    tables = [(key.path[0], key.path[-1]) for key in context.assets_def.keys]
    built_in = complete and current_seed_build(warehouse.warehouse, fingerprint, tables)
    if built_in:
        context.log.info(f"seeds unchanged since run {built_in} built and tested them")
        yield from _unchanged_seeds(context, fingerprint, built_in, warehouse)
        return
    yield from dbt.build(context, warehouse)
    if complete:
        record_seed_build(warehouse.warehouse, fingerprint, context.run.run_id)


def _unchanged_seeds(
    context: dg.AssetExecutionContext,
    fingerprint: str,
    built_in: str,
    warehouse: WarehouseResource,
) -> Iterator[dg.MaterializeResult | dg.AssetCheckResult]:
    """What the seeds step reports when it skips dbt: every selected seed and test.

    Downstream steps wait for every selected output, so each seed is reported (with its
    row count and column types, as after a build); its tests passed in the build
    recorded for this fingerprint (a failed build is never recorded), and the tables
    have not been rebuilt since.
    """
    unchanged = {"rebuilt": False, "seed_fingerprint": fingerprint, "built_in_run": built_in}
    manifest, _, _ = get_manifest_and_translator_from_dbt_assets([context.assets_def])
    unique_ids = {
        spec.key: spec.metadata[DAGSTER_DBT_UNIQUE_ID] for spec in context.assets_def.specs
    }
    selected = sorted(context.selected_asset_keys)
    described = relation_metadata(
        warehouse.warehouse,
        {unique_ids[key]: manifest["nodes"][unique_ids[key]] for key in selected},
    )
    for key in selected:
        yield dg.MaterializeResult(
            asset_key=key, metadata={**unchanged, **described.get(unique_ids[key], {})}
        )
    for check in sorted(context.selected_asset_check_keys):
        yield dg.AssetCheckResult(
            asset_key=check.asset_key, check_name=check.name, passed=True, metadata=unchanged
        )


@dbt_assets(
    manifest=svw_dbt_project.manifest_path,
    project=svw_dbt_project,
    exclude="resource_type:seed",
    name="warehouse_models",
    dagster_dbt_translator=translator,
)
def warehouse_models(
    context: dg.AssetExecutionContext, dbt: PipelineDbtResource, warehouse: WarehouseResource
) -> Iterator[Any]:
    # Incremental models extend what earlier builds computed: only with the same code.
    fingerprint = build_fingerprint(MODEL_BUILDS)
    full_refresh = current_build(warehouse.warehouse, MODEL_BUILDS, fingerprint) is None
    if full_refresh:
        context.log.info("no complete build of the models' current code here: --full-refresh")
    yield from dbt.build(context, warehouse, full_refresh=full_refresh)
    if context.selected_asset_keys == context.assets_def.keys:
        record_build(warehouse.warehouse, MODEL_BUILDS, fingerprint, context.run.run_id)


SEED_KEYS = sorted(reference_seeds.keys)
MART_KEYS = sorted(k for k in warehouse_models.keys if k.path[0] == "marts")
