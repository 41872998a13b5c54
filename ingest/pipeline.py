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

Small returns (read whole, at most ``BATCH_LINES`` lines) are held after parsing and
taken through steps 4-6 by batches of one kind (``BATCH_LINES`` lines, ``BATCH_FILES``
files): staged by one statement, gated by one validation (GX costs about a second per
validation, whatever its size), each file still given its own verdict and report;
then one transaction for every file of the batch (each loaded file's lines, every
ledger row), then the moves. Reference files and files read in pieces go alone. A held
file's copy (same bytes) waits until the held file is settled, so it is found to be a
duplicate, as one after the other.

A crash before step 5 commits leaves no trace (of any file of the batch); a crash after
it is finished by step 1 of the next run. A validator failure raises: the file (every
file of its batch) stays pending, the run fails.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING

import pyarrow as pa
import sqlalchemy as sa

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
    stage_batch,
    stage_lines,
    stage_table,
)
from warehouse import Warehouse

if TYPE_CHECKING:  # GX is slow to import: only check_return loads it, when needed
    from expectations.gate import GateResult

log = logging.getLogger(__name__)

# Files up to this size are read into memory whole; larger ones are read in pieces.
READ_WHOLE_BYTES = 16 * 1024 * 1024
# A batch of small returns staged and gated together: at most this many lines (the
# gate lists every failing row of a batch, so this bounds its memory), files, and bytes
# (the files are held in memory, read, until their batch is settled).
BATCH_LINES = 20_000
BATCH_FILES = 500
BATCH_BYTES = 64 * 1024 * 1024

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
    warnings = _content_warnings(warehouse, table, field_table).get(0, []) if gate.passed else []
    return _gated(parsed, gate, warnings, staging_name)


def _ignored_columns(parsed: StreamedFile) -> list[str]:
    return [
        f"Column '{column}' is not part of the return format and was ignored."
        for column in parsed.ignored_columns
    ]


def _content_warnings(
    warehouse: Warehouse, table: str, field_table: FieldTable
) -> dict[int, list[str]]:
    """What the senders of the staged files should know, by ``batch_file``."""
    places = place_code_warnings(warehouse, table)
    counting = counting_warnings(warehouse, table, field_table)
    return {file: places.get(file, []) + counting.get(file, []) for file in {*places, *counting}}


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
    slot: int  # its place among the run's pending files, for the report's order


@dataclass(frozen=True)
class _Held:
    """A small return read whole and found readable, waiting for its batch's gate."""

    drop: _Drop
    parsed: StreamedFile
    lines: pa.Table


@dataclass
class _Batch:
    """Small returns of one kind, to be staged and gated together."""

    field_table: FieldTable
    files: list[_Held] = field(default_factory=list)
    lines: int = 0
    size_bytes: int = 0

    def add(self, held: _Held) -> None:
        self.files.append(held)
        self.lines += held.lines.num_rows
        self.size_bytes += held.drop.file.size

    def fits(self, held: _Held) -> bool:
        """Whether ``held`` can join without the batch going over its bounds."""
        return (
            FileKind.of(held.drop.file).field_table == self.field_table
            and self.lines + held.lines.num_rows <= BATCH_LINES
            and self.size_bytes + held.drop.file.size <= BATCH_BYTES
        )

    @property
    def full(self) -> bool:
        return (
            self.lines >= BATCH_LINES
            or len(self.files) >= BATCH_FILES
            or self.size_bytes >= BATCH_BYTES
        )

    def holds(self, sha256: str) -> bool:
        return any(held.drop.sha256 == sha256 for held in self.files)


@dataclass(frozen=True)
class _Verdict:
    """A file's fate, decided, not yet written: what ``Ingestor._settle`` writes."""

    drop: _Drop
    status: Status
    checked: CheckedFile | None = None
    staged: str | None = None  # the staging table holding a loaded file's lines
    batch_file: int = 0  # the file's number in that table
    duplicate_of: int | None = None


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
        self._batch: _Batch | None = None  # small returns held for the gate
        self._outcomes: list[tuple[Submission, GateResult | None] | None] = []

    def run(self, settle_seconds: float) -> IngestReport:
        ensure_raw_tables(self.warehouse)
        clear_landing(self.warehouse)  # leftovers of a run that died mid-file
        pending_files = self.bucket.pending(settle_seconds)
        progress = self._progress = self.progress or progress_display()
        progress.start(len(pending_files))
        self._batch, self._outcomes = None, [None] * len(pending_files)
        try:
            for slot, pending in enumerate(pending_files):
                progress.file_started(pending.path, pending.size)
                self._take(pending, slot)
            self._flush()
        finally:
            self._batch = None  # held files stay pending: they were never written
            progress.close()
        report = IngestReport()
        for submission, gate in filter(None, self._outcomes):
            report.submissions.append(submission)
            if gate is not None:
                report.gate_results.append(gate)
        return report

    def _take(self, pending: BucketFile, slot: int) -> None:
        """Steps 1-3 of the module docstring for one file, then step 4 or its holding."""
        sha, source = self._open(pending)
        if self._batch is not None and self._batch.holds(sha):
            self._flush()  # a copy of a held file: a duplicate once that file is loaded
        with self.warehouse.connect() as connection:
            unfinished = ledger.find_unfinished(connection, pending.path, sha, pending.modified)
            if unfinished is None:
                drop = _Drop(pending, source, sha, next_submission_id(connection), slot)
                connection.commit()
                earlier = ledger.loaded_with_content(connection, sha)
        if unfinished is not None:
            self._move(unfinished)
            self._done(slot, unfinished, None)
            return

        misplaced = _misplaced(pending)
        if misplaced is not None:
            location = ReturnError(None, None, pending.path, misplaced)
            checked = CheckedFile(errors=[location], total_errors=1)
            self._settle([_Verdict(drop, Status.REJECTED, checked)])
        elif earlier is not None:
            self._settle([_Verdict(drop, Status.DUPLICATE, duplicate_of=earlier)])
        else:
            self._check(drop)

    def _open(self, pending: BucketFile) -> tuple[str, Source]:
        """The file's SHA-256 and its bytes to read. A small file is read once (one
        request on S3) and hashed from memory; a larger one is hashed in chunks and read
        in pieces, so memory never grows with the size of a file."""
        if self._read_whole(pending):
            data = self.bucket.read(pending.path)
            return sha256_hex(data), Source.of_bytes(data)
        source = Source(pending.size, lambda: self.bucket.open(pending.path))
        return self.bucket.sha256(pending.path), source

    def _read_whole(self, file: BucketFile) -> bool:
        return file.size <= min(READ_WHOLE_BYTES, self.max_file_bytes)

    def _check(self, drop: _Drop) -> None:
        """Step 4: a small return joins the batch; any other file is checked alone."""
        try:  # before reading anything of it
            check_size(drop.file.size, self.max_file_bytes)
        except FileRejected as rejection:
            checked = CheckedFile(errors=rejection.errors, total_errors=rejection.total)
            self._settle([_Verdict(drop, Status.REJECTED, checked)])
            return
        file_kind = FileKind.of(drop.file)
        field_table = file_kind.field_table
        if field_table is not None and self._read_whole(drop.file):
            self._hold(drop, field_table)
            return
        # A reference file changes what later returns are checked against; a large
        # return is staged as it is read. Either goes alone, after the batch.
        self._flush()
        staging_name = f"file_{drop.submission_id}"
        try:
            checked = self._check_alone(drop, file_kind, staging_name)
            self._settle([_verdict(drop, checked, checked.staging_name)])
        finally:
            drop_staged(self.warehouse, staging_name)

    def _check_alone(self, drop: _Drop, file_kind: FileKind, staging_name: str) -> CheckedFile:
        kind = file_kind.reference_kind
        if kind is not None:
            return check_reference(
                self.warehouse,
                kind,
                drop.file.name,
                drop.source.read_all(),  # reference files are small tables, read whole
                staging_name=staging_name,
            )
        return check_return(
            self.warehouse,
            drop.file.name,
            drop.source,
            staging_name=staging_name,
            default_edition=self.default_edition,
            max_file_bytes=self.max_file_bytes,
            field_table=file_kind.field_table or DELIVERY,
            on_lines=self._progress.lines_read if self._progress else None,
        )

    def _hold(self, drop: _Drop, field_table: FieldTable) -> None:
        """Read a small return whole; reject it now if it cannot be read, else add it
        to the batch of its kind (gated once the batch is full, or at the end)."""
        try:
            parsed = open_return(drop.file.name, drop.source, self.max_file_bytes, field_table)
            parsed.on_rows = self._progress.lines_read if self._progress else None
            lines = pa.Table.from_batches(list(parsed.batches()), parsed.schema)
            parsed.finish()
        except FileRejected as rejection:
            checked = CheckedFile(
                errors=rejection.errors, total_errors=rejection.total, where=rejection.where
            )
            self._settle([_Verdict(drop, Status.REJECTED, checked)])
            return
        held = _Held(drop, parsed, lines)
        if self._batch is not None and not self._batch.fits(held):
            self._flush()
        if self._batch is None:
            self._batch = _Batch(field_table)
        self._batch.add(held)
        if self._batch.full:
            self._flush()

    def _flush(self) -> None:
        """Steps 4-6 for the held batch: one staging statement, one gate, one load."""
        batch, self._batch = self._batch, None
        if batch is None:
            return
        from expectations.gate import LINE_SUITES, validate_batch  # GX is slow to import

        staging_name = f"batch_{batch.files[0].drop.submission_id}"
        field_table = batch.field_table
        try:
            table = stage_batch(
                self.warehouse,
                staging_name,
                [held.lines for held in batch.files],
                self.default_edition,
                field_table,
            )
            gates = validate_batch(
                self.warehouse, table, LINE_SUITES[field_table.kind], len(batch.files)
            )
            warnings = (
                _content_warnings(self.warehouse, table, field_table)
                if any(gate.passed for gate in gates)
                else {}
            )
            self._settle(
                [
                    _verdict(
                        held.drop,
                        _gated(held.parsed, gate, warnings.get(number, []), staging_name),
                        staging_name,
                        number,
                    )
                    for number, (held, gate) in enumerate(zip(batch.files, gates, strict=True))
                ]
            )
        finally:
            drop_staged(self.warehouse, staging_name)

    def _settle(self, verdicts: list[_Verdict]) -> None:
        """Steps 5-6 for files whose fate is decided: rejection reports first, then one
        transaction for all their rows and ledger rows, then the moves."""
        taken: set[str] = set()  # destinations promised in this transaction
        submissions = []
        for verdict in verdicts:
            submission = self._submission(verdict, taken)
            taken.add(submission.final_location)
            if verdict.status == Status.REJECTED:
                self._write_reports(verdict, submission)
            submissions.append(submission)
        with self.warehouse.begin() as connection:
            for verdict, submission in zip(verdicts, submissions, strict=True):
                if verdict.status == Status.LOADED:
                    self._load(connection, verdict, submission)
                ledger.record(connection, submission)
        for verdict, submission in zip(verdicts, submissions, strict=True):
            self._move(submission)
            self._done(verdict.drop.slot, submission, verdict.checked and verdict.checked.gate)

    def _done(self, slot: int, submission: Submission, gate: GateResult | None) -> None:
        self._outcomes[slot] = (submission, gate)
        if self._progress is not None:
            self._progress.file_done(submission.status)
        log.info("%s: %s", submission.original_path, submission.status)

    def _submission(self, verdict: _Verdict, taken: set[str]) -> Submission:
        drop, checked = verdict.drop, verdict.checked
        area = REJECTED if verdict.status == Status.REJECTED else ARCHIVE
        return Submission(
            submission_id=drop.submission_id,
            submitter=drop.file.submitter,
            original_path=drop.file.path,
            sha256=drop.sha256,
            size_bytes=drop.file.size,
            file_format=checked.file_format if checked else None,
            received_at=drop.file.modified,
            processed_at=datetime.now(UTC),
            status=verdict.status,
            line_count=checked.row_count if checked else 0,
            error_count=checked.total_errors if checked else 0,
            final_location=self.bucket.free_path(drop.file.destination(area), taken),
            duplicate_of=verdict.duplicate_of,
            run_id=self.run_id,
            warnings=checked.warnings if checked else [],
            file_kind=FileKind.of(drop.file),
        )

    def _write_reports(self, verdict: _Verdict, rejected: Submission) -> None:
        """The sender's reports, written before the ledger says "rejected"."""
        checked = verdict.checked
        assert checked is not None  # a rejection always says why
        json_path, human_path = report_paths(rejected.final_location)
        rejected.report_location = human_path  # what the run summary points the sender to
        json_report, human_report = build_reports(
            verdict.drop.file.path,
            checked.errors,
            checked.total_errors,
            checked.parsed.header_columns if checked.parsed else None,
            checked.where,
        )
        self.bucket.write(json_path, json_report)
        self.bucket.write(human_path, human_report)

    def _move(self, submission: Submission) -> None:
        """Take the file out of incoming/, then note in the ledger that it is done."""
        self.bucket.move(submission.original_path, submission.final_location, submission.sha256)
        submission.moved_at = datetime.now(UTC)
        with self.warehouse.begin() as connection:
            ledger.mark_moved(connection, submission.submission_id, submission.moved_at)

    @staticmethod
    def _load(connection: sa.Connection, verdict: _Verdict, submission: Submission) -> None:
        """A loaded file's rows, in the caller's transaction with its ledger row."""
        assert verdict.staged is not None  # a file is loaded from its staging table
        staged = landing_table(verdict.staged)
        kind = submission.file_kind.reference_kind
        if kind is not None:
            load_staged_reference(connection, kind, staged, submission.submission_id)
            return
        assert submission.submitter is not None  # files outside a folder never load
        load_staged_lines(
            connection,
            staged,
            submission.submission_id,
            submission.submitter,
            submission.file_kind.field_table or DELIVERY,
            verdict.batch_file,
        )


def _verdict(
    drop: _Drop, checked: CheckedFile, staged: str | None, batch_file: int = 0
) -> _Verdict:
    """Loaded from ``staged`` if the file passed, else rejected."""
    if not checked.accepted:
        return _Verdict(drop, Status.REJECTED, checked)
    return _Verdict(drop, Status.LOADED, checked, staged, batch_file)


def _gated(
    parsed: StreamedFile, gate: GateResult, warnings: list[str], staging_name: str
) -> CheckedFile:
    """A return's verdict from the gate (alone, or as one file of a batch); ``warnings``
    about its content are kept only if it passed."""
    return CheckedFile(
        errors=gate.errors,
        total_errors=gate.total_errors,
        parsed=parsed,
        where=parsed.where,
        staging_name=staging_name,
        warnings=_ignored_columns(parsed) + (warnings if gate.passed else []),
        gate=gate,
        file_format=parsed.file_format,
        row_count=parsed.rows,
    )


def _misplaced(file: BucketFile) -> str | None:
    """Why a file is in no folder the pipeline reads (the sender's message), else None."""
    kind = FileKind.of(file)
    if kind == FileKind.REFERENCE_ELSEWHERE:
        return _BAD_REFERENCE_FOLDER
    if kind.field_table is not None and file.submitter is None:
        return _RESERVED_SUBMITTER if file.folder == REFERENCE else _bad_submitter_folder(file)
    return None
