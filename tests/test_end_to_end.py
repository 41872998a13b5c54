"""The whole pipeline, through Dagster, on a local folder and on a real S3 server,
with the warehouse on DuckDB and on PostgreSQL: the same files give the same totals.

The same runs show dbt at run time: seeds built by the first run (their row counts in
the Dagster UI) and not rebuilt by the second, nothing written under dbt_project/,
artefacts per warehouse with the parse state carried between invocations
(tests/test_dbt_runtime.py tests the parts)."""

from __future__ import annotations

import json
from pathlib import Path

import dagster as dg
import pytest

from configuration import DBT_PROJECT_DIR, PostgresDatabase, Settings
from ingest.bucket import Bucket
from orchestration.dbt_cli import INVOCATIONS, KEEP_INVOCATIONS
from svw.demo import demo_files
from svw.runner import run_pipeline
from tests.dbt_builds import seed_rows
from tests.returns import (
    BAD_CSV_ERRORS,
    CURRENT_LINES,
    EXPECTED_FATES,
    EXPECTED_PLACE_TOTALS,
    FIRST_DROP,
    SECOND_DROP,
    UNKNOWN_PLACE,
)
from tests.warehouses import place_totals, raw_rows, served_rows, warehouse_url

pytestmark = pytest.mark.slow


def drop(bucket: Bucket, files: dict[str, bytes]) -> None:
    for path, data in files.items():
        bucket.write(path, data)


def run_both_drops(settings: Settings, new_warehouse: bool = True) -> Bucket:
    """The two drops, a run each; ``new_warehouse``: the first run builds the seeds."""
    bucket = Bucket(settings.bucket_url, settings.s3_endpoint_url)
    drop(bucket, FIRST_DROP)
    first = run_pipeline(settings)
    assert first.success, first.failure
    assert first.seeds_rebuilt == new_warehouse
    if new_warehouse:
        assert_seeds_built_show_their_row_count(settings, first.run_id)
    assert {"seeds", "ingestion", "models", "publish"} <= set(first.step_seconds)
    assert (first.count("loaded"), first.count("rejected"), first.count("duplicate")) == (4, 2, 0)
    # The run summary warns about the place code missing from the place table.
    assert f"Place code {UNKNOWN_PLACE} is not a UK district code" in first.summary_text()
    drop(bucket, SECOND_DROP)
    second = run_pipeline(settings)
    assert second.success, second.failure
    assert (second.count("loaded"), second.count("duplicate")) == (1, 1)
    # Nothing changed in the seeds: dbt is not run for them.
    assert not second.seeds_rebuilt
    assert "seeds" in second.summary_text() and "(unchanged, not rebuilt)" in second.summary_text()
    return bucket


def assert_seeds_built_show_their_row_count(settings: Settings, run_id: str) -> None:
    """The Dagster UI shows the seeds the run built with their row counts (as it shows
    those a later run finds current: tests/test_dagster_ui.py)."""
    catalogue = dg.AssetKey(["reference", "measure_catalogue"])
    with dg.DagsterInstance.from_config(str(settings.dagster_home)) as instance:
        event = instance.get_latest_materialization_event(catalogue)
    assert event is not None and event.run_id == run_id
    metadata = event.asset_materialization.metadata
    assert metadata["dagster/row_count"].value == seed_rows("measure_catalogue")


def _tree(root: Path) -> dict[str, tuple[int, int]]:
    """Every file and folder below ``root`` with its size and modification time."""
    return {
        path.relative_to(root).as_posix(): (path.stat().st_size, path.stat().st_mtime_ns)
        for path in sorted(root.rglob("*"))
    }


def assert_dbt_artefacts_kept_apart(settings: Settings, dbt_project_before: dict) -> None:
    """dbt wrote under the run's Dagster home, never under dbt_project/, pruned its
    invocation folders, and each invocation started from the parse state of the last."""
    assert _tree(DBT_PROJECT_DIR) == dbt_project_before
    artefacts = settings.dbt_artefacts_dir
    assert artefacts.is_relative_to(settings.dagster_home)
    invocations = sorted((artefacts / INVOCATIONS).iterdir())
    assert 0 < len(invocations) <= KEEP_INVOCATIONS
    log = (invocations[-1] / "dbt.log").read_text()
    assert "Unable to do partial parsing" not in log
    assert "Partial parsing enabled" in log


def assert_outcome(settings: Settings, bucket: Bucket) -> None:
    # Every file's fate, in the ledger and in the bucket.
    ledger = {
        r[0]: (r[1], r[2])
        for r in raw_rows(
            settings, "select original_path, status, final_location from raw.submissions"
        )
    }
    assert ledger == EXPECTED_FATES
    assert bucket.pending(0) == []
    for _status, location in EXPECTED_FATES.values():
        assert bucket.exists(location)

    # The sender's report names the exact rows and columns.
    report = json.loads(bucket.read("rejected/acme-build/bad.csv.errors.json"))
    assert report["file"] == "incoming/acme-build/bad.csv"
    assert report["error_count"] == len(BAD_CSV_ERRORS)
    assert [(e["row"], e["column"]) for e in report["errors"]] == BAD_CSV_ERRORS
    assert bucket.exists("rejected/acme-build/bad.csv.errors.xlsx")
    assert json.loads(bucket.read("rejected/stray.csv.errors.json"))["error_count"] == 1

    # Facts: one row per current line, valued quantity x proxy, traceable to file and row.
    facts = served_rows(
        settings,
        "select source_file, source_row, submitter, organisation_id, organisation_name, "
        "sector, contract_ref, period_start, period_end, measure_code, edition, theme, "
        "quantity, unit, proxy_value_gbp, place_code, evidence, is_illustrative, "
        "social_value_gbp from marts.fct_social_value order by source_file, source_row",
    )
    expected = [
        (
            line.source_file, line.source_row, line.submitter, line.organisation_id,
            line.organisation_name, line.sector, line.contract_ref, *line.period,
            line.measure_code, "svw-illustrative-2026", line.theme, line.quantity, line.unit,
            line.proxy, line.place_code, line.evidence, True, line.value,
        )
        for line in sorted(CURRENT_LINES, key=lambda line: (line.source_file, line.source_row))
    ]  # fmt: skip
    assert [row[:-1] for row in facts] == [row[:-1] for row in expected]
    assert [row[-1] for row in facts] == pytest.approx([row[-1] for row in expected], abs=1e-9)

    # Place totals as BI reads them, worked out by hand, including the apportioned line.
    assert place_totals(settings) == EXPECTED_PLACE_TOTALS

    # The unknown place keeps its totals, without a name.
    assert served_rows(
        settings,
        f"select place_name from marts.fct_place_totals where place_code = '{UNKNOWN_PLACE}'",
    ) == [(None,), (None,)]


def test_end_to_end_local_folder(engine_settings: Settings) -> None:
    dbt_project_before = _tree(DBT_PROJECT_DIR)
    bucket = run_both_drops(engine_settings)
    assert_outcome(engine_settings, bucket)
    assert_dbt_artefacts_kept_apart(engine_settings, dbt_project_before)


def test_end_to_end_s3(seeded_s3_settings: Settings) -> None:
    bucket = run_both_drops(seeded_s3_settings, new_warehouse=False)
    assert_outcome(seeded_s3_settings, bucket)


def test_the_demo_gives_the_same_place_totals_on_both_engines(
    seeded_svw_settings: Settings,
    seeded_postgres_database: PostgresDatabase,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    """`svw demo`'s files through the whole pipeline twice: DuckDB, then PostgreSQL.

    Every total, to the penny, and every line count must agree."""
    totals = {}
    for engine in ("duckdb", "postgres"):
        monkeypatch.setenv("SVW_BUCKET", str(tmp_path / f"bucket-{engine}"))
        if engine == "postgres":
            monkeypatch.setenv("SVW_WAREHOUSE", warehouse_url(seeded_postgres_database))
        settings = Settings.from_env()
        drop(Bucket(settings.bucket_url), {f.path: f.data for f in demo_files()})
        outcome = run_pipeline(settings, settle_seconds=0)
        assert outcome.success, outcome.failure
        totals[engine] = served_rows(
            settings,
            "select place_code, financial_year, theme, sector, "
            "cast(social_value_gbp * 100 as bigint) as pence, line_count, organisation_count, "
            "is_illustrative from marts.fct_place_totals order by 1, 2, 3, 4",
        )
    assert len(totals["duckdb"]) > 50  # the demo spans many places, years, themes, sectors
    assert totals["postgres"] == totals["duckdb"]
