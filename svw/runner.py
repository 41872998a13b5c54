"""Run the pipeline job through Dagster from Python, and summarise what it did."""

from __future__ import annotations

import contextlib
import json
from dataclasses import dataclass, field
from pathlib import Path

import sqlalchemy as sa

from ingest import ledger
from svw.settings import DEFAULT_EDITION, Settings, prepare_environment


@dataclass
class RunOutcome:
    run_id: str
    success: bool
    settings: Settings
    submissions: list[dict] = field(default_factory=list)
    failure: str | None = None
    log_path: Path | None = None

    def count(self, status: str) -> int:
        return sum(1 for s in self.submissions if s["status"] == status)

    @property
    def lines_loaded(self) -> int:
        return sum(s["line_count"] for s in self.submissions if s["status"] == "loaded")

    def summary_text(self) -> str:
        lines = [
            f"Run {self.run_id}: {'succeeded' if self.success else 'FAILED'}",
            f"  files loaded:    {self.count('loaded')} ({self.lines_loaded} lines)",
            f"  files rejected:  {self.count('rejected')}",
            f"  files duplicate: {self.count('duplicate')}",
        ]
        for s in self.submissions:
            if s["status"] == "rejected":
                lines.append(
                    f"  rejected {s['original_path']}: {s['error_count']} error(s); "
                    f"report {self.settings.bucket_url}/{s['report_location']}"
                )
        for s in self.submissions:
            for warning in json.loads(s.get("warnings") or "[]"):
                lines.append(f"  warning ({s['original_path']}): {warning}")
        if self.settings.default_edition == DEFAULT_EDITION:
            lines.append(
                f"  note: values use the ILLUSTRATIVE catalogue ({DEFAULT_EDITION}): "
                "invented proxies, not official TOMs values"
            )
        if self.log_path:
            lines.append(f"  dbt log: {self.log_path}")
        if self.success:
            lines.append(f"  BI snapshot: {self.settings.serving_path}")
        else:
            lines.append(f"  failure: {self.failure}")
            lines.append("  Files that were not processed stay in incoming/ for the next run.")
        return "\n".join(lines)


def run_pipeline(settings: Settings, settle_seconds: float | None = None) -> RunOutcome:
    """Execute the same job the sensor launches, in this process, recorded in DAGSTER_HOME."""
    if settings.dbt_target != "duckdb":
        # Ingestion writes raw.* into the DuckDB file; dbt must read the same database.
        raise ValueError(
            f"SVW_DBT_TARGET={settings.dbt_target}: the pipeline runs on the embedded DuckDB "
            "warehouse only in this version (the dbt project alone also builds on PostgreSQL)"
        )
    prepare_environment(settings)
    import dagster as dg

    from orchestration.definitions import defs
    from orchestration.jobs import PIPELINE_JOB_NAME

    # The console gets warnings (rejections, failures); the full log is in the Dagster UI.
    run_config: dict = {"loggers": {"console": {"config": {"log_level": "WARNING"}}}}
    if settle_seconds is not None:
        run_config["ops"] = {"bucket_files": {"config": {"settle_seconds": settle_seconds}}}
    # dbt's own progress lines go to stdout; keep them in a log file, not on the console.
    log_path = settings.dagster_home / "logs" / "last-run.log"
    log_path.parent.mkdir(parents=True, exist_ok=True)
    with (
        dg.DagsterInstance.get() as instance,
        log_path.open("w") as log,
        contextlib.redirect_stdout(log),
    ):
        result = defs.resolve_job_def(PIPELINE_JOB_NAME).execute_in_process(
            instance=instance, run_config=run_config, raise_on_error=False
        )
    outcome = RunOutcome(
        run_id=result.run_id, success=result.success, settings=settings, log_path=log_path
    )
    if not result.success:
        failures = [
            _root_cause(event.event_specific_data.error)
            for event in result.all_events
            if event.is_step_failure and event.event_specific_data.error
        ]
        outcome.failure = "; ".join(failures) or "see the run in the Dagster UI"
    if settings.warehouse_path.exists():
        outcome.submissions = _submissions_of_run(settings, result.run_id)
    return outcome


def _root_cause(error) -> str:  # noqa: ANN001 - dagster's SerializableErrorInfo
    """Dagster wraps the asset's own exception; the inner message is the useful one."""
    while error.cause is not None:
        error = error.cause
    return error.message.strip()


def _submissions_of_run(settings: Settings, run_id: str) -> list[dict]:
    # Read-only: a BI tool or another reader may hold the file too.
    engine = sa.create_engine(
        f"duckdb:///{settings.warehouse_path}", connect_args={"read_only": True}
    )
    try:
        with engine.connect() as connection:
            return ledger.submissions_of_run(connection, run_id)
    finally:
        engine.dispose()
