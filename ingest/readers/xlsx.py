"""Excel workbooks (.xlsx): the first sheet, cells as the sender reads them in Excel.

Owns opening the workbook (refusing old .xls and password-protected files), finding
the header as the first row with text, turning cell values (dates, floats, booleans)
into unambiguous text, and reporting damage at the sheet row where it was found.
"""

from __future__ import annotations

import datetime
import io
import math
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

import openpyxl
import pyarrow as pa

from ingest.headers import HeaderMapping, map_headers
from ingest.readers._table import (
    OLE2_MAGIC,
    FileFormat,
    ParsedFile,
    assemble,
    rejected,
    unlabelled,
)

if TYPE_CHECKING:  # only for annotations: the read-only sheet class is openpyxl-internal
    from openpyxl.workbook.workbook import Workbook
    from openpyxl.worksheet._read_only import ReadOnlyWorksheet

NAME = "xlsx"

# (sheet row number, the row's cells as text), as read from the sheet
SheetRows = Iterator[tuple[int, list[str | None]]]


def read(data: bytes) -> ParsedFile:
    """Read the first worksheet; its first row holding text is the header row."""
    if data.startswith(OLE2_MAGIC):
        raise rejected(
            "This workbook is in the old Excel 97-2003 format or is password-protected. "
            'Remove any password, use "Save As" > "Excel Workbook (*.xlsx)" and send that file.'
        )
    workbook = _open(data)
    try:
        rows = enumerate(_first_sheet(workbook).iter_rows(values_only=True), start=1)
        return _sheet_table(_sheet_rows_or_reject(rows))
    finally:
        workbook.close()


# --- the workbook -------------------------------------------------------------------


def _open(data: bytes) -> Workbook:
    try:
        return openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as problem:  # openpyxl reports damage through many exception types
        raise rejected(
            "The file could not be opened as an Excel workbook (.xlsx); it may be damaged "
            "or not a workbook at all. Open it in Excel, save it again as .xlsx and resend."
        ) from problem


def _first_sheet(workbook: Workbook) -> ReadOnlyWorksheet:
    if not workbook.worksheets:
        raise rejected("The workbook has no worksheet. Put the return on the first sheet.")
    sheet = workbook.worksheets[0]
    # Read-only mode trusts the sheet's stored size, which some tools write wrongly.
    sheet.reset_dimensions()
    return sheet


def _sheet_rows_or_reject(rows: Iterator[tuple[int, tuple[Any, ...]]]) -> SheetRows:
    """Sheet rows as text, turning damage found mid-sheet into a rejection at that row."""
    row_number = 0
    while True:
        try:
            row_number, values = next(rows)
        except StopIteration:
            return
        except Exception as problem:  # damaged sheet XML surfaces from the XML parser
            raise rejected(
                f"The workbook is damaged after row {row_number} and cannot be read. Open it "
                "in Excel, save it again as .xlsx and resend.",
                row=row_number + 1,
            ) from problem
        yield row_number, [_cell_text(value) for value in values]


# --- the sheet ----------------------------------------------------------------------


def _sheet_table(rows: SheetRows) -> ParsedFile:
    """The header from the first rows, then the rows below it (the same iterator)."""
    header_row, header = _header(rows)
    mapping = map_headers([cell or "" for cell in header], header_row=header_row)
    source_rows, text_columns, stray_positions = _body(rows, header, mapping)
    parsed = assemble(NAME, mapping, text_columns, source_rows)
    parsed.ignored_columns += [unlabelled(position) for position in stray_positions]
    return parsed


def _header(rows: SheetRows) -> tuple[int, list[str | None]]:
    """The first row with text, without its trailing empty cells."""
    header_row, header = next(
        ((number, cells) for number, cells in rows if any(_has_text(c) for c in cells)),
        (None, None),
    )
    if header_row is None or header is None:
        raise rejected(
            "The first sheet of the workbook is empty. Put the return on the first sheet."
        )
    while header and not _has_text(header[-1]):
        header.pop()
    return header_row, header


def _body(
    rows: SheetRows, header: list[str | None], mapping: HeaderMapping
) -> tuple[pa.Array, dict[str, pa.Array], list[int]]:
    """Row numbers, one text column per mapped field, and the sorted positions of
    columns without a header that hold values somewhere."""
    wanted = list(mapping.positions.items())
    values: dict[str, list[str | None]] = {field: [] for field, _ in wanted}
    source_rows: list[int] = []
    blank_headers = [position for position, cell in enumerate(header) if not _has_text(cell)]
    stray_positions: set[int] = set()
    for number, cells in rows:
        source_rows.append(number)
        for field, position in wanted:
            values[field].append(cells[position] if position < len(cells) else None)
        for position in (*blank_headers, *range(len(header), len(cells))):
            if position < len(cells) and _has_text(cells[position]):
                stray_positions.add(position)
    text_columns = {field: pa.array(column, pa.string()) for field, column in values.items()}
    return pa.array(source_rows, pa.int64()), text_columns, sorted(stray_positions)


# --- cells --------------------------------------------------------------------------


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


FORMAT = FileFormat(name=NAME, extensions=(".xlsx",), read=read)
