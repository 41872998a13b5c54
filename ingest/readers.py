"""Reading a return file (CSV, XLSX, JSON, Parquet) into one text table.

Every format ends in the same shape: a ``source_row`` column holding the row number
the sender sees, and one text column per canonical field, values exactly as written
(surrounding whitespace stripped, blanks as nulls). Nothing here judges values:
dates, numbers and codes are typed and checked later, in SQL, where every bad value
can be reported at once. This module rejects only files it cannot read as a table.
"""

from __future__ import annotations

import codecs
import datetime
import io
import json
import math
import struct
from collections.abc import Iterator
from dataclasses import dataclass
from functools import reduce
from pathlib import PurePosixPath
from typing import Any

import numpy as np
import openpyxl
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pa_csv
import pyarrow.parquet as pq
from openpyxl.utils import get_column_letter

from ingest.errors import FileRejected, ReturnError
from ingest.headers import HeaderMapping, map_headers
from ingest.schema import MAX_REPORTED_ERRORS

FILE_FORMAT_BY_EXTENSION: dict[str, str] = {
    ".csv": "csv",
    ".tsv": "csv",
    ".xlsx": "xlsx",
    ".json": "json",
    ".parquet": "parquet",
}
CSV_DELIMITERS = (",", ";", "\t")  # in order of preference when a header line is ambiguous

_OLE2_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # .xls and password-protected workbooks
_ZIP_MAGIC = b"PK\x03\x04"  # .xlsx (and any other zip)
_UTF16_BOMS = (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)
_DELIMITER_NAMES = {",": "comma", ";": "semicolon", "\t": "tab"}


@dataclass
class ParsedFile:
    """A return file read as text, ready to be typed and validated."""

    # "source_row" (int64) + one string column per canonical field present in the file
    table: pa.Table
    file_format: str  # "csv" | "xlsx" | "json" | "parquet"
    header_columns: dict[str, str]  # canonical field -> the sender's own header text
    ignored_columns: list[str]


def read_return(name: str, data: bytes, max_bytes: int) -> ParsedFile:
    """Read one submitted file, or raise FileRejected saying why it cannot be read.

    ``name`` is only used for its extension, which decides the format.
    """
    file_format = _file_format(name)
    check_size(len(data), max_bytes)
    if not data or data.isspace():
        raise _rejected("The file is empty. Send a file with a header row and one row per measure.")
    return _READERS[file_format](data)


def check_size(size: int, max_bytes: int) -> None:
    """Reject a file over the size limit; callers may check before reading it at all."""
    if size > max_bytes:
        raise _rejected(
            f"The file is {_human_size(size)}, over the {_human_size(max_bytes)} limit. "
            "Split it into smaller files (for example one per quarter) and send each one."
        )


def _file_format(name: str) -> str:
    extension = PurePosixPath(name.replace("\\", "/")).suffix.lower()
    if extension in FILE_FORMAT_BY_EXTENSION:
        return FILE_FORMAT_BY_EXTENSION[extension]
    if extension == ".xls":
        raise _rejected(
            "This is an old-format Excel workbook (.xls), which cannot be read. Open it in "
            'Excel, choose "Save As" > "Excel Workbook (*.xlsx)" and send the .xlsx file.'
        )
    accepted = ", ".join(FILE_FORMAT_BY_EXTENSION)
    found = f'"{extension}" files' if extension else "Files without an extension"
    raise _rejected(
        f"{found} cannot be read. Send the return as one of: {accepted} "
        "(see the return format guide)."
    )


# --- shared -----------------------------------------------------------------------


def _rejected(message: str, row: int | None = None, value: str | None = None) -> FileRejected:
    return FileRejected([ReturnError(row=row, column=None, value=value, message=message)])


def _rejected_all(errors: list[ReturnError]) -> FileRejected:
    return FileRejected(errors[:MAX_REPORTED_ERRORS], total=len(errors))


def _human_size(size: int) -> str:
    if size < 1024:
        return f"{size} bytes"
    if size < 1024 * 1024:
        return f"{size / 1024:.1f} KB"
    return f"{size / (1024 * 1024):.1f} MB"


def _tidy(values: pa.Array | pa.ChunkedArray) -> pa.Array | pa.ChunkedArray:
    """Strip surrounding whitespace and turn what is left empty into null."""
    trimmed = pc.utf8_trim_whitespace(values)
    return pc.if_else(pc.equal(trimmed, ""), pa.scalar(None, pa.string()), trimmed)


def _assemble(
    file_format: str,
    mapping: HeaderMapping,
    text_columns: dict[str, pa.Array | pa.ChunkedArray],
    source_rows: pa.Array,
) -> ParsedFile:
    """Build the ParsedFile, dropping rows with nothing in any recognised column."""
    tidied = {field: _tidy(text_columns[field]) for field in mapping.columns}
    has_a_value = reduce(pc.or_, (pc.is_valid(column) for column in tidied.values()))
    table = pa.table({"source_row": source_rows.cast(pa.int64()), **tidied}).filter(has_a_value)
    if table.num_rows == 0:
        raise _rejected(
            "The file has a header but no data rows. Add one row per delivered measure "
            "below the header."
        )
    return ParsedFile(
        table=table,
        file_format=file_format,
        header_columns=dict(mapping.columns),
        ignored_columns=list(mapping.ignored),
    )


def _unlabelled(position: int) -> str:
    """How an ignored column without a header is named in warnings (as a sheet column)."""
    return f"(column {get_column_letter(position + 1)} has values but no header)"


def _holds_text(values: pa.ChunkedArray) -> bool:
    return bool(pc.any(pc.not_equal(pc.utf8_trim_whitespace(values), "")).as_py())


def _reject_workbook_in_disguise(data: bytes) -> None:
    if data.startswith(_ZIP_MAGIC) or data.startswith(_OLE2_MAGIC):
        raise _rejected(
            "This file is a spreadsheet workbook, not text. Either give it the .xlsx "
            'extension, or open it and use "Save As" > "CSV UTF-8 (comma delimited)".'
        )


# --- CSV ----------------------------------------------------------------------------


def _read_csv(data: bytes) -> ParsedFile:
    _reject_workbook_in_disguise(data)
    text = _as_utf8(data)
    header_line_number, text = _skip_leading_blank_lines(text)
    if not bytes(memoryview(text)[:65536]).strip():
        raise _rejected("The file is empty. Send a file with a header row and one row per measure.")

    first_record = _first_record(text)
    delimiter = _detect_delimiter(first_record)
    # An upper bound (delimiters inside quotes count too): surplus column types are unused.
    width = first_record.count(delimiter) + 1

    blank_records: list[int] = []  # numbers counted from the header record = 1
    ragged: list[ReturnError] = []
    ragged_total = 0

    def on_invalid_row(row: pa_csv.InvalidRow) -> str:
        nonlocal ragged_total
        if not row.text.strip(" \t\r\n" + delimiter):
            blank_records.append(row.number)
            return "skip"
        ragged_total += 1
        if len(ragged) >= MAX_REPORTED_ERRORS:
            return "skip"
        sheet_row = row.number + header_line_number - 1
        ragged.append(
            ReturnError(
                row=sheet_row,
                column=None,
                value=row.text[:200],
                message=(
                    f"Row {sheet_row} has {row.actual_columns} fields but the header has "
                    f"{row.expected_columns}. Check the row for a missing or extra "
                    f"{_DELIMITER_NAMES[delimiter]} or an unclosed quote mark."
                ),
            )
        )
        return "skip"

    try:
        table = pa_csv.read_csv(
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
                invalid_row_handler=on_invalid_row,
            ),
            convert_options=pa_csv.ConvertOptions(
                column_types={f"f{i}": pa.string() for i in range(width)},
                strings_can_be_null=False,
            ),
        )
    except pa.ArrowInvalid as problem:
        raise _rejected(f"The file could not be read as CSV: {problem}.") from problem
    if ragged:
        raise FileRejected(ragged, total=ragged_total)

    # Columns beyond the guessed width (odd quoting in the header) may have been inferred.
    columns = [column.cast(pa.string()) for column in table.columns]
    header = [value or "" for value in (column[0].as_py() for column in columns)]
    try:
        mapping = map_headers(header, header_row=header_line_number)
    except FileRejected as rejection:
        if len(header) != 1:
            raise
        hint = _one_column_hint(header_line_number, header[0])
        raise FileRejected([hint, *rejection.errors]) from rejection

    data_records = table.num_rows - 1
    source_rows = _csv_source_rows(data_records, blank_records, header_line_number)
    text_columns = {
        field: columns[position].slice(1) for field, position in mapping.positions.items()
    }
    parsed = _assemble("csv", mapping, text_columns, source_rows)
    parsed.ignored_columns += [
        _unlabelled(position)
        for position, name in enumerate(header)
        if not name.strip() and _holds_text(columns[position].slice(1))
    ]
    return parsed


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
    return _rejected(
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
    counts = dict.fromkeys(CSV_DELIMITERS, 0)
    in_quotes = False
    for char in header_record:
        if char == '"':
            in_quotes = not in_quotes
        elif not in_quotes and char in counts:
            counts[char] += 1
    return max(CSV_DELIMITERS, key=lambda delimiter: counts[delimiter])  # first wins a tie


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


def _csv_source_rows(data_records: int, blank_records: list[int], header_line: int) -> pa.Array:
    """Spreadsheet row numbers of the parsed data records.

    Parsed records are numbered from the header (record 1). Records made of whitespace
    were skipped by the parser, so they are put back into the count before numbering.
    """
    total_records = data_records + len(blank_records)
    record_numbers = np.arange(2, total_records + 2, dtype=np.int64)
    if blank_records:
        record_numbers = record_numbers[~np.isin(record_numbers, blank_records)]
    return pa.array(record_numbers + (header_line - 1))


# --- XLSX ---------------------------------------------------------------------------


def _read_xlsx(data: bytes) -> ParsedFile:
    if data.startswith(_OLE2_MAGIC):
        raise _rejected(
            "This workbook is in the old Excel 97-2003 format or is password-protected. "
            'Remove any password, use "Save As" > "Excel Workbook (*.xlsx)" and send that file.'
        )
    try:
        workbook = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as problem:  # openpyxl reports damage through many exception types
        raise _rejected(
            "The file could not be opened as an Excel workbook (.xlsx); it may be damaged "
            "or not a workbook at all. Open it in Excel, save it again as .xlsx and resend."
        ) from problem
    try:
        if not workbook.worksheets:
            raise _rejected("The workbook has no worksheet. Put the return on the first sheet.")
        sheet = workbook.worksheets[0]
        # Read-only mode trusts the sheet's stored size, which some tools write wrongly.
        sheet.reset_dimensions()
        rows = enumerate(sheet.iter_rows(values_only=True), start=1)
        return _xlsx_table(_sheet_rows_or_reject(rows))
    finally:
        workbook.close()


def _sheet_rows_or_reject(
    rows: Iterator[tuple[int, tuple[Any, ...]]],
) -> Iterator[tuple[int, list[str | None]]]:
    """Sheet rows as text, turning damage found mid-sheet into a rejection at that row."""
    row_number = 0
    while True:
        try:
            row_number, values = next(rows)
        except StopIteration:
            return
        except Exception as problem:  # damaged sheet XML surfaces from the XML parser
            raise _rejected(
                f"The workbook is damaged after row {row_number} and cannot be read. Open it "
                "in Excel, save it again as .xlsx and resend.",
                row=row_number + 1,
            ) from problem
        yield row_number, [_cell_text(value) for value in values]


def _xlsx_table(rows: Iterator[tuple[int, list[str | None]]]) -> ParsedFile:
    header_row, header = next(
        ((number, cells) for number, cells in rows if any(_has_text(c) for c in cells)),
        (None, None),
    )
    if header_row is None or header is None:
        raise _rejected(
            "The first sheet of the workbook is empty. Put the return on the first sheet."
        )
    while header and not _has_text(header[-1]):
        header.pop()
    mapping = map_headers([cell or "" for cell in header], header_row=header_row)

    wanted = list(mapping.positions.items())
    values: dict[str, list[str | None]] = {field: [] for field, _ in wanted}
    source_rows: list[int] = []
    blank_headers = [position for position, cell in enumerate(header) if not _has_text(cell)]
    unlabelled_columns: set[int] = set()  # positions without a header that hold values
    for number, cells in rows:
        source_rows.append(number)
        for field, position in wanted:
            values[field].append(cells[position] if position < len(cells) else None)
        for position in (*blank_headers, *range(len(header), len(cells))):
            if position < len(cells) and _has_text(cells[position]):
                unlabelled_columns.add(position)
    text_columns = {field: pa.array(column, pa.string()) for field, column in values.items()}
    parsed = _assemble("xlsx", mapping, text_columns, pa.array(source_rows, pa.int64()))
    parsed.ignored_columns += [_unlabelled(position) for position in sorted(unlabelled_columns)]
    return parsed


def _has_text(cell: str | None) -> bool:
    return cell is not None and cell.strip() != ""


def _cell_text(value: object) -> str | None:
    """A cell's value as the sender would read it in Excel, in an unambiguous form."""
    if value is None:
        return None
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, datetime.datetime):
        if value.time() == datetime.time(0):
            return value.date().isoformat()
        return value.isoformat(sep=" ")
    if isinstance(value, datetime.date | datetime.time):
        return value.isoformat()
    if isinstance(value, float):
        return _float_text(value)
    return str(value)


def _float_text(value: float) -> str:
    if math.isfinite(value) and value.is_integer() and abs(value) < 1e15:
        return str(int(value))
    # Excel keeps 15 significant digits; more would show binary noise (0.30000000000000004).
    return format(value, ".15g")


# --- JSON ---------------------------------------------------------------------------


class _JsonNumber(str):
    """A JSON number kept as the exact text the sender wrote (12 stays '12')."""

    __slots__ = ()


def _read_json(data: bytes) -> ParsedFile:
    _reject_workbook_in_disguise(data)
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as problem:
        raise _rejected(
            "The JSON file is not UTF-8 text. Save it again with UTF-8 encoding."
        ) from problem
    try:
        document = json.loads(
            text, parse_int=_JsonNumber, parse_float=_JsonNumber, parse_constant=_JsonNumber
        )
    except json.JSONDecodeError as problem:
        raise _rejected(
            f"The file is not valid JSON: {problem.msg} at line {problem.lineno}, column "
            f"{problem.colno}. Fix the syntax there (a JSON checker will point at it)."
        ) from problem
    except RecursionError as problem:
        raise _rejected("The JSON is nested too deeply to be a list of records.") from problem

    if not isinstance(document, list):
        raise _rejected(
            "The JSON file must be an array of objects, one per row: "
            '[{"organisation_id": "...", ...}, ...]. The top level here is '
            f"{_json_kind(document)}."
        )
    if not document:
        raise _rejected("The JSON array is empty. Add one object per delivered measure.")
    not_objects = [
        ReturnError(
            row=index,
            column=None,
            value=_json_value_text(element),
            message=(
                f"Element {index} of the array is {_json_kind(element)}, not an object. "
                'Each element must be an object such as {"organisation_id": "...", ...}.'
            ),
        )
        for index, element in enumerate(document, start=1)
        if not isinstance(element, dict)
    ]
    if not_objects:
        raise _rejected_all(not_objects)

    keys = list(dict.fromkeys(key for record in document for key in record))
    mapping = map_headers(keys, header_row=None)
    text_columns = {
        field: pa.array(
            [_json_value_text(record.get(keys[position])) for record in document], pa.string()
        )
        for field, position in mapping.positions.items()
    }
    source_rows = pa.array(np.arange(1, len(document) + 1, dtype=np.int64))
    return _assemble("json", mapping, text_columns, source_rows)


def _json_kind(value: object) -> str:
    if isinstance(value, dict):
        return "an object"
    if isinstance(value, list):
        return "an array"
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true/false"
    if isinstance(value, _JsonNumber):
        return "a number"
    return "a string"


def _json_value_text(value: object) -> str | None:
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dict | list):
        # Kept as JSON text so the sender sees what they sent when it fails validation.
        return json.dumps(_plain_json(value), ensure_ascii=False)
    return str(value)


def _plain_json(value: object) -> object:
    """Undo _JsonNumber inside nested values so they serialise as numbers again."""
    if isinstance(value, _JsonNumber):
        return int(value) if value.lstrip("-").isdigit() else float(value)
    if isinstance(value, dict):
        return {key: _plain_json(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_plain_json(item) for item in value]
    return value


# --- Parquet ------------------------------------------------------------------------


def _read_parquet(data: bytes) -> ParsedFile:
    try:
        table = pq.read_table(pa.BufferReader(data))
    except (pa.ArrowException, OSError) as problem:
        raise _rejected(
            "The file could not be read as Parquet; it may be damaged or not Parquet at all. "
            "Export it again and resend."
        ) from problem
    mapping = map_headers(table.column_names, header_row=None)
    text_columns = {
        field: _arrow_as_text(table.column(position))
        for field, position in mapping.positions.items()
    }
    source_rows = pa.array(np.arange(1, table.num_rows + 1, dtype=np.int64))
    return _assemble("parquet", mapping, text_columns, source_rows)


def _arrow_as_text(column: pa.ChunkedArray) -> pa.ChunkedArray | pa.Array:
    kind = column.type
    if pa.types.is_dictionary(kind):
        return _arrow_as_text(column.cast(kind.value_type))
    if pa.types.is_nested(kind):
        return _python_values_as_text(column)
    try:
        if pa.types.is_timestamp(kind):
            return _timestamps_as_text(column)
        # Arrow's own text forms are the ones we want: 12.0 -> "12", dates -> ISO, true/false.
        return column.cast(pa.string())
    except (pa.ArrowNotImplementedError, pa.ArrowInvalid):
        return _python_values_as_text(column)  # e.g. binary that is not UTF-8, durations


def _timestamps_as_text(column: pa.ChunkedArray) -> pa.ChunkedArray:
    """Midnight timestamps are dates written by a tool, so they read back as dates."""
    at_midnight = reduce(
        pc.and_,
        (pc.equal(part(column), 0) for part in (pc.hour, pc.minute, pc.second, pc.subsecond)),
    )
    # Arrow prints fractions of a second at the column's precision; whole seconds will do.
    to_seconds = column.cast(pa.timestamp("s", tz=column.type.tz), safe=False)
    return pc.if_else(
        at_midnight, pc.strftime(column, "%Y-%m-%d"), pc.strftime(to_seconds, "%Y-%m-%d %H:%M:%S")
    )


def _python_values_as_text(column: pa.ChunkedArray) -> pa.Array:
    return pa.array([_json_or_text(value) for value in column.to_pylist()], pa.string())


def _json_or_text(value: object) -> str | None:
    if value is None:
        return None
    if isinstance(value, bytes):
        return value.decode("utf-8", errors="replace")
    return json.dumps(value, ensure_ascii=False, default=str)


_READERS = {
    "csv": _read_csv,
    "xlsx": _read_xlsx,
    "json": _read_json,
    "parquet": _read_parquet,
}
