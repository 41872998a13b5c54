"""The one shape every format reads into, and the rejections every format shares.

A format module turns bytes into one text column per header it found plus the row
number the sender sees; ``assemble`` does the rest identically for all of them:
whitespace trimmed, blanks as nulls, empty rows dropped, "no data rows" refused.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import reduce

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


@dataclass(frozen=True)
class FileFormat:
    """One readable format: the name it gives ParsedFile.file_format, the file name
    endings it claims (lower case, with the dot) and the function reading its bytes
    as a return of the kind its field table describes."""

    name: str
    extensions: tuple[str, ...]
    read: Callable[[bytes, FieldTable], ParsedFile]


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


def assemble(
    file_format: str,
    mapping: HeaderMapping,
    text_columns: dict[str, pa.Array | pa.ChunkedArray],
    source_rows: pa.Array,
    where: WhereRead | None = None,
) -> ParsedFile:
    """Build the ParsedFile, dropping rows with nothing in any recognised column.

    ``where`` is the sheet and header row read (none for JSON and Parquet).
    """
    where = where or WhereRead()
    tidied = {field: tidy(text_columns[field]) for field in mapping.columns}
    has_a_value = reduce(pc.or_, (pc.is_valid(column) for column in tidied.values()))
    table = pa.table({"source_row": source_rows.cast(pa.int64()), **tidied}).filter(has_a_value)
    if table.num_rows == 0:
        raise rejected(
            "The file has a header but no data rows. Add one row per delivered measure "
            "below the header.",
            where=where,
        )
    return ParsedFile(
        table=table,
        file_format=file_format,
        header_columns=dict(mapping.columns),
        ignored_columns=list(mapping.ignored),
        where=where,
    )


def unlabelled(position: int) -> str:
    """How an ignored column without a header is named in warnings (as a sheet column)."""
    return f"(column {get_column_letter(position + 1)} has values but no header)"
