"""Reading a return file (CSV, XLSX, JSON, Parquet) into one text table.

Every format ends in the same shape: a ``source_row`` column holding the row number
the sender sees, and one text column per canonical field, values exactly as written
(surrounding whitespace stripped, blanks as nulls). Nothing here judges values:
dates, numbers and codes are typed and checked later, in SQL, where every bad value
can be reported at once. This package rejects only files it cannot read as a table.

This module owns the public API, the registry of formats and the choice of format by
file name extension. Each format is one module exposing ``FORMAT`` (its name, the
extensions it claims and its ``read(data) -> ParsedFile``, and for a format that can
read a large file in pieces its ``stream(source) -> StreamedFile``); ``_table`` holds
what they share. The modules for CSV and JSON are named ``delimited`` and ``json_records`` so
that they never stand in for the standard library's ``csv`` and ``json``.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import PurePosixPath

from expectations.fields import DELIVERY, FieldTable
from ingest.readers import delimited, json_records, parquet, xlsx
from ingest.readers._table import (
    EMPTY_FILE,
    FileFormat,
    ParsedFile,
    Source,
    StreamedFile,
    rejected,
)

__all__ = [
    "FILE_FORMAT_BY_EXTENSION",
    "FORMATS",
    "READERS",
    "FileFormat",
    "ParsedFile",
    "Source",
    "StreamedFile",
    "check_size",
    "open_return",
    "read_return",
]

# A new format is a new module here and one entry in this tuple. The order is the order
# the refusal of an unknown extension lists what is accepted (as the format guide does).
FORMATS: tuple[FileFormat, ...] = (
    delimited.FORMAT,
    xlsx.FORMAT,
    json_records.FORMAT,
    parquet.FORMAT,
)


def _by_extension(formats: Iterable[FileFormat]) -> dict[str, FileFormat]:
    registry: dict[str, FileFormat] = {}
    for file_format in formats:
        for extension in file_format.extensions:
            # Names are matched by their lower-cased suffix, so nothing else could match.
            if not extension.startswith(".") or extension != extension.lower():
                raise ValueError(f"{file_format.name}: {extension!r} is not a lower-case '.ext'")
            if registry.setdefault(extension, file_format) is not file_format:
                raise ValueError(f"extension {extension!r} is claimed by two formats")
    return registry


READERS: dict[str, FileFormat] = _by_extension(FORMATS)
FILE_FORMAT_BY_EXTENSION: dict[str, str] = {
    extension: file_format.name for extension, file_format in READERS.items()
}


def read_return(
    name: str, data: bytes, max_bytes: int, field_table: FieldTable = DELIVERY
) -> ParsedFile:
    """Read one submitted file as a return of ``field_table``'s kind, or raise
    FileRejected saying why it cannot be read.

    ``name`` is only used for its extension, which decides the format.
    """
    return open_return(name, Source.of_bytes(data), max_bytes, field_table).collect()


def open_return(
    name: str, source: Source, max_bytes: int, field_table: FieldTable = DELIVERY
) -> StreamedFile:
    """Start reading one submitted file as :func:`read_return` does, batch by batch: a
    rejection found before the first batch is raised here, one found later by
    ``StreamedFile.finish``."""
    file_format = _file_format(name)
    check_size(source.size, max_bytes)
    if source.is_blank():
        raise rejected(EMPTY_FILE)
    return file_format.open(source, field_table)


def check_size(size: int, max_bytes: int) -> None:
    """Reject a file over the size limit; callers may check before reading it at all."""
    if size > max_bytes:
        raise rejected(
            f"The file is {_human_size(size)}, over the {_human_size(max_bytes)} limit. "
            "Split it into smaller files (for example one per quarter) and send each one."
        )


def _file_format(name: str) -> FileFormat:
    extension = PurePosixPath(name.replace("\\", "/")).suffix.lower()
    if extension in READERS:
        return READERS[extension]
    if extension == ".xls":
        raise rejected(
            "This is an old-format Excel workbook (.xls), which cannot be read. Open it in "
            'Excel, choose "Save As" > "Excel Workbook (*.xlsx)" and send the .xlsx file.'
        )
    accepted = ", ".join(READERS)
    found = f'"{extension}" files' if extension else "Files without an extension"
    raise rejected(
        f"{found} cannot be read. Send the return as one of: {accepted} "
        "(see the return format guide)."
    )


def _human_size(size: int) -> str:
    if size < 1024:
        return f"{size} bytes"
    if size < 1024 * 1024:
        return f"{size / 1024:.1f} KB"
    return f"{size / (1024 * 1024):.1f} MB"
