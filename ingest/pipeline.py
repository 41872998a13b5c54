"""One pass over the bucket: every pending file is loaded, rejected or set aside as a duplicate.

Per file, in received order:

1. finish an earlier run's move if this exact drop is already in the ledger;
2. reject it if it is not inside a valid ``incoming/<submitter>/`` folder;
3. set it aside if the same bytes were loaded before (whatever the name or sender);
4. parse, stage and validate it (the quality gate in ``expectations/``);
5. in ONE transaction: insert its lines and its ledger row (or only the ledger row);
6. move it out of incoming/ (copy, verify, delete).

A crash before step 5 commits leaves no trace; a crash after it is finished by step 1
of the next run. A validator failure raises: the file stays pending, the run fails.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import UTC, datetime

import sqlalchemy as sa

from ingest import ledger
from ingest.bucket import ARCHIVE, REJECTED, Bucket, BucketFile, sha256_hex
from ingest.errors import FileRejected, ReturnError
from ingest.ledger import DUPLICATE, LOADED, Submission
from ingest.ledger import REJECTED as STATUS_REJECTED
from ingest.readers import ParsedFile, check_size, read_return
from ingest.reports import build_reports, report_paths
from ingest.staging import clear_landing, drop_staged, landing_table, stage_lines
from ingest.warehouse import ensure_raw_schema

log = logging.getLogger(__name__)

_BAD_LOCATION = (
    "The file is not inside a submitter folder. Upload it to incoming/<submitter>/, where "
    "<submitter> is your organisation's short name in lowercase letters, digits and "
    "hyphens (for example incoming/leeds-city-council/2025-q1.csv)."
)


@dataclass
class CheckedFile:
    """The verdict on one file's content, before anything is written to the warehouse."""

    errors: list[ReturnError]
    total_errors: int
    parsed: ParsedFile | None = None
    staging_name: str | None = None  # landing.<staging_name> holds the typed lines
    warnings: list[str] = field(default_factory=list)
    gate: object | None = None  # expectations.gate.GateResult when the gate ran

    @property
    def accepted(self) -> bool:
        return self.total_errors == 0


def check_return(
    engine: sa.Engine,
    name: str,
    data: bytes,
    *,
    staging_name: str,
    default_edition: str,
    max_file_bytes: int,
) -> CheckedFile:
    """Parse, stage and validate one file; shared by the pipeline and ``svw validate``.

    Raises ``expectations.gate.ValidatorError`` when the gate itself fails.
    """
    from expectations.gate import validate_staged  # GX is slow to import; only load it here

    try:
        parsed = read_return(name, data, max_file_bytes)
    except FileRejected as rejection:
        return CheckedFile(errors=rejection.errors, total_errors=rejection.total)
    table = stage_lines(engine, staging_name, parsed.table, default_edition)
    gate = validate_staged(engine, table)
    warnings = [
        f"Column '{column}' is not part of the return format and was ignored."
        for column in parsed.ignored_columns
    ]
    if gate.total_errors == 0:
        warnings += [
            f"Place code {code} is not in the place table: its totals are kept, "
            "without a place name or region."
            for code in _unknown_places(engine, table)
        ]
    return CheckedFile(
        errors=gate.errors,
        total_errors=gate.total_errors,
        parsed=parsed,
        staging_name=staging_name,
        warnings=warnings,
        gate=gate,
    )


def _unknown_places(engine: sa.Engine, staged_table: str) -> list[str]:
    with engine.connect() as connection:
        return list(
            connection.exec_driver_sql(
                f"select distinct place_code_value from {staged_table} "
                "where place_code_value not in (select place_code from reference.places) "
                "order by 1"
            ).scalars()
        )


@dataclass
class IngestReport:
    """What one pass did, for the run summary and Dagster metadata."""

    submissions: list[Submission] = field(default_factory=list)
    gate_results: list[object] = field(default_factory=list)

    def count(self, status: str) -> int:
        return sum(1 for s in self.submissions if s.status == status)

    @property
    def lines_loaded(self) -> int:
        return sum(s.line_count for s in self.submissions if s.status == LOADED)


class Ingestor:
    """Processes the pending files of one bucket into one warehouse."""

    def __init__(
        self,
        bucket: Bucket,
        engine: sa.Engine,
        *,
        default_edition: str,
        max_file_bytes: int,
        run_id: str | None = None,
    ):
        self.bucket = bucket
        self.engine = engine
        self.default_edition = default_edition
        self.max_file_bytes = max_file_bytes
        self.run_id = run_id

    def run(self, settle_seconds: float) -> IngestReport:
        ensure_raw_schema(self.engine)
        clear_landing(self.engine)  # leftovers of a run that died mid-file
        report = IngestReport()
        for pending in self.bucket.pending(settle_seconds):
            submission, gate = self.process(pending)
            log.info("%s: %s", pending.path, submission.status)
            report.submissions.append(submission)
            if gate is not None:
                report.gate_results.append(gate)
        return report

    def process(self, pending: BucketFile) -> tuple[Submission, object | None]:
        # An oversized file is hashed in chunks and rejected without being loaded in memory.
        oversized = pending.size > self.max_file_bytes
        data = b"" if oversized else self.bucket.read(pending.path)
        sha = self.bucket.sha256(pending.path) if oversized else sha256_hex(data)
        with self.engine.connect() as connection:
            unfinished = ledger.find_unfinished(connection, pending.path, sha, pending.modified)
            if unfinished is not None:
                self.bucket.move(pending.path, unfinished.final_location, sha)
                return unfinished, None
            submission_id = ledger.next_submission_id(connection)
            connection.commit()

        def submission(status: str, area: str, **fields: object) -> Submission:
            return Submission(
                submission_id=submission_id,
                submitter=pending.submitter,
                original_path=pending.path,
                sha256=sha,
                size_bytes=pending.size if oversized else len(data),
                file_format=fields.pop("file_format", None),  # type: ignore[arg-type]
                received_at=pending.modified,
                processed_at=datetime.now(UTC),
                status=status,
                line_count=fields.pop("line_count", 0),  # type: ignore[arg-type]
                error_count=fields.pop("error_count", 0),  # type: ignore[arg-type]
                final_location=self.bucket.free_path(pending.destination(area)),
                run_id=self.run_id,
                **fields,  # type: ignore[arg-type]
            )

        if pending.submitter is None:
            error = ReturnError(None, None, pending.path, _BAD_LOCATION)
            return self._reject(pending, submission, [error], 1, None), None

        with self.engine.connect() as connection:
            earlier = ledger.loaded_with_content(connection, sha)
        if earlier is not None:
            done = submission(DUPLICATE, ARCHIVE, duplicate_of=earlier)
            self._commit(done)
            self.bucket.move(pending.path, done.final_location, sha)
            return done, None

        if oversized:
            try:
                check_size(pending.size, self.max_file_bytes)
            except FileRejected as rejection:
                return self._reject(pending, submission, rejection.errors, 1, None), None
        checked = check_return(
            self.engine,
            pending.name,
            data,
            staging_name=f"file_{submission_id}",
            default_edition=self.default_edition,
            max_file_bytes=self.max_file_bytes,
        )
        file_format = checked.parsed.file_format if checked.parsed else None
        if not checked.accepted:
            rejected = self._reject(
                pending,
                submission,
                checked.errors,
                checked.total_errors,
                checked.parsed,
                file_format=file_format,
                line_count=_row_count(checked.parsed),
            )
            self._drop(checked)
            return rejected, checked.gate

        loaded = submission(
            LOADED,
            ARCHIVE,
            file_format=file_format,
            line_count=_row_count(checked.parsed),
            warnings=checked.warnings,
        )
        self._commit(loaded, lines_from=landing_table(checked.staging_name))
        self._drop(checked)
        self.bucket.move(pending.path, loaded.final_location, sha)
        return loaded, checked.gate

    def _reject(self, pending, submission, errors, total, parsed, **fields) -> Submission:  # noqa: ANN001
        rejected = submission(STATUS_REJECTED, REJECTED, error_count=total, **fields)
        json_path, csv_path = report_paths(rejected.final_location)
        rejected.report_location = json_path
        json_report, csv_report = build_reports(
            pending.path, errors, total, parsed.header_columns if parsed else None
        )
        # Reports first: once the ledger says "rejected", the sender's report must exist.
        self.bucket.write(json_path, json_report)
        self.bucket.write(csv_path, csv_report)
        self._commit(rejected)
        self.bucket.move(pending.path, rejected.final_location, rejected.sha256)
        return rejected

    def _commit(self, submission: Submission, lines_from: str | None = None) -> None:
        """The file's lines and its ledger row land together or not at all."""
        with self.engine.begin() as connection:
            if lines_from is not None:
                connection.exec_driver_sql(
                    f"""
                    insert into raw.return_lines
                    select
                        {submission.submission_id}, source_row, '{submission.submitter}',
                        organisation_id, organisation_name, sector_value,
                        period_start_value, period_end_value, measure_code_value,
                        edition_value, quantity_value, unit, place_code_value,
                        contract_ref, evidence
                    from {lines_from}
                    order by source_row
                    """
                )
            ledger.record(connection, submission)

    def _drop(self, checked: CheckedFile) -> None:
        if checked.staging_name:
            drop_staged(self.engine, checked.staging_name)


def _row_count(parsed: ParsedFile | None) -> int:
    return parsed.table.num_rows if parsed is not None else 0
