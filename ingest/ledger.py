"""The ledger (``raw.submissions``): one row per file ever seen, and its fate."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from datetime import datetime
from enum import StrEnum

import sqlalchemy as sa

from expectations.fields import COMMITMENTS, DELIVERY, FieldTable
from ingest.bucket import INCOMING, REFERENCE, BucketFile
from ingest.raw_tables import SUBMISSIONS_TABLE
from ingest.reference_files import KINDS, kind_name


class Status(StrEnum):
    """The fate of a file; stored as its text in raw.submissions.status."""

    LOADED = "loaded"
    REJECTED = "rejected"
    DUPLICATE = "duplicate"


class FileKind(StrEnum):
    """What a file is; stored as its text in raw.submissions.file_kind."""

    RETURN = "return"  # a delivery return
    COMMITMENTS = "commitments"  # a commitment return: incoming/<submitter>/commitments/...
    REFERENCE_GEOGRAPHY = "reference_geography"
    REFERENCE_POPULATION = "reference_population"
    REFERENCE_DEPRIVATION = "reference_deprivation"
    REFERENCE_FRAMEWORKS = "reference_frameworks"
    REFERENCE_CROSSWALKS = "reference_crosswalks"
    REFERENCE_LOCAL_PROXIES = "reference_local_proxies"
    # under reference/ but not in a kind's folder: always rejected
    REFERENCE_ELSEWHERE = "reference"

    @classmethod
    def of(cls, file: BucketFile) -> FileKind:
        """The one place a file's kind is read from where it was dropped."""
        if file.area != REFERENCE:
            below_submitter = file.path.split("/")[2:-1]
            is_commitments = file.area == INCOMING and below_submitter[:1] == [COMMITMENTS.kind]
            return cls.COMMITMENTS if is_commitments else cls.RETURN
        if file.folder in KINDS:
            return cls(f"{REFERENCE}_{kind_name(file.folder)}")
        return cls.REFERENCE_ELSEWHERE

    @property
    def field_table(self) -> FieldTable | None:
        """The fields of a return of this kind; None for a reference file."""
        return {FileKind.RETURN: DELIVERY, FileKind.COMMITMENTS: COMMITMENTS}.get(self)

    @property
    def reference_kind(self) -> str | None:
        """The reader's kind (``geography``...) of a loadable reference file, else None."""
        named = self.value.removeprefix(f"{REFERENCE}_")
        return next((kind for kind in KINDS if kind_name(kind) == named), None)


@dataclass
class Submission:
    submission_id: int
    submitter: str | None
    original_path: str
    sha256: str
    size_bytes: int
    file_format: str | None
    received_at: datetime
    processed_at: datetime
    status: Status
    line_count: int
    error_count: int
    final_location: str
    report_location: str | None = None
    duplicate_of: int | None = None
    run_id: str | None = None
    warnings: list[str] = field(default_factory=list)
    moved_at: datetime | None = None  # when the file left incoming/; None until then
    file_kind: FileKind = FileKind.RETURN


_COLUMNS = [f for f in Submission.__dataclass_fields__]


def record(connection: sa.Connection, submission: Submission) -> None:
    """Insert a ledger row; the caller's transaction decides when it counts."""
    values = asdict(submission)
    values["warnings"] = json.dumps(submission.warnings)
    values["status"] = str(submission.status)
    values["file_kind"] = str(submission.file_kind)
    # Timestamps are stored as naive UTC (DuckDB TIMESTAMP).
    for key in ("received_at", "processed_at", "moved_at"):
        values[key] = values[key] and values[key].replace(tzinfo=None)
    connection.execute(
        sa.text(
            f"insert into {SUBMISSIONS_TABLE} ({', '.join(_COLUMNS)}) "
            f"values ({', '.join(':' + c for c in _COLUMNS)})"
        ),
        values,
    )


def find_unfinished(
    connection: sa.Connection, original_path: str, sha256: str, received_at: datetime
) -> Submission | None:
    """A committed ledger row for this very drop whose file was never moved.

    The same path, content and modification time, and no ``moved_at``, means the same
    drop: an earlier run recorded it, then died before the file left incoming/. A file
    sent again later (even with its old modification time) finds no such row.
    """
    row = (
        connection.execute(
            sa.text(
                f"select * from {SUBMISSIONS_TABLE} where original_path = :p and sha256 = :s "
                "and received_at = :r and moved_at is null "
                "order by submission_id desc limit 1"
            ),
            {"p": original_path, "s": sha256, "r": received_at.replace(tzinfo=None)},
        )
        .mappings()
        .first()
    )
    if row is None:
        return None
    values = dict(row)
    values["warnings"] = json.loads(values["warnings"] or "[]")
    values["status"] = Status(values["status"])
    values["file_kind"] = FileKind(values["file_kind"])
    return Submission(**values)


def mark_moved(connection: sa.Connection, submission_id: int, moved_at: datetime) -> None:
    connection.execute(
        sa.text(f"update {SUBMISSIONS_TABLE} set moved_at = :m where submission_id = :i"),
        {"m": moved_at.replace(tzinfo=None), "i": submission_id},
    )


def loaded_with_content(connection: sa.Connection, sha256: str) -> int | None:
    """The submission that already loaded these exact bytes, if any."""
    return connection.execute(
        sa.text(
            f"select min(submission_id) from {SUBMISSIONS_TABLE} where sha256 = :s and status = :st"
        ),
        {"s": sha256, "st": str(Status.LOADED)},
    ).scalar_one()


def submissions_of_run(connection: sa.Connection, run_id: str) -> list[dict]:
    return [
        dict(r)
        for r in connection.execute(
            sa.text(f"select * from {SUBMISSIONS_TABLE} where run_id = :r order by submission_id"),
            {"r": run_id},
        ).mappings()
    ]
