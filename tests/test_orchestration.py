"""Dagster wiring: definitions load, the sensor batches a tick into one run, and
publishing to BI on both engines (a snapshot file; a schema swap with a read-only role)."""

from __future__ import annotations

import subprocess
import sys
from datetime import datetime
from pathlib import Path

import dagster as dg
import duckdb
import pytest
from dagster_dbt.core import resource as dagster_dbt_resource

from configuration import PROJECT_ROOT, DuckDBFile, Settings
from ingest.bucket import Bucket
from orchestration.dbt import dbt_resource
from orchestration.dbt_cli import dbt_executable
from orchestration.definitions import build_definitions
from orchestration.resources import build_resources
from orchestration.sensors import bucket_sensor
from serving.duckdb_snapshot import publish_snapshot
from tests.returns import BAD_CSV, LEEDS_Q1


def test_code_location_loads_as_dagster_loads_it(svw_settings: Settings) -> None:
    # What `make dev` and the daemon do with workspace.yaml, through Dagster's own loader.
    dagster = Path(sys.executable).parent / "dagster"
    loaded = subprocess.run(
        [str(dagster), "definitions", "validate", "-w", "workspace.yaml"],
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert loaded.returncode == 0, loaded.stderr[-3000:]
    assert "Validation successful" in loaded.stdout + loaded.stderr


def test_definitions_wire_one_job_with_sensor_and_schedule(svw_settings: Settings) -> None:
    defs = build_definitions(svw_settings)
    job = defs.resolve_job_def("social_value_pipeline")
    assert job.executor_def is dg.in_process_executor
    keys = {key.to_user_string() for key in defs.resolve_asset_graph().get_all_asset_keys()}
    assert {
        "reference/measure_catalogue",
        "raw/submissions",
        "raw/return_lines",
        "marts/fct_place_totals",
        "marts/fct_social_value",
        "serving/bi_snapshot",
    } <= keys
    assert defs.resolve_sensor_def("bucket_sensor").job_name == "social_value_pipeline"
    assert defs.resolve_schedule_def("social_value_pipeline_schedule").cron_schedule == "0 2 * * *"


def test_the_dbt_resource_knows_dbt_s_version_without_starting_dbt(
    svw_settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    # dagster-dbt asks the dbt command (about 2 s of a run); the oracle is its answer.
    printed = subprocess.run(
        [dbt_executable(), "--version"], capture_output=True, text=True, check=True
    ).stdout
    started: list[object] = []
    monkeypatch.setattr(dagster_dbt_resource, "check_output", started.append)
    known = dbt_resource(svw_settings)._cli_version
    assert f"installed: {known}" in printed
    assert started == []


@pytest.mark.parametrize(
    "warehouse", ["{tmp}/warehouse.duckdb", "postgresql://svw@db.example.org:5433/social"]
)
def test_a_run_reaches_the_warehouse_exactly_as_configured(warehouse: str, tmp_path: Path) -> None:
    # Its memory limit too: a run once bounded every DuckDB connection, dbt's included,
    # by the default 1GB whatever SVW_DUCKDB_MEMORY_LIMIT said.
    settings = Settings.from_env(
        {
            "SVW_WAREHOUSE": warehouse.format(tmp=tmp_path),
            "SVW_DUCKDB_MEMORY_LIMIT": "300MB",
            "DAGSTER_HOME": str(tmp_path),
        }
    )
    resources = build_resources(settings, dbt=None)  # type: ignore[arg-type]
    assert resources["warehouse"].location == settings.warehouse


def evaluate(instance: dg.DagsterInstance, cursor: str | None = None) -> dg.SensorResult:
    resources = build_resources(Settings.from_env(), dbt=None)  # type: ignore[arg-type]
    context = dg.build_sensor_context(
        instance=instance,
        cursor=cursor,
        resources={name: resources[name] for name in ("bucket", "limits")},
    )
    return bucket_sensor(context)


def test_sensor_requests_one_run_for_all_stable_files(svw_settings: Settings) -> None:
    bucket = Bucket(svw_settings.bucket_url)
    with dg.DagsterInstance.ephemeral() as instance:
        assert evaluate(instance).skip_reason is not None  # empty bucket

        bucket.write("incoming/leeds-council/q1.csv", LEEDS_Q1)
        bucket.write("incoming/acme-build/bad.csv", BAD_CSV)
        first = evaluate(instance)
        assert len(first.run_requests) == 1
        assert first.run_requests[0].tags["svw/files"] == "2"
        assert len(first.cursor) <= 32  # small, whatever the bucket holds

        # Same files still waiting (e.g. the run failed): no new run for them.
        assert evaluate(instance, first.cursor).skip_reason is not None

        bucket.write("incoming/leeds-council/q2.csv", LEEDS_Q1 + b"\r\n")
        assert len(evaluate(instance, first.cursor).run_requests) == 1


def test_sensor_ignores_files_still_uploading(
    svw_settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SVW_SETTLE_SECONDS", "600")
    Bucket(svw_settings.bucket_url).write("incoming/leeds-council/q1.csv", LEEDS_Q1)
    with dg.DagsterInstance.ephemeral() as instance:
        assert evaluate(instance).skip_reason is not None


def test_snapshot_is_a_separate_file_replaced_whole(tmp_path) -> None:
    warehouse = tmp_path / "warehouse.duckdb"
    serving = tmp_path / "serving.duckdb"
    connection = duckdb.connect(str(warehouse))
    connection.execute("create schema marts; create schema raw")
    connection.execute("create table marts.place_totals as select 1 as v")
    connection.execute("create table raw.secret as select 1 as v")
    connection.close()

    assert publish_snapshot(DuckDBFile(warehouse), serving) == {"marts.place_totals": 1}

    # A reader holding the old snapshot keeps reading it while a new one is published.
    reader = duckdb.connect(str(serving), read_only=True)
    connection = duckdb.connect(str(warehouse))
    connection.execute("insert into marts.place_totals values (2)")
    connection.close()
    assert publish_snapshot(DuckDBFile(warehouse), serving) == {"marts.place_totals": 2}
    assert reader.execute("select count(*) from marts.place_totals").fetchone() == (1,)
    reader.close()

    fresh = duckdb.connect(str(serving), read_only=True)
    assert fresh.execute("select count(*) from marts.place_totals").fetchone() == (2,)
    schemas = {r[0] for r in fresh.execute("select schema_name from duckdb_tables()").fetchall()}
    assert schemas == {"marts"}  # only the published relations, never raw data
    fresh.close()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["serving.duckdb", "warehouse.duckdb"]


def _rows(path: Path, sql: str) -> list[tuple]:
    with duckdb.connect(str(path), read_only=True) as connection:
        return connection.execute(sql).fetchall()


FACT = "select return_key, built_at, value from marts.fct_lines order by all"


def test_the_snapshot_replaces_only_the_returns_stamped_since_it_was_published(
    tmp_path: Path,
) -> None:
    """A table kept by return (as dbt's incremental line facts) is brought up to date
    return by return; a full rebuild, or a table dropped, is copied whole."""
    warehouse, serving = tmp_path / "warehouse.duckdb", tmp_path / "serving.duckdb"
    first, second, third = "2026-01-01", "2026-01-02", "2026-01-03"
    with duckdb.connect(str(warehouse)) as connection:
        connection.execute("create schema marts")
        connection.execute(
            "create table marts.fct_lines (return_key varchar, built_at timestamp, value int)"
        )
        connection.execute(
            f"insert into marts.fct_lines values ('a', '{first}', 1), ('b', '{first}', 2), "
            f"('b', '{first}', 3)"
        )
        connection.execute("create table marts.old_mart as select 1 as v")
    publish_snapshot(DuckDBFile(warehouse), serving)

    # Return b rebuilt by a later build (delete+insert, one line now). Return a's row is
    # changed in place without a new stamp, which no build does: the snapshot keeping
    # its old value shows that unstamped returns are not copied again.
    with duckdb.connect(str(warehouse)) as connection:
        connection.execute("delete from marts.fct_lines where return_key = 'b'")
        connection.execute(f"insert into marts.fct_lines values ('b', '{second}', 30)")
        connection.execute("update marts.fct_lines set value = 100 where return_key = 'a'")
        connection.execute("drop table marts.old_mart")
    counts = publish_snapshot(DuckDBFile(warehouse), serving)

    assert counts == {"marts.fct_lines": 2}
    assert _rows(serving, "select table_name from duckdb_tables()") == [("fct_lines",)]
    assert _rows(serving, FACT) == [
        ("a", datetime(2026, 1, 1), 1),
        ("b", datetime(2026, 1, 2), 30),
    ]

    # A full rebuild stamps every row anew and may drop returns: copied whole.
    with duckdb.connect(str(warehouse)) as connection:
        connection.execute("delete from marts.fct_lines")
        connection.execute(f"insert into marts.fct_lines values ('c', '{third}', 5)")
    publish_snapshot(DuckDBFile(warehouse), serving)
    assert _rows(serving, FACT) == [("c", datetime(2026, 1, 3), 5)]


def test_quality_gate_and_dbt_tests_surface_as_asset_checks(
    seeded_svw_settings: Settings,
) -> None:
    bucket = Bucket(seeded_svw_settings.bucket_url)
    bucket.write("incoming/leeds-council/q1.csv", LEEDS_Q1)
    bucket.write("incoming/acme-build/bad.csv", BAD_CSV)

    defs = build_definitions(seeded_svw_settings)
    result = defs.resolve_job_def("social_value_pipeline").execute_in_process(
        instance=dg.DagsterInstance.ephemeral()
    )

    assert result.success
    checks = {
        (e.asset_key.to_user_string(), e.check_name): e
        for e in result.get_asset_check_evaluations()
    }
    gate = checks[("raw/return_lines", "quality_gate")]
    assert not gate.passed  # one file was rejected: a warning, not a failed run
    assert gate.severity == dg.AssetCheckSeverity.WARN
    metadata = {key: value.value for key, value in gate.metadata.items()}
    assert metadata["files_validated"] == 2
    assert metadata["files_rejected"] == 1
    assert metadata["rows_checked"] == 2 + 3
    assert metadata["errors_found"] == 2
    # dbt's data tests are asset checks on the models they test.
    totals_check = ("marts/fct_place_totals", "assert_fct_place_totals_match_fct_social_value")
    assert checks[totals_check].passed
    assert any(key == "marts/fct_social_value" for key, _ in checks)
