"""One pass over the bucket: every pending file is loaded, rejected or set aside as a duplicate.

Per file, in received order:

1. finish an earlier run's move if this exact drop is already in the ledger;
2. reject it if it is not inside a valid ``incoming/<submitter>/`` folder;
3. set it aside if the same bytes were loaded before (whatever the name or sender);
4. parse, stage and validate it (the quality gate in ``expectations/``);
5. in ONE transaction: insert its lines and its ledger row (or only the ledger row);
6. move it out of incoming/ (copy, verify, delete) and note ``moved_at`` in the ledger.

A crash before step 5 commits leaves no trace; a crash after it is finished by step 1
of the next run. A validator failure raises: the file stays pending, the run fails.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from expectations.errors import FileRejected, ReturnError, WhereRead
from ingest import ledger
from ingest.bucket import ARCHIVE, INCOMING, REJECTED, Bucket, BucketFile, sha256_hex
from ingest.ledger import Status, Submission
from ingest.raw_tables import ensure_raw_tables, load_staged_lines, next_submission_id
from ingest.readers import ParsedFile, check_size, read_return
from ingest.reports import build_reports, report_paths
from ingest.staging import (
    clear_landing,
    drop_staged,
    landing_table,
    place_code_warnings,
    stage_lines,
)
from warehouse import Warehouse

if TYPE_CHECKING:  # GX is slow to import: only check_return loads it, when needed
    from expectations.gate import GateResult

log = logging.getLogger(__name__)

_SUBMITTER_FOLDERS = (
    "incoming/<submitter>/, where <submitter> is your organisation's short name in "
    "lowercase letters, digits and hyphens (for example incoming/leeds-city-council/)"
)


def _location_error(file: BucketFile) -> ReturnError:
    """Why a file outside a valid submitter folder is refused, and where it should go."""
    folder = file.submitter_folder
    if folder is None:
        message = f"The file is not inside a submitter folder. Upload it to {_SUBMITTER_FOLDERS}."
    else:
        suggestion = file.suggested_submitter
        move = (
            f"Upload it to {INCOMING}/{suggestion}/ instead."
            if suggestion
            else f"Upload it to {_SUBMITTER_FOLDERS}."
        )
        message = (
            f'The folder name "{folder}" is not allowed: submitter folders are named in '
            f"lowercase letters, digits and hyphens, without spaces. {move}"
        )
    return ReturnError(None, None, file.path, message)


@dataclass
class CheckedFile:
    """The verdict on one file's content, before anything is written to the warehouse."""

    errors: list[ReturnError]
    total_errors: int
    parsed: ParsedFile | None = None
    where: WhereRead = field(default_factory=WhereRead)  # the sheet and header row read
    staging_name: str | None = None  # landing.<staging_name> holds the typed lines
    warnings: list[str] = field(default_factory=list)
    gate: GateResult | None = None  # None when the file was refused before the gate

    @property
    def accepted(self) -> bool:
        return self.total_errors == 0


def check_return(
    warehouse: Warehouse,
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
        return CheckedFile(
            errors=rejection.errors, total_errors=rejection.total, where=rejection.where
        )
    table = stage_lines(warehouse, staging_name, parsed.table, default_edition)
    gate = validate_staged(warehouse, table)
    warnings = [
        f"Column '{column}' is not part of the return format and was ignored."
        for column in parsed.ignored_columns
    ]
    if gate.total_errors == 0:
        warnings += place_code_warnings(warehouse, table)
    return CheckedFile(
        errors=gate.errors,
        total_errors=gate.total_errors,
        parsed=parsed,
        where=parsed.where,
        staging_name=staging_name,
        warnings=warnings,
        gate=gate,
    )


@dataclass
class IngestReport:
    """What one pass did, for the run summary and Dagster metadata."""

    submissions: list[Submission] = field(default_factory=list)
    gate_results: list[GateResult] = field(default_factory=list)

    def count(self, status: Status) -> int:
        return sum(1 for s in self.submissions if s.status == status)

    @property
    def lines_loaded(self) -> int:
        return sum(s.line_count for s in self.submissions if s.status == Status.LOADED)


@dataclass(frozen=True)
class _Drop:
    """One pending file, read and given its ledger number."""

    file: BucketFile
    data: bytes | None  # None when over the size limit: never read into memory
    sha256: str
    submission_id: int


class Ingestor:
    """Processes the pending files of one bucket into one warehouse."""

    def __init__(
        self,
        bucket: Bucket,
        warehouse: Warehouse,
        *,
        default_edition: str,
        max_file_bytes: int,
        run_id: str | None = None,
    ):
        self.bucket = bucket
        self.warehouse = warehouse
        self.default_edition = default_edition
        self.max_file_bytes = max_file_bytes
        self.run_id = run_id

    def run(self, settle_seconds: float) -> IngestReport:
        ensure_raw_tables(self.warehouse)
        clear_landing(self.warehouse)  # leftovers of a run that died mid-file
        report = IngestReport()
        for pending in self.bucket.pending(settle_seconds):
            submission, gate = self.process(pending)
            log.info("%s: %s", pending.path, submission.status)
            report.submissions.append(submission)
            if gate is not None:
                report.gate_results.append(gate)
        return report

    def process(self, pending: BucketFile) -> tuple[Submission, GateResult | None]:
        """Steps 1-6 of the module docstring for one file."""
        data = None if pending.size > self.max_file_bytes else self.bucket.read(pending.path)
        sha = sha256_hex(data) if data is not None else self.bucket.sha256(pending.path)
        with self.warehouse.connect() as connection:
            unfinished = ledger.find_unfinished(connection, pending.path, sha, pending.modified)
            if unfinished is not None:
                self._move(unfinished)
                return unfinished, None
            drop = _Drop(pending, data, sha, next_submission_id(connection))
            connection.commit()
            earlier = ledger.loaded_with_content(connection, sha)

        if pending.submitter is None:
            location = _location_error(pending)
            return self._reject(drop, CheckedFile(errors=[location], total_errors=1)), None
        if earlier is not None:
            duplicate = self._submission(drop, Status.DUPLICATE, ARCHIVE, duplicate_of=earlier)
            self._commit(duplicate)
            self._move(duplicate)
            return duplicate, None

        checked = self._check(drop)
        try:
            if not checked.accepted:
                return self._reject(drop, checked), checked.gate
            return self._load(drop, checked), checked.gate
        finally:
            if checked.staging_name:
                drop_staged(self.warehouse, checked.staging_name)

    def _check(self, drop: _Drop) -> CheckedFile:
        if drop.data is None:
            try:
                check_size(drop.file.size, self.max_file_bytes)
            except FileRejected as rejection:
                return CheckedFile(errors=rejection.errors, total_errors=rejection.total)
        return check_return(
            self.warehouse,
            drop.file.name,
            drop.data or b"",
            staging_name=f"file_{drop.submission_id}",
            default_edition=self.default_edition,
            max_file_bytes=self.max_file_bytes,
        )

    def _submission(
        self, drop: _Drop, status: Status, area: str, checked: CheckedFile | None = None, **extra
    ) -> Submission:
        parsed = checked.parsed if checked else None
        return Submission(
            submission_id=drop.submission_id,
            submitter=drop.file.submitter,
            original_path=drop.file.path,
            sha256=drop.sha256,
            size_bytes=len(drop.data) if drop.data is not None else drop.file.size,
            file_format=parsed.file_format if parsed else None,
            received_at=drop.file.modified,
            processed_at=datetime.now(UTC),
            status=status,
            line_count=parsed.table.num_rows if parsed else 0,
            error_count=checked.total_errors if checked else 0,
            final_location=self.bucket.free_path(drop.file.destination(area)),
            run_id=self.run_id,
            warnings=checked.warnings if checked else [],
            **extra,
        )

    def _load(self, drop: _Drop, checked: CheckedFile) -> Submission:
        loaded = self._submission(drop, Status.LOADED, ARCHIVE, checked)
        self._commit(loaded, lines_from=landing_table(checked.staging_name))
        self._move(loaded)
        return loaded

    def _reject(self, drop: _Drop, checked: CheckedFile) -> Submission:
        rejected = self._submission(drop, Status.REJECTED, REJECTED, checked)
        json_path, human_path = report_paths(rejected.final_location)
        rejected.report_location = human_path  # what the run summary points the sender to
        json_report, human_report = build_reports(
            drop.file.path,
            checked.errors,
            checked.total_errors,
            checked.parsed.header_columns if checked.parsed else None,
            checked.where,
        )
        # Reports first: once the ledger says "rejected", the sender's report must exist.
        self.bucket.write(json_path, json_report)
        self.bucket.write(human_path, human_report)
        self._commit(rejected)
        self._move(rejected)
        return rejected

    def _move(self, submission: Submission) -> None:
        """Take the file out of incoming/, then note in the ledger that it is done."""
        self.bucket.move(submission.original_path, submission.final_location, submission.sha256)
        submission.moved_at = datetime.now(UTC)
        with self.warehouse.begin() as connection:
            ledger.mark_moved(connection, submission.submission_id, submission.moved_at)

    def _commit(self, submission: Submission, lines_from: str | None = None) -> None:
        """The file's lines and its ledger row land together or not at all."""
        with self.warehouse.begin() as connection:
            if lines_from is not None:
                assert submission.submitter is not None  # files outside a folder never load
                load_staged_lines(
                    connection, lines_from, submission.submission_id, submission.submitter
                )
            ledger.record(connection, submission)
