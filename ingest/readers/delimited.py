"""CSV and TSV: delimited text in the encodings and dialects spreadsheet tools write.

Owns decoding (UTF-8 with or without BOM, Windows-1252, UTF-16 with or without BOM, as
Excel's "Unicode Text" .txt), finding the header record below any title or blank lines
together with its delimiter, and numbering records as the spreadsheet rows the sender
sees, blank lines included.
"""

from __future__ import annotations

import codecs
import csv
import io
import struct

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pa_csv

from expectations.errors import MAX_REPORTED_ERRORS, FileRejected, ReturnError, WhereRead
from expectations.fields import DELIVERY, FieldTable
from ingest.headers import HEADER_SEARCH_ROWS, best_header_row, map_headers, no_header_found
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
_UTF16_SAMPLE_BYTES = 4096
# Share of the sampled characters that must have a zero high byte (ASCII in UTF-16).
_UTF16_ZERO_SHARE = 0.3
_DELIMITER_NAMES = {",": "comma", ";": "semicolon", "\t": "tab"}


def read(data: bytes, field_table: FieldTable = DELIVERY) -> ParsedFile:
    """Read delimited text whose header is the record, among the first ones, naming the
    most fields (title lines and blank lines above it are skipped)."""
    utf8 = _as_utf8(data)
    header_line, delimiter = _find_header(utf8, field_table)
    text = _from_line(utf8, header_line)
    first_record = _first_record(text)
    # An upper bound (delimiters inside quotes count too): surplus column types are unused.
    width = first_record.count(delimiter) + 1
    irregular = _IrregularRows(delimiter, header_line)
    table = _parse(text, delimiter, width, irregular)
    irregular.raise_if_ragged()

    # Columns beyond the guessed width (odd quoting in the header) may have been inferred.
    columns = [column.cast(pa.string()) for column in table.columns]
    header = [value or "" for value in (column[0].as_py() for column in columns)]
    mapping = map_headers(header, header_row=header_line, fields=field_table)
    body = [column.slice(1) for column in columns]
    source_rows = _source_rows(table.num_rows - 1, irregular.blank_records, header_line)
    text_columns = {field: body[position] for field, position in mapping.positions.items()}
    where = WhereRead(header_row=header_line, column_letters=mapping.column_letters())
    parsed = assemble(NAME, mapping, text_columns, source_rows, where)
    parsed.ignored_columns += _unlabelled_with_values(header, body)
    return parsed


# --- decoding -----------------------------------------------------------------------


def _as_utf8(data: bytes) -> pa.Buffer:
    """The CSV bytes as UTF-8 without a BOM, converting Windows-1252 and UTF-16."""
    reject_workbook_in_disguise(data)
    if data.startswith(codecs.BOM_UTF8):
        return _not_blank(pa.py_buffer(data).slice(len(codecs.BOM_UTF8)))
    utf16 = "utf-16" if data.startswith(_UTF16_BOMS) else _utf16_without_bom(data)
    if utf16 is not None:  # Excel's "Unicode Text", or a tool that left out the BOM
        try:
            return _not_blank(pa.py_buffer(data.decode(utf16).encode("utf-8")))
        except UnicodeDecodeError as problem:
            raise _undecodable(data, problem) from problem
    buffer = pa.py_buffer(data)
    if _is_utf8(buffer):
        return _not_blank(buffer)
    # Not UTF-8: what Excel on Windows writes for "CSV (comma delimited)", where £ is 0xA3.
    try:
        return _not_blank(pa.py_buffer(data.decode("cp1252").encode("utf-8")))
    except UnicodeDecodeError as problem:
        raise _undecodable(data, problem) from problem


def _utf16_without_bom(data: bytes) -> str | None:
    """'utf-16-le' or 'utf-16-be' when the text is UTF-16 without its byte-order mark.

    Text in UTF-16 has a zero byte beside almost every letter, digit and delimiter, on
    the odd bytes (little-endian, as Windows writes) or the even ones; no text encoding
    we read otherwise has zero bytes at all.
    """
    sample = data[:_UTF16_SAMPLE_BYTES]
    pairs = len(sample) // 2
    if pairs < 2:
        return None
    zeros_even, zeros_odd = sample[0::2].count(0), sample[1::2].count(0)
    if zeros_odd >= pairs * _UTF16_ZERO_SHARE and zeros_even == 0:
        return "utf-16-le"
    if zeros_even >= pairs * _UTF16_ZERO_SHARE and zeros_odd == 0:
        return "utf-16-be"
    return None


def _not_blank(text: pa.Buffer) -> pa.Buffer:
    if not bytes(memoryview(text)[:65536]).strip():
        raise rejected(EMPTY_FILE)
    return text


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


def _from_line(text: pa.Buffer, line_number: int) -> pa.Buffer:
    """The text from physical line ``line_number`` (counted from 1) on, without a copy."""
    start = 0
    raw = memoryview(text)
    for _ in range(line_number - 1):
        end = bytes(raw[start : start + 1_048_576]).find(b"\n")
        if end < 0:
            break
        start += end + 1
    return text.slice(start)


# --- the header record --------------------------------------------------------------


def _first_record(text: pa.Buffer) -> str:
    """The header record (which may span lines inside quotes), decoded."""
    return _first_record_text(bytes(memoryview(text)[:1_048_576]).decode("utf-8", "ignore"))


def _first_record_text(prefix: str) -> str:
    """The first non-blank record of the text (quotes may hold line breaks)."""
    prefix = prefix.lstrip("\r\n\t ")
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


def _find_header(text: pa.Buffer, field_table: FieldTable) -> tuple[int, str]:
    """The header's line number and delimiter: of the first records, the one naming the
    most fields under some delimiter (the earlier record, then the preferred delimiter,
    on a tie). Rejects the file, quoting its first rows, when no record names any."""
    prefix = bytes(memoryview(text)[:1_048_576]).decode("utf-8", errors="ignore")
    best: tuple[int, int, int] | None = None  # (fields named, -line, -preference)
    for preference, delimiter in enumerate(DELIMITERS):
        found = best_header_row(_first_records(prefix, delimiter), field_table)
        if found is not None:
            line, named = found
            candidate = (named, -line, -preference)
            best = candidate if best is None else max(best, candidate)
    if best is None:
        raise _no_header(prefix, field_table)
    return -best[1], DELIMITERS[-best[2]]


def _first_records(prefix: str, delimiter: str) -> list[tuple[int, list[str]]]:
    """(line number where the record starts, fields) of the first records of the text."""
    reader = csv.reader(io.StringIO(prefix), delimiter=delimiter)
    records: list[tuple[int, list[str]]] = []
    line = 1
    try:
        for fields in reader:
            records.append((line, fields))
            line = reader.line_num + 1
            if line > HEADER_SEARCH_ROWS:
                break
    except csv.Error:
        pass  # malformed quoting further on: the records read so far are enough
    return records


def _no_header(prefix: str, field_table: FieldTable) -> FileRejected:
    """Nothing names a field: quote the first rows; rows that are all one column hint at
    a delimiter we do not read."""
    delimiter = _detect_delimiter(_first_record_text(prefix))
    records = _first_records(prefix, delimiter)
    errors = [ReturnError(None, None, None, no_header_found("the file", records, field_table))]
    with_text = [(line, fields) for line, fields in records if "".join(fields).strip()]
    if with_text and all(len(fields) == 1 for _, fields in with_text):
        errors.insert(0, _one_column_hint(*with_text[0]))
    return FileRejected(errors)


def _one_column_hint(row: int, cells: list[str]) -> ReturnError:
    return ReturnError(
        row=row,
        column=None,
        value=cells[0][:200],
        message=(
            f"Row {row}, the first row with text, was read as a single column. Separate "
            "the columns with commas, semicolons or tabs."
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


# .txt: Excel's "Unicode Text" (tab-separated UTF-16) is saved under that name.
FORMAT = FileFormat(name=NAME, extensions=(".csv", ".tsv", ".txt"), read=read)
