"""What the Dagster UI shows of a run, read back from the Dagster instance as the UI does.

One `svw run` per engine over a mixed bucket (loaded, rejected, duplicate files), then:
the dbt assets' row counts and column types (the seeds', which the run found current,
too), the ingestion asset's table of files, the quality gate's counts adding up, and
the run's tags. Expected figures are worked out by hand from the files in
tests/returns.py.
"""

from __future__ import annotations

import os
import shutil
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import dagster as dg
import pytest

from configuration import DAGSTER_YAML, DuckDBFile, PostgresDatabase, Settings
from ingest.bucket import Bucket
from ingest.ledger import Status
from svw.runner import RunOutcome, run_pipeline
from tests.dbt_builds import seed_rows
from tests.postgres_cluster import create_database
from tests.returns import EXPECTED_PLACE_TOTALS, FIRST_DROP, SECOND_DROP
from tests.warehouses import postgres_rows, raw_rows, served_rows, warehouse_url

pytestmark = pytest.mark.slow

# Every file of the one run, oldest first, with its fate as worked out by hand:
# (submitter, kind, status, lines, errors). bad.csv has three lines and two bad cells;
# stray.csv is in no submitter folder (one error, nothing read); returns-copy.xlsx
# repeats returns.xlsx byte for byte.
FILES = {
    "incoming/leeds-council/2025-q1.csv": ("leeds-council", "return", "loaded", 2, 0),
    "incoming/acme-build/returns.xlsx": ("acme-build", "return", "loaded", 2, 0),
    "incoming/vcse-network/lunch-club.json": ("vcse-network", "return", "loaded", 1, 0),
    "incoming/vcse-network/q3.parquet": ("vcse-network", "return", "loaded", 2, 0),
    "incoming/acme-build/bad.csv": ("acme-build", "return", "rejected", 3, 2),
    "incoming/stray.csv": ("", "return", "rejected", 0, 1),
    "incoming/leeds-council/2025-q1-corrected.csv": ("leeds-council", "return", "loaded", 1, 0),
    "incoming/acme-build/returns-copy.xlsx": ("acme-build", "return", "duplicate", 0, 0),
}
REPORTS = {
    "incoming/acme-build/bad.csv": "rejected/acme-build/bad.csv.errors.xlsx",
    "incoming/stray.csv": "rejected/stray.csv.errors.xlsx",
}
PLACE_TOTALS = dg.AssetKey(["marts", "fct_place_totals"])


@dataclass(frozen=True)
class UiRun:
    settings: Settings
    outcome: RunOutcome
    instance: dg.DagsterInstance


def _drop_in_order(bucket_dir: Path) -> None:
    """Both drops of tests/returns.py in one bucket, a second apart in FILES' order, so
    the corrected Leeds return comes after the one it replaces and the copy is the
    duplicate, not the original."""
    bucket = Bucket(str(bucket_dir))
    contents = {**FIRST_DROP, **SECOND_DROP}
    start = time.time() - 3600
    for offset, path in enumerate(FILES):
        bucket.write(path, contents[path])
        os.utime(bucket_dir / path, (start + offset, start + offset))


@pytest.fixture(scope="module", params=["duckdb", "postgres"])
def ui_run(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[UiRun]:
    folder = tmp_path_factory.mktemp(f"ui-{request.param}")
    values = {
        "SVW_BUCKET": str(folder / "bucket"),
        "SVW_WAREHOUSE": str(folder / "warehouse.duckdb"),
        "SVW_SERVING": str(folder / "serving.duckdb"),
        "SVW_REPORT_DIR": str(folder / "report"),
        "DAGSTER_HOME": str(folder / "dagster"),
        "SVW_SETTLE_SECONDS": "0",
    }
    # The seeds as a first run leaves them: this run finds them current (the counts a
    # build shows: tests/test_end_to_end.py).
    if request.param == "postgres":
        server = request.getfixturevalue("postgres_server")
        template = request.getfixturevalue("seeded_postgres_template")
        address = {key: server[key] for key in ("host", "port", "user")}
        create_database("svw_dagster_ui", template, **address)
        database = PostgresDatabase(**address, database="svw_dagster_ui")
        values["SVW_WAREHOUSE"] = warehouse_url(database)
    else:
        shutil.copy(request.getfixturevalue("seeded_duckdb"), folder / "warehouse.duckdb")
    (folder / "dagster").mkdir()
    shutil.copy(DAGSTER_YAML, folder / "dagster" / "dagster.yaml")
    _drop_in_order(folder / "bucket")
    with pytest.MonkeyPatch.context() as patch:
        for key, value in values.items():
            patch.setenv(key, value)
        settings = Settings.from_env()
        outcome = run_pipeline(settings)
    assert outcome.success, outcome.failure
    with dg.DagsterInstance.from_config(str(settings.dagster_home)) as instance:
        yield UiRun(settings, outcome, instance)


def _materialization(run: UiRun, key: dg.AssetKey) -> dict:
    event = run.instance.get_latest_materialization_event(key)
    assert event is not None and event.run_id == run.outcome.run_id
    return event.asset_materialization.metadata


def _catalogue_columns(settings: Settings, schema: str, table: str) -> list[tuple[str, str]]:
    """The table's columns and types from the engine's own catalogue (not
    information_schema, which the pipeline reads)."""
    if isinstance(settings.warehouse, DuckDBFile):
        rows = raw_rows(
            settings,
            "select column_name, lower(data_type) from duckdb_columns() "
            f"where schema_name = '{schema}' and table_name = '{table}' order by column_index",
        )
    else:
        rows = postgres_rows(
            settings.warehouse,
            "select attname, format_type(atttypid, atttypmod) from pg_attribute "
            f"where attrelid = '{schema}.{table}'::regclass and attnum > 0 "
            "and not attisdropped order by attnum",
        )
    return [tuple(row) for row in rows]


def test_the_marts_show_their_row_count_and_column_types(ui_run: UiRun) -> None:
    metadata = _materialization(ui_run, PLACE_TOTALS)
    # One row per (place, financial year, theme, sector) worked out by hand.
    assert metadata["dagster/row_count"].value == len(EXPECTED_PLACE_TOTALS) == 6
    served = served_rows(ui_run.settings, "select count(*) from marts.fct_place_totals")
    assert served == [(6,)]

    columns = metadata["dagster/column_schema"].value.columns
    shown = [(column.name, column.type) for column in columns]
    assert shown == _catalogue_columns(ui_run.settings, "marts", "fct_place_totals")
    varchar = (
        "varchar" if isinstance(ui_run.settings.warehouse, DuckDBFile) else "character varying"
    )
    assert shown[0] == ("place_code", varchar)
    assert ("line_count", "bigint") in shown
    # The dbt descriptions come along, so the UI shows both in one table.
    assert columns[0].description == "ONS GSS code of the district."


def test_views_show_their_columns_but_are_not_counted(ui_run: UiRun) -> None:
    metadata = _materialization(ui_run, dg.AssetKey(["staging", "stg_return_lines"]))
    columns = metadata["dagster/column_schema"].value.columns
    shown = [(column.name, column.type) for column in columns]
    assert shown == _catalogue_columns(ui_run.settings, "staging", "stg_return_lines")
    assert ("period_start", "date") in shown
    assert "dagster/row_count" not in metadata  # counting a view would run its query


def test_the_ingestion_asset_lists_every_file_of_the_run(ui_run: UiRun) -> None:
    metadata = _materialization(ui_run, dg.AssetKey(["raw", "submissions"]))
    bucket_url = ui_run.settings.bucket_url
    rows = {
        record.data["file"]: (
            record.data["submitter"],
            record.data["kind"],
            record.data["status"],
            record.data["lines"],
            record.data["errors"],
        )
        for record in metadata["files"].value.records
    }
    assert rows == FILES
    reports = {
        record.data["file"]: record.data["report"]
        for record in metadata["files"].value.records
        if record.data["report"]
    }
    assert reports == {path: f"{bucket_url}/{report}" for path, report in REPORTS.items()}
    for report in reports.values():
        assert Path(report).is_file()  # the path opens the sender's report itself
    copy = next(r.data for r in metadata["files"].value.records if r.data["status"] == "duplicate")
    assert copy["now_at"] == f"{bucket_url}/archive/acme-build/returns-copy.xlsx"
    assert {
        key: metadata[key].value
        for key in ("files_validated", "files_loaded", "files_rejected", "files_duplicate")
    } == {"files_validated": 8, "files_loaded": 5, "files_rejected": 2, "files_duplicate": 1}


def test_the_quality_gate_counts_add_up(ui_run: UiRun) -> None:
    records = ui_run.instance.all_logs(
        ui_run.outcome.run_id, of_type=dg.DagsterEventType.ASSET_CHECK_EVALUATION
    )
    gates = [
        r.dagster_event.event_specific_data
        for r in records
        if r.dagster_event.event_specific_data.check_name == "quality_gate"
    ]
    assert len(gates) == 1
    metadata = {key: value.value for key, value in gates[0].metadata.items()}
    assert not gates[0].passed  # two files were rejected
    assert metadata["files_validated"] == len(FILES) == 8
    assert (metadata["files_loaded"], metadata["files_rejected"], metadata["files_duplicate"]) == (
        5,
        2,
        1,
    )
    # Every fate the ledger knows has its count, and together they are every file.
    assert metadata["files_validated"] == sum(metadata[f"files_{status}"] for status in Status)
    # The suite saw the files it could read: not the duplicate, not the misplaced one.
    assert metadata["files_through_suite"] == 6
    assert metadata["rows_checked"] == 2 + 2 + 1 + 2 + 3 + 1
    assert metadata["errors_found"] == 2


def test_a_run_of_svw_run_is_tagged_as_such(ui_run: UiRun) -> None:
    tags = ui_run.instance.get_run_by_id(ui_run.outcome.run_id).tags
    assert tags["svw/launched_by"] == "cli"
    assert tags["svw/command"] == "run"
    assert tags["svw/warehouse"] == "write"  # the job's own tag is kept


def test_seeds_found_current_still_show_their_row_count(ui_run: UiRun) -> None:
    """The run skipped dbt for the seeds (built before it), and still shows their counts."""
    by_key = {
        key: _materialization(ui_run, dg.AssetKey(["reference", key]))
        for key in ("measure_catalogue", "places")
    }
    assert by_key["measure_catalogue"]["rebuilt"].value is False
    assert by_key["measure_catalogue"]["dagster/row_count"].value == seed_rows("measure_catalogue")
    places = by_key["places"]
    assert places["dagster/row_count"].value == seed_rows("places")
    assert [c.name for c in places["dagster/column_schema"].value.columns][:2] == [
        "place_code",
        "place_name",
    ]
