"""Excel workbooks (.xlsx): the return's sheet, cells as the sender reads them in Excel.

Owns opening the workbook (refusing old .xls and password-protected files), choosing
the sheet that holds the return (the one named like the template's "Return" sheet, else
the first visible sheet whose header names the return's columns), finding the header
row below any title rows, turning cell values (dates, floats, booleans) into
unambiguous text, and refusing what cannot be read as the sender sees it: damage at the
sheet row where it was found, formulas saved without their calculated value, values
merged down several rows.
"""

from __future__ import annotations

import datetime
import io
import math
import re
from collections.abc import Iterator
from functools import lru_cache
from typing import TYPE_CHECKING, Any
from xml.etree import ElementTree

import openpyxl
import pyarrow as pa
from openpyxl.styles.numbers import is_datetime
from openpyxl.utils import coordinate_to_tuple, get_column_letter

from expectations.errors import MAX_REPORTED_ERRORS, FileRejected, ReturnError, WhereRead
from expectations.fields import DELIVERY, FieldTable
from expectations.vocabulary import RETURN_SHEET
from ingest.headers import (
    HEADER_SEARCH_ROWS,
    HeaderMapping,
    best_header_row,
    map_headers,
    no_header_found,
    normalise_header,
)
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


# Without a sheet named like the template's, the first visible sheet whose header names
# at least this many fields holds the return: half the required ones. The template's
# Measures sheet names three ("edition", "measure_code", "unit") and must not win.
def _header_quorum(field_table: FieldTable) -> int:
    return len(field_table.required) // 2


HEADER_QUORUM = _header_quorum(DELIVERY)  # four of a delivery return's eight

# A formula element and a merged range in the sheet XML, with or without a namespace
# prefix.
_FORMULA_TAG = re.compile(rb"<(?:\w+:)?f[\s>/]")
_MERGED_RANGE = re.compile(rb'<(?:\w+:)?mergeCell\s[^>]*?ref="([A-Z]+[0-9]+:[A-Z]+[0-9]+)"')

# (sheet row number, the row's cells as text), as read from the sheet
SheetRows = Iterator[tuple[int, list[str | None]]]


def read(data: bytes, field_table: FieldTable = DELIVERY) -> ParsedFile:
    """Read the return's sheet; its header is the row naming the most fields."""
    if data.startswith(OLE2_MAGIC):
        raise rejected(
            "This workbook is in the old Excel 97-2003 format or is password-protected. "
            'Remove any password, use "Save As" > "Excel Workbook (*.xlsx)" and send that file.'
        )
    workbook = _open(data)
    try:
        sheet, header_row = _data_sheet(workbook, field_table)
        return _sheet_table(workbook, sheet, header_row, field_table)
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


def _data_sheet(workbook: Workbook, field_table: FieldTable) -> tuple[ReadOnlyWorksheet, int]:
    """The sheet holding the return and its header row, or a rejection saying what the
    first rows of the sheets looked at hold."""
    if not workbook.worksheets:
        raise rejected("The workbook has no worksheet. Put the return on a sheet named Return.")
    for sheet in workbook.worksheets:
        # Read-only mode trusts the sheet's stored size, which some tools write wrongly.
        sheet.reset_dimensions()
    named = [s for s in workbook.worksheets if _is_named_like_the_template(s.title)]
    if named:
        return named[0], _header_row_or_reject(named[0], field_table)
    visible = [s for s in workbook.worksheets if s.sheet_state == "visible"]
    found = [(sheet, best_header_row(_first_rows(sheet), field_table)) for sheet in visible]
    with_header = [(sheet, best) for sheet, best in found if best is not None]
    quorum_size = _header_quorum(field_table)
    quorum = [(sheet, best) for sheet, best in with_header if best[1] >= quorum_size]
    if quorum:
        sheet, (header_row, _) = quorum[0]
        return sheet, header_row
    if with_header:  # the best partial header: its report names the missing columns
        sheet, (header_row, _) = max(with_header, key=lambda found: found[1][1])
        return sheet, header_row
    looked_at = ", ".join(f'"{sheet.title}"' for sheet in visible)
    first = visible[0] if visible else workbook.worksheets[0]
    place = f'sheet "{first.title}"' if len(visible) <= 1 else f"any sheet ({looked_at})"
    first_rows = _first_rows(first)
    raise rejected(no_header_found(place, first_rows, field_table), where=WhereRead(first.title))


def _is_named_like_the_template(title: str) -> bool:
    # "Return", "return ", "RETURNS"...
    return normalise_header(title).removesuffix("s") == normalise_header(RETURN_SHEET)


def _header_row_or_reject(sheet: ReadOnlyWorksheet, field_table: FieldTable) -> int:
    first_rows = _first_rows(sheet)
    best = best_header_row(first_rows, field_table)
    if best is None:
        place = f'sheet "{sheet.title}"'
        raise rejected(
            no_header_found(place, first_rows, field_table), where=WhereRead(sheet.title)
        )
    return best[0]


def _first_rows(sheet: ReadOnlyWorksheet) -> list[tuple[int, list[str | None]]]:
    return list(_sheet_rows(sheet, max_row=HEADER_SEARCH_ROWS))


def _sheet_rows(sheet: ReadOnlyWorksheet, max_row: int | None = None) -> SheetRows:
    """Sheet rows as text, turning damage found mid-sheet into a rejection at that row."""
    rows = enumerate(sheet.iter_rows(max_row=max_row), start=1)
    row_number = 0
    while True:
        try:
            row_number, cells = next(rows)
        except StopIteration:
            return
        except Exception as problem:  # damaged sheet XML surfaces from the XML parser
            raise rejected(
                f'The workbook is damaged after row {row_number} of sheet "{sheet.title}" and '
                "cannot be read. Open it in Excel, save it again as .xlsx and resend.",
                row=row_number + 1,
            ) from problem
        yield row_number, [_cell_text(cell) for cell in cells]


# --- cells that look filled in Excel but hold nothing --------------------------------


def _refuse_cells_without_values(
    workbook: Workbook, sheet: ReadOnlyWorksheet, mapping: HeaderMapping, where: WhereRead
) -> None:
    """Refuse the file where a cell of the return shows a value in Excel that the file
    does not hold, naming each cell: a formula saved without its result, and the lower
    cells of cells merged down several rows (only the top one holds the value).

    Both read as empty cells, which would be reported as "missing" to a sender who can
    see a value there. openpyxl's read-only mode shows neither, so the sheet's XML is
    searched, and parsed only when it holds a formula.
    """
    path = getattr(sheet, "_worksheet_path", None)
    if path is None:
        return
    has_formulas, merged = _scan_sheet_xml(workbook, path)
    fields = {position + 1: field for field, position in mapping.positions.items()}
    found = [
        (row, column, _merged_error(row, column, fields[column], merged_range))
        for merged_range in merged
        for row, column in _cells_below_the_top(merged_range)
        if row > (where.header_row or 0) and column in fields
    ]
    if has_formulas:
        found += [
            (row, column, _uncalculated_error(row, column, fields[column]))
            for row, column in _formulas_without_value(workbook, path)
            if row > (where.header_row or 0) and column in fields
        ]
    if found:
        errors = [error for _, _, error in sorted(found, key=lambda item: item[:2])]
        raise FileRejected(errors[:MAX_REPORTED_ERRORS], total=len(errors), where=where)


def _scan_sheet_xml(workbook: Workbook, path: str) -> tuple[bool, list[str]]:
    """Whether the sheet holds any formula, and its merged ranges ("B5:B7"), found by a
    byte search of its XML (fast: no parsing)."""
    has_formulas = False
    merged: set[str] = set()
    tail = b""
    with workbook._archive.open(path) as xml:
        while chunk := xml.read(1 << 20):
            window = tail + chunk  # a tag may straddle two chunks
            has_formulas = has_formulas or bool(_FORMULA_TAG.search(window))
            merged.update(found.decode() for found in _MERGED_RANGE.findall(window))
            tail = chunk[-256:]
    return has_formulas, sorted(merged)


def _cells_below_the_top(merged_range: str) -> Iterator[tuple[int, int]]:
    """(row, column) of the cells of a range merged down more than one row, but its top
    row. A range merged across one row only is one wide cell, not a missing value."""
    first, last = merged_range.split(":")
    top, left = coordinate_to_tuple(first)
    bottom, right = coordinate_to_tuple(last)
    for row in range(top + 1, bottom + 1):
        for column in range(left, right + 1):
            yield row, column


def _merged_error(row: int, column: int, field: str, merged_range: str) -> ReturnError:
    cell = f"{get_column_letter(column)}{row}"
    top = merged_range.split(":")[0]
    return ReturnError(
        row=row,
        column=field,
        value=None,
        message=(
            f"Cell {cell} is part of the merged cells {merged_range}, so it holds no value "
            f"of its own: only {top} holds {field}. Unmerge the cells (Home > Merge & "
            "Center) and fill in the value on every row."
        ),
    )


def _formulas_without_value(workbook: Workbook, path: str) -> Iterator[tuple[int, int]]:
    """(row, column) of each cell with a formula and no saved value, in sheet order."""
    with workbook._archive.open(path) as xml:
        for _, element in ElementTree.iterparse(xml, events=("end",)):
            tag = element.tag.rsplit("}", 1)[-1]
            if tag == "c" and _is_uncalculated(element):
                yield coordinate_to_tuple(element.get("r"))
            if tag in ("c", "row"):
                element.clear()  # keep memory flat on large sheets


def _is_uncalculated(cell: ElementTree.Element) -> bool:
    """A formula cell with no value, other than a formula whose result is empty text
    (Excel marks those t="str"; a number, date or true/false result is never empty)."""
    children = {child.tag.rsplit("}", 1)[-1]: child for child in cell}
    if "f" not in children or not cell.get("r") or cell.get("t") == "str":
        return False
    value = children.get("v")
    return value is None or not (value.text or "").strip()


def _uncalculated_error(row: int, column: int, field: str) -> ReturnError:
    cell = f"{get_column_letter(column)}{row}"
    return ReturnError(
        row=row,
        column=field,
        value=None,
        message=(
            f"Cell {cell} holds a formula that was never calculated, so the file has no "
            f"value for {field} there. Open the file in Excel, check the cell shows the "
            "right value, save it and send it again (Excel saves each formula's result; "
            "some other programs do not)."
        ),
    )


# --- the sheet ----------------------------------------------------------------------


def _sheet_table(
    workbook: Workbook, sheet: ReadOnlyWorksheet, header_row: int, field_table: FieldTable
) -> ParsedFile:
    """The header at ``header_row``, then the rows below it (the same iterator)."""
    rows = _sheet_rows(sheet)
    header = _header(rows, header_row)
    cells = [cell or "" for cell in header]
    mapping = map_headers(cells, header_row=header_row, sheet=sheet.title, fields=field_table)
    where = WhereRead(sheet.title, header_row, mapping.column_letters())
    _refuse_cells_without_values(workbook, sheet, mapping, where)
    source_rows, text_columns, stray_positions = _body(rows, header, mapping)
    parsed = assemble(NAME, mapping, text_columns, source_rows, where)
    parsed.ignored_columns += [unlabelled(position) for position in stray_positions]
    return parsed


def _header(rows: SheetRows, header_row: int) -> list[str | None]:
    """The header row's cells, without trailing empty ones; rows above it are skipped."""
    header = next(cells for number, cells in rows if number == header_row)
    while header and not _has_text(header[-1]):
        header.pop()
    return header


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


def _cell_text(cell: Any) -> str | None:
    """A cell's value as the sender would read it in Excel, in an unambiguous form."""
    value = cell.value
    if value is None:
        return None
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, datetime.datetime):
        # A time Excel does not show (a date format on a date-and-time value) is not
        # the sender's to see or fix: the cell reads as the date it shows.
        if value.time() == datetime.time(0) or not _shows_time(cell.number_format):
            return value.date().isoformat()
        return value.isoformat(sep=" ")
    if isinstance(value, datetime.date | datetime.time):
        return value.isoformat()
    if isinstance(value, float):
        return _float_text(value)
    return str(value)


@lru_cache(maxsize=256)
def _shows_time(number_format: str | None) -> bool:
    return is_datetime(number_format or "General") in ("datetime", "time")


def _float_text(value: float) -> str:
    if math.isfinite(value) and value.is_integer() and abs(value) < 1e15:
        return str(int(value))
    # Excel keeps 15 significant digits; more would show binary noise (0.30000000000000004).
    return format(value, ".15g")


FORMAT = FileFormat(name=NAME, extensions=(".xlsx",), read=read)
