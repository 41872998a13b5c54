"""Run the pipeline job through Dagster from Python, and summarise what it did."""

from __future__ import annotations

import contextlib
import json
import time
from dataclasses import dataclass, field
from pathlib import Path

import sqlalchemy as sa

from configuration import DEFAULT_EDITION, ConfigurationError, DuckDBFile, Settings
from ingest import ledger
from ingest.ledger import FileKind, Status
from ingest.reports import load_report_path
from serving.commitment_headline import CommitmentHeadline, commitment_headline
from serving.need_headline import NeedHeadline, need_headlines
from serving.supersessions import ReplacingFile, RunLines, replacing_files, run_lines
from serving.valuation_headline import ValuationLine, valuation_headlines
from warehouse import open_warehouse


@dataclass
class RunOutcome:
    run_id: str
    success: bool
    settings: Settings
    submissions: list[dict] = field(default_factory=list)
    failure: str | None = None
    log_path: Path | None = None
    need: list[NeedHeadline] = field(default_factory=list)
    commitments: CommitmentHeadline | None = None
    # Seconds per step, in the order they ended ("seeds", "ingestion", "models", "publish"...).
    step_seconds: dict[str, float] = field(default_factory=dict)
    seeds_rebuilt: bool = True
    total_seconds: float | None = None
    valuation: list[ValuationLine] = field(default_factory=list)
    # After a successful build: the run's lines that still count, and what its files replaced.
    lines: RunLines | None = None
    replacing: list[ReplacingFile] = field(default_factory=list)

    def count(self, status: Status) -> int:
        return sum(1 for s in self.submissions if s["status"] == status)

    @property
    def lines_loaded(self) -> int:
        """Return lines loaded (a reference file's rows are not lines of a return)."""
        return sum(
            s["line_count"]
            for s in self.submissions
            if s["status"] == Status.LOADED
            and s.get("file_kind", FileKind.RETURN) == FileKind.RETURN
        )

    def summary_text(self) -> str:
        lines = [
            f"Run {self.run_id}: {'succeeded' if self.success else 'FAILED'}",
            f"  files loaded:    {self.count(Status.LOADED)} ({self.lines_loaded} lines)",
            f"  files rejected:  {self.count(Status.REJECTED)}",
            f"  files duplicate: {self.count(Status.DUPLICATE)}",
        ]
        if self.lines is not None:
            lines.append(f"  lines that count: {self.lines}")
        for replacing in self.replacing:
            lines += [f"  {notice}" for notice in replacing.notices_shown()]
            report = load_report_path(replacing.final_location)
            lines.append(f"  report for the sender: {self.settings.bucket_url}/{report}")
        for s in self.submissions:
            if s["status"] == Status.REJECTED:
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
        lines += [f"  lines {line}" for line in self.valuation]
        lines += [f"  need {headline}" for headline in self.need]
        if self.commitments is not None:
            lines.append(f"  commitments: {self.commitments}")
        if self.step_seconds:
            lines.append(f"  time: {self._timing_text()}")
        if self.log_path:
            lines.append(f"  dbt log: {self.log_path}")
        if self.success:
            lines.append(f"  BI reads: {self._served_at()}")
            lines.append(f"  place report: {_report_location(self.settings)}")
        else:
            lines.append(f"  failure: {self.failure}")
            lines.append("  Files that were not processed stay in incoming/ for the next run.")
        return "\n".join(lines)

    def _timing_text(self) -> str:
        steps = [
            f"{label} {seconds:.1f} s"
            + (" (unchanged, not rebuilt)" if label == "seeds" and not self.seeds_rebuilt else "")
            for label, seconds in self.step_seconds.items()
        ]
        total = f"; whole run {self.total_seconds:.1f} s" if self.total_seconds else ""
        return ", ".join(steps) + total

    def _served_at(self) -> str:
        if isinstance(self.settings.warehouse, DuckDBFile):
            return str(self.settings.serving_path)
        return f"schema marts of database {self.settings.warehouse.database!r}"


def _report_location(settings: Settings) -> str:
    from serving.report import INDEX

    return f"{settings.report_dir}/{INDEX}"


def _instance_home(settings: Settings) -> Path:
    if not (settings.dagster_home / "dagster.yaml").exists():
        raise ConfigurationError(
            f"DAGSTER_HOME={settings.dagster_home} has no dagster.yaml: copy "
            "dagster_home/dagster.yaml from the project there (it turns telemetry off "
            "and queues runs one at a time)"
        )
    return settings.dagster_home


def run_pipeline(
    settings: Settings, settle_seconds: float | None = None, command: str = "run"
) -> RunOutcome:
    """Execute the same job the sensor launches, in this process, recorded in DAGSTER_HOME.

    The run is tagged as launched by ``svw <command>`` (``orchestration.jobs.cli_run_tags``).
    """
    started = time.perf_counter()
    import dagster as dg

    from orchestration.definitions import build_definitions
    from orchestration.jobs import PIPELINE_JOB_NAME, cli_run_tags

    home = _instance_home(settings)
    # The console gets warnings (rejections, failures); the full log is in the Dagster UI.
    run_config: dict = {"loggers": {"console": {"config": {"log_level": "WARNING"}}}}
    if settle_seconds is not None:
        run_config["ops"] = {"bucket_files": {"config": {"settle_seconds": settle_seconds}}}
    # dbt's own progress lines go to stdout; keep them in a log file, not on the console.
    log_path = home / "logs" / "last-run.log"
    log_path.parent.mkdir(parents=True, exist_ok=True)
    job = build_definitions(settings).resolve_job_def(PIPELINE_JOB_NAME)
    with (
        dg.DagsterInstance.from_config(str(home)) as instance,
        log_path.open("w") as log,
        contextlib.redirect_stdout(log),
    ):
        result = job.execute_in_process(
            instance=instance,
            run_config=run_config,
            tags=cli_run_tags(command),
            raise_on_error=False,
        )
        step_seconds = _step_seconds(instance, result.run_id)
    outcome = RunOutcome(
        run_id=result.run_id,
        success=result.success,
        settings=settings,
        log_path=log_path,
        step_seconds=step_seconds,
        seeds_rebuilt=_seeds_rebuilt(result),
    )
    if not result.success:
        failures = [
            _root_cause(event.event_specific_data.error)
            for event in result.all_events
            if event.is_step_failure and event.event_specific_data.error
        ]
        outcome.failure = "; ".join(failures) or "see the run in the Dagster UI"
    outcome.submissions = _submissions_of_run(settings, result.run_id)
    if result.success:
        with open_warehouse(settings.warehouse) as warehouse, warehouse.connect() as connection:
            outcome.need = need_headlines(connection)
            outcome.commitments = commitment_headline(connection)
            outcome.valuation = valuation_headlines(connection)
            outcome.lines = run_lines(connection, result.run_id)
            outcome.replacing = replacing_files(connection, result.run_id)
    outcome.total_seconds = time.perf_counter() - started
    return outcome


def _step_seconds(instance, run_id: str) -> dict[str, float]:  # noqa: ANN001 - DagsterInstance
    """Each step's time, from Dagster's own step events, labelled as the summary says it."""
    import dagster as dg

    from orchestration.jobs import STEP_LABELS

    ends = {dg.DagsterEventType.STEP_SUCCESS, dg.DagsterEventType.STEP_FAILURE}
    started: dict[str, float] = {}
    seconds: dict[str, float] = {}
    for entry in instance.all_logs(run_id, of_type={dg.DagsterEventType.STEP_START, *ends}):
        key = entry.step_key or ""
        if entry.dagster_event_type == dg.DagsterEventType.STEP_START:
            started[key] = entry.timestamp
        elif key in started:
            seconds[STEP_LABELS.get(key, key)] = entry.timestamp - started[key]
    return seconds


def _seeds_rebuilt(result) -> bool:  # noqa: ANN001 - dagster's ExecuteInProcessResult
    """False when the seeds step found them current and skipped dbt (see orchestration.dbt)."""
    from orchestration.dbt import reference_seeds

    for event in result.all_events:
        if event.is_step_materialization and event.step_key == reference_seeds.op.name:
            rebuilt = event.event_specific_data.materialization.metadata.get("rebuilt")
            return rebuilt is None or bool(rebuilt.value)
    return True


def _root_cause(error) -> str:  # noqa: ANN001 - dagster's SerializableErrorInfo
    """Dagster wraps the asset's own exception; the inner message is the useful one."""
    while error.cause is not None:
        error = error.cause
    return error.message.strip()


def _submissions_of_run(settings: Settings, run_id: str) -> list[dict]:
    location = settings.warehouse
    if isinstance(location, DuckDBFile) and not location.path.exists():
        return []  # the run failed before the warehouse was created
    with open_warehouse(location) as warehouse, warehouse.connect() as connection:
        try:
            return ledger.submissions_of_run(connection, run_id)
        except sa.exc.DBAPIError:
            return []  # no ledger yet: the run failed before ingestion
