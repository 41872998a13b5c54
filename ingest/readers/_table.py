"""The one shape every format reads into, and the rejections every format shares.

A format module turns bytes into one text column per header it found plus the row
number the sender sees; :class:`StreamedFile` does the rest identically for all of
them, piece by piece: whitespace trimmed, blanks as nulls, empty rows dropped, "no data
rows" refused. A format that can read a file in pieces (CSV) hands it chunk after
chunk, so that a large file is never whole in memory; the others hand one chunk.
:class:`Source` is a file's bytes, opened on demand rather than held.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from functools import reduce
from typing import BinaryIO

import pyarrow as pa
import pyarrow.compute as pc
from openpyxl.utils import get_column_letter

from expectations.errors import MAX_REPORTED_ERRORS, FileRejected, ReturnError, WhereRead
from expectations.fields import FieldTable
from ingest.headers import HeaderMapping

OLE2_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # .xls and password-protected workbooks
ZIP_MAGIC = b"PK\x03\x04"  # .xlsx (and any other zip)

# Said both for an empty upload and for text that turns out to hold only blank lines.
EMPTY_FILE = "The file is empty. Send a file with a header row and one row per measure."


@dataclass
class ParsedFile:
    """A return file read as text, ready to be typed and validated."""

    # "source_row" (int64) + one string column per canonical field present in the file
    table: pa.Table
    file_format: str  # "csv" | "xlsx" | "json" | "parquet"
    header_columns: dict[str, str]  # canonical field -> the sender's own header text
    ignored_columns: list[str]
    where: WhereRead  # the sheet and header row read, and each field's column letter


# How much of a file is read at a time where a file is scanned or copied in pieces.
CHUNK_BYTES = 8 * 1024 * 1024


@dataclass(frozen=True)
class Source:
    """A file's bytes, opened when needed (a bucket object, or bytes in memory)."""

    size: int
    open: Callable[[], BinaryIO]  # a new binary stream from the start, seekable

    @classmethod
    def of_bytes(cls, data: bytes) -> Source:
        return cls(len(data), lambda: io.BytesIO(data))

    def head(self, size: int) -> bytes:
        with self.open() as stream:
            stream.seek(0)
            return stream.read(size)

    def chunks(self, start: int = 0, size: int | None = None) -> Iterator[bytes]:
        """The bytes from ``start`` on, ``size`` (default CHUNK_BYTES) at a time."""
        with self.open() as stream:
            stream.seek(start)
            while chunk := stream.read(size or CHUNK_BYTES):
                yield chunk

    def read_all(self) -> bytes:
        with self.open() as stream:
            stream.seek(0)
            return stream.read()

    def is_blank(self) -> bool:
        """Empty, or nothing but whitespace (read only as far as the first other byte)."""
        return all(chunk.isspace() for chunk in self.chunks())


# What a format reads a file into, piece by piece: the text columns by canonical field
# (as text, untrimmed) and the row number the sender sees of each row.
Chunk = tuple[Mapping[str, pa.Array | pa.ChunkedArray], pa.Array]


class StreamedFile:
    """A return being read: ``batches()`` (once), then ``finish()``.

    Each batch has ``source_row`` (int64) and one string column per mapped field,
    trimmed, blanks as nulls, rows without any value dropped. ``finish`` raises the
    FileRejected that only the whole file can tell (``late_rejection`` of the format,
    then "no data rows").
    """

    def __init__(
        self,
        file_format: str,
        mapping: HeaderMapping,
        chunks: Iterable[Chunk],
        where: WhereRead | None = None,
        late_rejection: Callable[[], FileRejected | None] = lambda: None,
    ) -> None:
        self.file_format = file_format
        self.mapping = mapping
        self.where = where or WhereRead()
        self.ignored_columns = list(mapping.ignored)  # formats add unlabelled columns
        self.rows = 0
        self.on_rows: Callable[[int], None] | None = None  # told the rows of each chunk
        self.schema = pa.schema(
            [("source_row", pa.int64()), *((name, pa.string()) for name in mapping.columns)]
        )
        self._chunks = chunks
        self._late_rejection = late_rejection

    @property
    def header_columns(self) -> dict[str, str]:
        return dict(self.mapping.columns)

    def batches(self) -> Iterator[pa.RecordBatch]:
        for text_columns, source_rows in self._chunks:
            table = _tidied(self.mapping, text_columns, source_rows)
            self.rows += table.num_rows
            if self.on_rows is not None:
                self.on_rows(table.num_rows)
            yield from table.to_batches()

    def reader(self) -> pa.RecordBatchReader:
        """The batches for a consumer that pulls them (DuckDB, a COPY)."""
        return pa.RecordBatchReader.from_batches(self.schema, self.batches())

    def finish(self) -> None:
        """Once every batch was read: reject what only the whole file shows."""
        late = self._late_rejection()
        if late is not None:
            raise late
        if self.rows == 0:
            raise rejected(
                "The file has a header but no data rows. Add one row per delivered measure "
                "below the header.",
                where=self.where,
            )

    def collect(self) -> ParsedFile:
        """The whole file as one table (small files, tests)."""
        table = pa.Table.from_batches(list(self.batches()), self.schema)
        self.finish()
        return ParsedFile(
            table=table,
            file_format=self.file_format,
            header_columns=self.header_columns,
            ignored_columns=self.ignored_columns,
            where=self.where,
        )


@dataclass(frozen=True)
class FileFormat:
    """One readable format: the name it gives ParsedFile.file_format, the file name
    endings it claims (lower case, with the dot) and the function reading its bytes
    as a return of the kind its field table describes; ``stream``, for a format that
    can read a large file in pieces, does the same from a :class:`Source`."""

    name: str
    extensions: tuple[str, ...]
    read: Callable[[bytes, FieldTable], ParsedFile]
    stream: Callable[[Source, FieldTable], StreamedFile] | None = field(default=None)

    def open(self, source: Source, field_table: FieldTable) -> StreamedFile:
        if self.stream is not None:
            return self.stream(source, field_table)
        parsed = self.read(source.read_all(), field_table)
        return StreamedFile(
            parsed.file_format,
            HeaderMapping(parsed.header_columns, {}, parsed.ignored_columns),
            [
                (
                    dict(zip(parsed.table.column_names[1:], parsed.table.columns[1:], strict=True)),
                    parsed.table.column("source_row"),
                )
            ],
            parsed.where,
        )


def rejected(
    message: str,
    row: int | None = None,
    value: str | None = None,
    where: WhereRead | None = None,
) -> FileRejected:
    error = ReturnError(row=row, column=None, value=value, message=message)
    return FileRejected([error], where=where)


def rejected_all(errors: list[ReturnError], where: WhereRead | None = None) -> FileRejected:
    return FileRejected(errors[:MAX_REPORTED_ERRORS], total=len(errors), where=where)


def reject_workbook_in_disguise(data: bytes) -> None:
    """Refuse a workbook sent under a text format's name, before decoding it as text."""
    if data.startswith(ZIP_MAGIC) or data.startswith(OLE2_MAGIC):
        raise rejected(
            "This file is a spreadsheet workbook, not text. Either give it the .xlsx "
            'extension, or open it and use "Save As" > "CSV UTF-8 (comma delimited)".'
        )


def tidy(values: pa.Array | pa.ChunkedArray) -> pa.Array | pa.ChunkedArray:
    """Strip surrounding whitespace and turn what is left empty into null."""
    trimmed = pc.utf8_trim_whitespace(values)
    return pc.if_else(pc.equal(trimmed, ""), pa.scalar(None, pa.string()), trimmed)


def _tidied(
    mapping: HeaderMapping,
    text_columns: Mapping[str, pa.Array | pa.ChunkedArray],
    source_rows: pa.Array | pa.ChunkedArray,
) -> pa.Table:
    """One chunk trimmed, blanks as nulls, rows with nothing in any mapped column dropped."""
    tidied = {name: tidy(text_columns[name]) for name in mapping.columns}
    has_a_value = reduce(pc.or_, (pc.is_valid(column) for column in tidied.values()))
    return pa.table({"source_row": source_rows.cast(pa.int64()), **tidied}).filter(has_a_value)


def assemble(
    file_format: str,
    mapping: HeaderMapping,
    text_columns: dict[str, pa.Array | pa.ChunkedArray],
    source_rows: pa.Array,
    where: WhereRead | None = None,
) -> ParsedFile:
    """Build the ParsedFile of a format read whole, dropping rows with nothing in any
    recognised column.

    ``where`` is the sheet and header row read (none for JSON and Parquet).
    """
    return StreamedFile(file_format, mapping, [(text_columns, source_rows)], where).collect()


def unlabelled(position: int) -> str:
    """How an ignored column without a header is named in warnings (as a sheet column)."""
    return f"(column {get_column_letter(position + 1)} has values but no header)"
