"""The Dagster instance's event log (orchestration/event_log.py): what a run records is
what Dagster's own SQLite storage, as the webserver uses it, reads back."""

import shutil
from pathlib import Path

import dagster as dg
import pytest
from dagster._core.storage.event_log import SqliteEventLogStorage

from configuration import DAGSTER_YAML
from orchestration.event_log import OPEN_DATABASES, KeptOpenSqliteEventLogStorage


@dg.asset(check_specs=[dg.AssetCheckSpec("positive", asset="tally")])
def tally() -> dg.MaterializeResult:
    return dg.MaterializeResult(
        metadata={"lines": 7}, check_results=[dg.AssetCheckResult(passed=True)]
    )


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A Dagster home holding the project's dagster.yaml, as `make` and the tests set up."""
    shutil.copy(DAGSTER_YAML, tmp_path / "dagster.yaml")
    monkeypatch.setenv("DAGSTER_HOME", str(tmp_path))
    return tmp_path


def _run(instance: dg.DagsterInstance) -> str:
    return dg.materialize([tally], instance=instance).run_id


def test_the_project_instance_records_runs_that_dagsters_own_storage_reads(home: Path) -> None:
    with dg.DagsterInstance.from_config(str(home)) as instance:
        assert isinstance(instance.event_log_storage, KeptOpenSqliteEventLogStorage)
        run_ids = [_run(instance) for _ in range(2)]

    # Dagster's stock storage over the usual folder: the webserver's view of the runs.
    stock = SqliteEventLogStorage(str(home / "history" / "runs"))
    for run_id in run_ids:
        kinds = [record.dagster_event_type for record in stock.get_logs_for_run(run_id)]
        assert kinds.count(dg.DagsterEventType.ASSET_MATERIALIZATION) == 1
        assert kinds.count(dg.DagsterEventType.ASSET_CHECK_EVALUATION) == 1
        assert kinds[-1] == dg.DagsterEventType.RUN_SUCCESS
    # The cross-run index (asset history, check history) holds the latest run's events.
    latest = stock.get_latest_materialization_events([dg.AssetKey("tally")])
    assert latest[dg.AssetKey("tally")].run_id == run_ids[-1]
    assert latest[dg.AssetKey("tally")].asset_materialization.metadata["lines"].value == 7
    stock.dispose()


def test_connections_stay_few_however_many_runs_are_read(home: Path) -> None:
    with dg.DagsterInstance.from_config(str(home)) as instance:
        storage = instance.event_log_storage
        assert isinstance(storage, KeptOpenSqliteEventLogStorage)
        run_ids = [_run(instance) for _ in range(OPEN_DATABASES + 3)]
        for run_id in run_ids:  # as the webserver reads every run's page
            assert instance.all_logs(run_id)
        assert len(storage._engines) == OPEN_DATABASES
    assert not storage._engines  # the instance's exit closed them


def test_an_instance_keeps_its_runs_in_its_own_home(home: Path, tmp_path: Path) -> None:
    # DAGSTER_HOME names `home`; an instance opened for another folder (as the UI tests
    # open theirs) must write and read that folder's runs, never DAGSTER_HOME's.
    other = tmp_path / "other-home"
    other.mkdir()
    shutil.copy(DAGSTER_YAML, other / "dagster.yaml")
    with dg.DagsterInstance.from_config(str(other)) as instance:
        run_id = _run(instance)
        assert [r.run_id for r in instance.get_runs()] == [run_id]
        assert instance.all_logs(run_id)
    assert (other / "history" / "runs" / f"{run_id}.db").exists()
    assert not (home / "history" / "runs" / f"{run_id}.db").exists()
