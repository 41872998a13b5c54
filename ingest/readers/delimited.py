"""CSV and TSV: delimited text in the encodings and dialects spreadsheet tools write.

Owns decoding (UTF-8 with or without BOM, Windows-1252, UTF-16 with BOM), finding the
header record below any blank lines, detecting the delimiter from it, and numbering
records as the spreadsheet rows the sender sees, blank lines included.
"""

from __future__ import annotations

import codecs
import io
import struct

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pa_csv

from expectations.errors import MAX_REPORTED_ERRORS, FileRejected, ReturnError
from ingest.headers import HeaderMapping, map_headers
from ingest.readers._table import (
    EMPTY_FILE,
    FileFormat,
    ParsedFile,
    assemble,
    reject_workbook_in_disguise,
    rejected,
    unlabelled,
)

NAME = "csv"
DELIMITERS = (",", ";", "\t")  # in order of preference when a header line is ambiguous

_UTF16_BOMS = (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)
_DELIMITER_NAMES = {",": "comma", ";": "semicolon", "\t": "tab"}


def read(data: bytes) -> ParsedFile:
    """Read delimited text whose first non-blank record is the header row."""
    header_line, text = _text_from_header(data)
    first_record = _first_record(text)
    delimiter = _detect_delimiter(first_record)
    # An upper bound (delimiters inside quotes count too): surplus column types are unused.
    width = first_record.count(delimiter) + 1
    irregular = _IrregularRows(delimiter, header_line)
    table = _parse(text, delimiter, width, irregular)
    irregular.raise_if_ragged()

    # Columns beyond the guessed width (odd quoting in the header) may have been inferred.
    columns = [column.cast(pa.string()) for column in table.columns]
    header = [value or "" for value in (column[0].as_py() for column in columns)]
    mapping = _map_header(header, header_line)
    body = [column.slice(1) for column in columns]
    source_rows = _source_rows(table.num_rows - 1, irregular.blank_records, header_line)
    text_columns = {field: body[position] for field, position in mapping.positions.items()}
    parsed = assemble(NAME, mapping, text_columns, source_rows)
    parsed.ignored_columns += _unlabelled_with_values(header, body)
    return parsed


# --- decoding -----------------------------------------------------------------------


def _text_from_header(data: bytes) -> tuple[int, pa.Buffer]:
    """The header's line number and the text (UTF-8, no BOM) from the header on."""
    reject_workbook_in_disguise(data)
    header_line, text = _skip_leading_blank_lines(_as_utf8(data))
    if not bytes(memoryview(text)[:65536]).strip():
        raise rejected(EMPTY_FILE)
    return header_line, text


def _as_utf8(data: bytes) -> pa.Buffer:
    """The CSV bytes as UTF-8 without a BOM, converting Windows-1252 and UTF-16."""
    if data.startswith(codecs.BOM_UTF8):
        return pa.py_buffer(data).slice(len(codecs.BOM_UTF8))
    if data.startswith(_UTF16_BOMS):  # Excel's "Unicode Text"
        try:
            return pa.py_buffer(data.decode("utf-16").encode("utf-8"))
        except UnicodeDecodeError as problem:
            raise _undecodable(data, problem) from problem
    buffer = pa.py_buffer(data)
    if _is_utf8(buffer):
        return buffer
    # Not UTF-8: what Excel on Windows writes for "CSV (comma delimited)", where £ is 0xA3.
    try:
        return pa.py_buffer(data.decode("cp1252").encode("utf-8"))
    except UnicodeDecodeError as problem:
        raise _undecodable(data, problem) from problem


def _is_utf8(buffer: pa.Buffer) -> bool:
    # Validating in Arrow is zero-copy and much faster than bytes.decode on large files.
    offsets = pa.py_buffer(struct.pack("<qq", 0, buffer.size))
    whole_file = pa.Array.from_buffers(pa.large_binary(), 1, [None, offsets, buffer])
    try:
        whole_file.cast(pa.large_string())
    except pa.ArrowInvalid:
        return False
    return True


def _undecodable(data: bytes, problem: UnicodeDecodeError) -> FileRejected:
    line = data.count(b"\n", 0, problem.start) + 1
    return rejected(
        f"The file is not readable text (byte 0x{data[problem.start]:02X} on line {line} is "
        'neither UTF-8 nor Windows-1252). Save it again as "CSV UTF-8 (comma delimited)".',
        row=line,
    )


def _skip_leading_blank_lines(text: pa.Buffer) -> tuple[int, pa.Buffer]:
    """The line number of the header and the text from there on."""
    line_number = 1
    start = 0
    raw = memoryview(text)
    while start < len(raw):
        end = bytes(raw[start : start + 65536]).find(b"\n")
        if end < 0 or bytes(raw[start : start + end]).strip():
            break
        start += end + 1
        line_number += 1
    return line_number, text.slice(start)


# --- the header record --------------------------------------------------------------


def _first_record(text: pa.Buffer) -> str:
    """The header record (which may span lines inside quotes), decoded."""
    prefix = bytes(memoryview(text)[:1_048_576]).decode("utf-8", errors="ignore")
    record = io.StringIO()
    in_quotes = False
    for char in prefix:
        if char == '"':
            in_quotes = not in_quotes
        elif char in "\r\n" and not in_quotes:
            break
        record.write(char)
    return record.getvalue()


def _detect_delimiter(header_record: str) -> str:
    counts = dict.fromkeys(DELIMITERS, 0)
    in_quotes = False
    for char in header_record:
        if char == '"':
            in_quotes = not in_quotes
        elif not in_quotes and char in counts:
            counts[char] += 1
    return max(DELIMITERS, key=lambda delimiter: counts[delimiter])  # first wins a tie


def _map_header(header: list[str], header_line: int) -> HeaderMapping:
    """map_headers, explaining a one-column header as the wrong delimiter."""
    try:
        return map_headers(header, header_row=header_line)
    except FileRejected as rejection:
        if len(header) != 1:
            raise
        hint = _one_column_hint(header_line, header[0])
        raise FileRejected([hint, *rejection.errors]) from rejection


def _one_column_hint(header_row: int, header: str) -> ReturnError:
    return ReturnError(
        row=header_row,
        column=None,
        value=header[:200],
        message=(
            f"The header row (row {header_row}) was read as a single column. Separate the "
            "columns with commas, semicolons or tabs."
        ),
    )


# --- parsing ------------------------------------------------------------------------


class _IrregularRows:
    """Arrow's handler for records whose field count differs from the header's.

    Records of nothing but whitespace and delimiters are blank lines, skipped but
    remembered so that later rows keep their numbers. Any other is ragged: reported
    (up to the cap, all counted) and the file rejected once parsing is done.
    """

    def __init__(self, delimiter: str, header_line: int) -> None:
        self.delimiter = delimiter
        self.header_line = header_line
        self.blank_records: list[int] = []  # numbers counted from the header record = 1
        self.ragged: list[ReturnError] = []
        self.ragged_total = 0

    def __call__(self, row: pa_csv.InvalidRow) -> str:
        if not row.text.strip(" \t\r\n" + self.delimiter):
            self.blank_records.append(row.number)
            return "skip"
        self.ragged_total += 1
        if len(self.ragged) < MAX_REPORTED_ERRORS:
            self.ragged.append(self._ragged_error(row))
        return "skip"

    def _ragged_error(self, row: pa_csv.InvalidRow) -> ReturnError:
        sheet_row = row.number + self.header_line - 1
        return ReturnError(
            row=sheet_row,
            column=None,
            value=row.text[:200],
            message=(
                f"Row {sheet_row} has {row.actual_columns} fields but the header has "
                f"{row.expected_columns}. Check the row for a missing or extra "
                f"{_DELIMITER_NAMES[self.delimiter]} or an unclosed quote mark."
            ),
        )

    def raise_if_ragged(self) -> None:
        if self.ragged:
            raise FileRejected(self.ragged, total=self.ragged_total)


def _parse(text: pa.Buffer, delimiter: str, width: int, irregular: _IrregularRows) -> pa.Table:
    """Every record as text, the header record included, in columns f0, f1, ..."""
    try:
        return pa_csv.read_csv(
            pa.BufferReader(text),
            read_options=pa_csv.ReadOptions(
                autogenerate_column_names=True,
                # Single-threaded so that every irregular row is reported with its number.
                use_threads=False,
            ),
            parse_options=pa_csv.ParseOptions(
                delimiter=delimiter,
                newlines_in_values=True,
                # Blank lines must stay rows so that row numbers match the spreadsheet.
                ignore_empty_lines=False,
                invalid_row_handler=irregular,
            ),
            convert_options=pa_csv.ConvertOptions(
                column_types={f"f{i}": pa.string() for i in range(width)},
                strings_can_be_null=False,
            ),
        )
    except pa.ArrowInvalid as problem:
        raise rejected(f"The file could not be read as CSV: {problem}.") from problem


# --- the data records ---------------------------------------------------------------


def _source_rows(data_records: int, blank_records: list[int], header_line: int) -> pa.Array:
    """Spreadsheet row numbers of the parsed data records.

    Parsed records are numbered from the header (record 1). Records made of whitespace
    were skipped by the parser, so they are put back into the count before numbering.
    """
    total_records = data_records + len(blank_records)
    record_numbers = np.arange(2, total_records + 2, dtype=np.int64)
    if blank_records:
        record_numbers = record_numbers[~np.isin(record_numbers, blank_records)]
    return pa.array(record_numbers + (header_line - 1))


def _unlabelled_with_values(header: list[str], body: list[pa.ChunkedArray]) -> list[str]:
    """Warnings for columns without a header that hold something below it."""
    return [
        unlabelled(position)
        for position, name in enumerate(header)
        if not name.strip() and _holds_text(body[position])
    ]


def _holds_text(values: pa.ChunkedArray) -> bool:
    return bool(pc.any(pc.not_equal(pc.utf8_trim_whitespace(values), "")).as_py())


FORMAT = FileFormat(name=NAME, extensions=(".csv", ".tsv"), read=read)
