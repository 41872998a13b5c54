"""One pass over the bucket: every pending file is loaded, rejected or set aside as a duplicate.

Per file, reference files (``reference/<kind>/``) first, then returns, each in received
order:

1. finish an earlier run's move if this exact drop is already in the ledger;
2. reject it if it is not inside a valid ``incoming/<submitter>/`` or
   ``reference/<kind>/`` folder;
3. set it aside if the same bytes were loaded before (whatever the name or sender);
4. parse, stage and validate it (the quality gate in ``expectations/``, with the suite
   of its kind);
5. in ONE transaction: insert its rows (return lines or ``raw.reference_<kind>``) and its
   ledger row (or only the ledger row);
6. move it out of incoming/ or reference/ (copy, verify, delete) and note ``moved_at``.

A crash before step 5 commits leaves no trace; a crash after it is finished by step 1
of the next run. A validator failure raises: the file stays pending, the run fails.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from expectations.errors import FileRejected, ReturnError, WhereRead
from expectations.fields import DELIVERY, FieldTable
from ingest import ledger
from ingest.bucket import (
    ARCHIVE,
    INCOMING,
    REFERENCE,
    REJECTED,
    Bucket,
    BucketFile,
    sha256_hex,
)
from ingest.ledger import FileKind, Status, Submission
from ingest.progress import Progress, progress_display
from ingest.raw_tables import (
    ensure_raw_tables,
    load_staged_lines,
    load_staged_reference,
    next_submission_id,
)
from ingest.readers import Source, StreamedFile, check_size, open_return
from ingest.readers._table import OLE2_MAGIC, ZIP_MAGIC
from ingest.reference_files import KINDS, READERS
from ingest.reports import build_reports, report_paths
from ingest.staging import (
    clear_landing,
    counting_warnings,
    drop_staged,
    landing_table,
    place_code_warnings,
    stage_lines,
    stage_table,
)
from warehouse import Warehouse

if TYPE_CHECKING:  # GX is slow to import: only check_return loads it, when needed
    from expectations.gate import GateResult

log = logging.getLogger(__name__)

# Files up to this size are read into memory whole; larger ones are read in pieces.
READ_WHOLE_BYTES = 16 * 1024 * 1024

_SUBMITTER_FOLDERS = (
    "incoming/<submitter>/, where <submitter> is your organisation's short name in "
    "lowercase letters, digits and hyphens (for example incoming/leeds-city-council/)"
)

_REFERENCE_FOLDERS = ", ".join(f"reference/{kind}/" for kind in KINDS)
_BAD_REFERENCE_FOLDER = (
    "The file is not inside a reference folder this pipeline reads. Upload a newer "
    f"official reference file to the folder of what it holds: {_REFERENCE_FOLDERS} "
    "(see docs/reference-files.md)."
)
_RESERVED_SUBMITTER = (
    "'reference' is reserved for official reference files and is no submitter's name. "
    "Upload returns to incoming/<submitter>/ under your organisation's own short name; "
    f"reference files go in {_REFERENCE_FOLDERS} at the bucket root, not under incoming/."
)


def _bad_submitter_folder(file: BucketFile) -> str:
    """Why a return outside a valid submitter folder is refused, and where it should go."""
    if file.folder is None:
        return f"The file is not inside a submitter folder. Upload it to {_SUBMITTER_FOLDERS}."
    suggestion = file.suggested_submitter
    move = (
        f"Upload it to {INCOMING}/{suggestion}/ instead."
        if suggestion
        else f"Upload it to {_SUBMITTER_FOLDERS}."
    )
    return (
        f'The folder name "{file.folder}" is not allowed: submitter folders are named in '
        f"lowercase letters, digits and hyphens, without spaces. {move}"
    )


@dataclass
class CheckedFile:
    """The verdict on one file's content, before anything is written to the warehouse."""

    errors: list[ReturnError]
    total_errors: int
    parsed: StreamedFile | None = None  # the return as read (its headers, format, rows)
    where: WhereRead = field(default_factory=WhereRead)  # the sheet and header row read
    staging_name: str | None = None  # landing.<staging_name> holds the typed lines
    warnings: list[str] = field(default_factory=list)
    gate: GateResult | None = None  # None when the file was refused before the gate
    file_format: str | None = None  # as read: csv, xlsx, xls, json, parquet
    row_count: int = 0  # lines of a return, rows of a reference file

    @property
    def accepted(self) -> bool:
        return self.total_errors == 0


def check_return(
    warehouse: Warehouse,
    name: str,
    data: bytes | Source,
    *,
    staging_name: str,
    default_edition: str,
    max_file_bytes: int,
    field_table: FieldTable = DELIVERY,
    on_lines: Callable[[int], None] | None = None,
) -> CheckedFile:
    """Parse, stage and validate one return of ``field_table``'s kind (a delivery return
    by default); shared by the pipeline and ``svw validate``. ``on_lines`` is told how
    many lines were read as reading goes (for progress).

    The file is read in batches straight into its staging table (never whole in memory,
    for a format that streams); what only the whole file shows is judged after that.
    Raises ``expectations.gate.ValidatorError`` when the gate itself fails.
    """
    from expectations.gate import LINE_SUITES, validate_staged  # GX is slow: only here

    source = data if isinstance(data, Source) else Source.of_bytes(data)
    try:
        parsed = open_return(name, source, max_file_bytes, field_table)
        parsed.on_rows = on_lines
        table = stage_lines(warehouse, staging_name, parsed.reader(), default_edition, field_table)
        try:
            parsed.finish()
        except FileRejected:
            drop_staged(warehouse, staging_name)
            raise
    except FileRejected as rejection:
        return CheckedFile(
            errors=rejection.errors, total_errors=rejection.total, where=rejection.where
        )
    gate = validate_staged(warehouse, table, LINE_SUITES[field_table.kind])
    warnings = [
        f"Column '{column}' is not part of the return format and was ignored."
        for column in parsed.ignored_columns
    ]
    if gate.total_errors == 0:
        warnings += place_code_warnings(warehouse, table) + counting_warnings(
            warehouse, table, field_table
        )
    return CheckedFile(
        errors=gate.errors,
        total_errors=gate.total_errors,
        parsed=parsed,
        where=parsed.where,
        staging_name=staging_name,
        warnings=warnings,
        gate=gate,
        file_format=parsed.file_format,
        row_count=parsed.rows,
    )


def check_reference(
    warehouse: Warehouse, kind: str, name: str, data: bytes, *, staging_name: str
) -> CheckedFile:
    """Read, stage and validate one reference file of ``kind`` (geography, ...).

    Raises ``expectations.gate.ValidatorError`` when the gate itself fails.
    """
    from expectations.gate import validate_staged  # GX is slow to import; only load it here
    from expectations.reference_rules import SUITES

    try:
        rows = READERS[kind](name, data, for_loading=True)
    except FileRejected as rejection:
        return CheckedFile(errors=rejection.errors, total_errors=rejection.total)
    table = stage_table(warehouse, staging_name, rows)
    gate = validate_staged(warehouse, table, SUITES[kind])
    return CheckedFile(
        errors=gate.errors,
        total_errors=gate.total_errors,
        staging_name=staging_name,
        gate=gate,
        file_format=_workbook_format(data),
        row_count=rows.num_rows,
    )


def _workbook_format(data: bytes) -> str:
    """How a reference file was read: told by its first bytes, as the readers tell it."""
    if data.startswith(ZIP_MAGIC):
        return "xlsx"
    return "xls" if data.startswith(OLE2_MAGIC) else "csv"


@dataclass
class IngestReport:
    """What one pass did, for the run summary and Dagster metadata."""

    submissions: list[Submission] = field(default_factory=list)
    gate_results: list[GateResult] = field(default_factory=list)

    def count(self, status: Status) -> int:
        return sum(1 for s in self.submissions if s.status == status)

    @property
    def lines_loaded(self) -> int:
        """Return lines loaded (reference files' rows are not return lines)."""
        return sum(
            s.line_count
            for s in self.submissions
            if s.status == Status.LOADED and s.file_kind == FileKind.RETURN
        )


@dataclass(frozen=True)
class _Drop:
    """One pending file, read and given its ledger number."""

    file: BucketFile
    source: Source  # read when checked, in pieces where the format allows
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
        progress: Progress | None = None,
    ):
        self.bucket = bucket
        self.warehouse = warehouse
        self.default_edition = default_edition
        self.max_file_bytes = max_file_bytes
        self.run_id = run_id
        # Bars on a terminal, else log lines (ingest.progress); decided per run if None.
        self.progress = progress
        self._progress: Progress | None = None  # the display of the run under way

    def run(self, settle_seconds: float) -> IngestReport:
        ensure_raw_tables(self.warehouse)
        clear_landing(self.warehouse)  # leftovers of a run that died mid-file
        report = IngestReport()
        pending_files = self.bucket.pending(settle_seconds)
        progress = self._progress = self.progress or progress_display()
        progress.start(len(pending_files))
        try:
            for pending in pending_files:
                progress.file_started(pending.path, pending.size)
                submission, gate = self.process(pending)
                progress.file_done(submission.status)
                log.info("%s: %s", pending.path, submission.status)
                report.submissions.append(submission)
                if gate is not None:
                    report.gate_results.append(gate)
        finally:
            progress.close()
        return report

    def process(self, pending: BucketFile) -> tuple[Submission, GateResult | None]:
        """Steps 1-6 of the module docstring for one file."""
        sha, source = self._open(pending)
        with self.warehouse.connect() as connection:
            unfinished = ledger.find_unfinished(connection, pending.path, sha, pending.modified)
            if unfinished is not None:
                self._move(unfinished)
                return unfinished, None
            drop = _Drop(pending, source, sha, next_submission_id(connection))
            connection.commit()
            earlier = ledger.loaded_with_content(connection, sha)

        misplaced = _misplaced(pending)
        if misplaced is not None:
            location = ReturnError(None, None, pending.path, misplaced)
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

    def _open(self, pending: BucketFile) -> tuple[str, Source]:
        """The file's SHA-256 and its bytes to read. A small file is read once (one
        request on S3) and hashed from memory; a larger one is hashed in chunks and read
        in pieces, so memory never grows with the size of a file."""
        if pending.size <= min(READ_WHOLE_BYTES, self.max_file_bytes):
            data = self.bucket.read(pending.path)
            return sha256_hex(data), Source.of_bytes(data)
        source = Source(pending.size, lambda: self.bucket.open(pending.path))
        return self.bucket.sha256(pending.path), source

    def _check(self, drop: _Drop) -> CheckedFile:
        try:  # before reading anything of it
            check_size(drop.file.size, self.max_file_bytes)
        except FileRejected as rejection:
            return CheckedFile(errors=rejection.errors, total_errors=rejection.total)
        file_kind = FileKind.of(drop.file)
        kind = file_kind.reference_kind
        if kind is not None:
            return check_reference(
                self.warehouse,
                kind,
                drop.file.name,
                drop.source.read_all(),  # reference files are small tables, read whole
                staging_name=f"file_{drop.submission_id}",
            )
        return check_return(
            self.warehouse,
            drop.file.name,
            drop.source,
            staging_name=f"file_{drop.submission_id}",
            default_edition=self.default_edition,
            max_file_bytes=self.max_file_bytes,
            field_table=file_kind.field_table or DELIVERY,
            on_lines=self._progress.lines_read if self._progress else None,
        )

    def _submission(
        self, drop: _Drop, status: Status, area: str, checked: CheckedFile | None = None, **extra
    ) -> Submission:
        return Submission(
            submission_id=drop.submission_id,
            submitter=drop.file.submitter,
            original_path=drop.file.path,
            sha256=drop.sha256,
            size_bytes=drop.file.size,
            file_format=checked.file_format if checked else None,
            received_at=drop.file.modified,
            processed_at=datetime.now(UTC),
            status=status,
            line_count=checked.row_count if checked else 0,
            error_count=checked.total_errors if checked else 0,
            final_location=self.bucket.free_path(drop.file.destination(area)),
            run_id=self.run_id,
            warnings=checked.warnings if checked else [],
            file_kind=FileKind.of(drop.file),
            **extra,
        )

    def _load(self, drop: _Drop, checked: CheckedFile) -> Submission:
        loaded = self._submission(drop, Status.LOADED, ARCHIVE, checked)
        self._commit(loaded, staged=landing_table(checked.staging_name))
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

    def _commit(self, submission: Submission, staged: str | None = None) -> None:
        """The file's rows and its ledger row land together or not at all."""
        with self.warehouse.begin() as connection:
            kind = submission.file_kind.reference_kind
            if staged is not None and kind is not None:
                load_staged_reference(connection, kind, staged, submission.submission_id)
            elif staged is not None:
                assert submission.submitter is not None  # files outside a folder never load
                load_staged_lines(
                    connection,
                    staged,
                    submission.submission_id,
                    submission.submitter,
                    submission.file_kind.field_table or DELIVERY,
                )
            ledger.record(connection, submission)


def _misplaced(file: BucketFile) -> str | None:
    """Why a file is in no folder the pipeline reads (the sender's message), else None."""
    kind = FileKind.of(file)
    if kind == FileKind.REFERENCE_ELSEWHERE:
        return _BAD_REFERENCE_FOLDER
    if kind.field_table is not None and file.submitter is None:
        return _RESERVED_SUBMITTER if file.folder == REFERENCE else _bad_submitter_folder(file)
    return None
