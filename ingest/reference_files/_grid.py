"""What the reference readers share: a file as numbered rows of cells, its header, its values.

Owns opening a reference file (a CSV, or one sheet of an .xlsx or legacy .xls workbook,
told apart by their first bytes, never by the name), finding the header row among the
title rows above it by the layouts a reader knows, turning cells into exact numbers,
and gathering the problems into one rejection addressed to whoever dropped the file.

Workbooks are read with python-calamine: it reads the legacy .xls publications that
openpyxl cannot, and .xlsx about four times faster than openpyxl's read-only mode.
"""

from __future__ import annotations

import csv
import datetime
import io
import math
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import pyarrow as pa
import python_calamine

from expectations.errors import ReturnError
from ingest.readers._table import OLE2_MAGIC, ZIP_MAGIC, rejected, rejected_all
from ingest.readers.delimited import _detect_delimiter, utf8_text

Cell = str | int | float | bool | datetime.date | datetime.time | datetime.timedelta | None

# Header rows are looked for among the first rows only: titles and notes sit above them.
HEADER_SEARCH_ROWS = 30
GSS_CODE = re.compile(r"[A-Z]\d{8}")
# (country code, country name) by the first letter of a district's GSS code.
COUNTRIES: dict[str, tuple[str, str]] = {
    "E": ("E92000001", "England"),
    "W": ("W92000004", "Wales"),
    "S": ("S92000003", "Scotland"),
    "N": ("N92000002", "Northern Ireland"),
}
_WHITESPACE = re.compile(r"\s+")
_THOUSANDS = re.compile(r"-?\d{1,3}(,\d{3})+(\.\d*)?")


# The column, added for loading, that holds the row each output row was read from.
SOURCE_ROW = "source_row"


class ValueProblem(ValueError):
    """A cell that cannot be read as what its column holds; the text says why."""


# --- the file as rows ---------------------------------------------------------------


@dataclass(frozen=True)
class Grid:
    """The rows of a CSV file or of one worksheet, numbered as a spreadsheet shows them."""

    where: str  # 'sheet "IMD"' or 'the CSV file', for messages
    rows: list[tuple[int, list[Cell]]]
    sheet_names: tuple[str, ...] = ()  # every sheet of the workbook, for messages


def open_grid(name: str, data: bytes, sheets: Sequence[str] = ()) -> Grid:
    """A workbook's first sheet named in ``sheets`` (else its first sheet), or a CSV."""
    if not data or data.isspace():
        raise rejected(f"{name} is empty. Send the file as published.")
    if data.startswith((ZIP_MAGIC, OLE2_MAGIC)):
        return _workbook_grid(name, data, sheets)
    return _csv_grid(data)


def _workbook_grid(name: str, data: bytes, sheets: Sequence[str]) -> Grid:
    try:
        workbook = python_calamine.CalamineWorkbook.from_filelike(io.BytesIO(data))
    except python_calamine.PasswordError as problem:
        raise rejected(
            f"{name} is password-protected. Remove the password in Excel and send it again."
        ) from problem
    except Exception as problem:  # calamine reports damage through several error types
        raise rejected(
            f"{name} could not be opened as an Excel workbook (.xlsx or .xls); it may be "
            "damaged. Download it again from the publisher and send that copy."
        ) from problem
    names = tuple(workbook.sheet_names)
    if not names:
        raise rejected(f"{name} has no worksheet. Send the workbook as published.")
    chosen = next((sheet for sheet in sheets if sheet in names), names[0])
    try:
        # skip_empty_area=False keeps row 1 of the sheet at index 0, whatever is empty.
        cells = workbook.get_sheet_by_name(chosen).to_python(skip_empty_area=False)
    except Exception as problem:
        raise rejected(
            f'Sheet "{chosen}" of {name} is damaged and cannot be read. Download the '
            "workbook again from the publisher and send that copy."
        ) from problem
    rows = [
        (number, [None if cell == "" else cell for cell in row])
        for number, row in enumerate(cells, 1)
    ]
    return Grid(where=f'sheet "{chosen}"', rows=rows, sheet_names=names)


def _csv_grid(data: bytes) -> Grid:
    # The return readers' decoding: UTF-8 with or without BOM, Windows-1252, UTF-16.
    text = utf8_text(data)
    first_line = next((line for line in text.splitlines() if line.strip()), "")
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=_detect_delimiter(first_line))
    # Every record, blank lines included, so that numbers match the spreadsheet rows.
    rows = [
        (number, [cell.strip() or None for cell in record])
        for number, record in enumerate(reader, start=1)
    ]
    return Grid(where="the CSV file", rows=rows)


# --- the header ---------------------------------------------------------------------


@dataclass(frozen=True)
class Column:
    """A column a layout reads: its output name, how people know it, and a pattern that
    must match the whole of the normalised header text (lower case, single spaces)."""

    name: str
    label: str
    pattern: str
    required: bool = True
    many: bool = False  # every matching column, not only the first (population_2011 ...)


@dataclass(frozen=True)
class Layout:
    name: str  # as the publication calls it, for messages
    columns: tuple[Column, ...]

    def match(self, keys: list[str]) -> dict[str, list[tuple[int, re.Match[str]]]]:
        """Column name -> (position, match) for every column of this layout found."""
        found: dict[str, list[tuple[int, re.Match[str]]]] = {}
        for column in self.columns:
            hits = [
                (position, hit)
                for position, key in enumerate(keys)
                if (hit := re.fullmatch(column.pattern, key))
            ]
            if hits:
                found[column.name] = hits if column.many else hits[:1]
        return found

    def missing(self, found: dict[str, object]) -> list[Column]:
        return [c for c in self.columns if c.required and c.name not in found]


@dataclass(frozen=True)
class Header:
    """The header row found, the layout it matched, and where each column is."""

    row: int
    layout: Layout
    texts: list[str]  # the header cells as written, trimmed
    found: dict[str, list[tuple[int, re.Match[str]]]]
    above: list[tuple[int, list[Cell]]]  # the title rows above the header
    body: list[tuple[int, list[Cell]]] = field(repr=False)  # the non-empty rows below

    def position(self, column: str) -> int | None:
        hits = self.found.get(column)
        return hits[0][0] if hits else None

    def text(self, column: str) -> str:
        """The header of ``column`` as written in the file, for messages."""
        position = self.position(column)
        return self.texts[position] if position is not None else column


def header_key(cell: Cell) -> str:
    """A header cell reduced for matching: trailing spaces and case do not count."""
    if cell is None:
        return ""
    return _WHITESPACE.sub(" ", str(cell).replace("\ufeff", "")).strip().lower()


def find_header(grid: Grid, layouts: Sequence[Layout], expected: str) -> Header:
    """The first row, within the first rows, holding every required column of a layout.

    Refuses the file naming what was expected and what the first rows hold instead, or,
    when a row nearly matches, which headers it lacks.
    """
    search = grid.rows[:HEADER_SEARCH_ROWS]
    nearest: _NearMiss | None = None
    for index, (number, cells) in enumerate(search):
        keys = [header_key(cell) for cell in cells]
        for layout in layouts:
            found = layout.match(keys)
            missing = layout.missing(found)
            if not missing:
                texts = ["" if c is None else str(c).replace("\ufeff", "").strip() for c in cells]
                body = [(n, row) for n, row in grid.rows[index + 1 :] if any(map(_filled, row))]
                return Header(number, layout, texts, found, grid.rows[:index], body)
            share = 1 - len(missing) / sum(1 for c in layout.columns if c.required)
            if found and share >= 0.5 and (nearest is None or share > nearest.share):
                nearest = _NearMiss(share, number, layout, missing, [k for k in keys if k])
    raise _no_header(grid, expected, nearest)


@dataclass(frozen=True)
class _NearMiss:
    """A row holding at least half of a layout's required headers."""

    share: float
    row: int
    layout: Layout
    missing: list[Column]
    keys: list[str]


def _no_header(grid: Grid, expected: str, nearest: _NearMiss | None) -> Exception:
    if nearest is not None:
        lacking = ", ".join(f"'{column.label}'" for column in nearest.missing)
        return rejected(
            f"Row {nearest.row} of {grid.where} looks like the header of {nearest.layout.name} "
            f"but has no {lacking} column (it has: {_listing(nearest.keys)}). Expected "
            f"{expected}. Restore the missing column(s) with the headers as published and "
            "send the file again.",
            row=nearest.row,
        )
    return rejected(
        f"No header row was found in the first {HEADER_SEARCH_ROWS} rows of {grid.where}"
        f"{_sheets_note(grid)}. Expected {expected}. The first rows hold: "
        f"{_first_rows(grid.rows[:HEADER_SEARCH_ROWS])}. Send the file as published, with "
        "its header row.",
    )


def _sheets_note(grid: Grid) -> str:
    if not grid.sheet_names:
        return ""
    return f" (the workbook's sheets: {', '.join(grid.sheet_names)})"


def _first_rows(rows: list[tuple[int, list[Cell]]], count: int = 3) -> str:
    shown = [
        f"row {number}: {_listing([header_key(c) for c in cells if _filled(c)])}"
        for number, cells in rows
        if any(_filled(c) for c in cells)
    ][:count]
    return "; ".join(shown) if shown else "nothing (they are empty)"


def _listing(texts: Sequence[str], most: int = 8) -> str:
    shown = ", ".join(f"'{text[:60]}'" for text in texts[:most])
    return shown + (f" and {len(texts) - most} more" if len(texts) > most else "")


def _filled(cell: Cell) -> bool:
    return cell is not None and not (isinstance(cell, str) and not cell.strip())


# --- values -------------------------------------------------------------------------


def cell_at(cells: list[Cell], position: int | None) -> Cell:
    if position is None or position >= len(cells):
        return None
    return cells[position]


def text_value(cell: Cell) -> str | None:
    """A cell as trimmed text; blank is None. Whole numbers lose Excel's '.0'."""
    if cell is None:
        return None
    if isinstance(cell, float) and cell.is_integer():
        return str(int(cell))
    text = str(cell).strip()
    return text or None


def whole_number(cell: Cell) -> int:
    """A count, exactly: 809036.0 (as .xls stores it) is 809036; 809036.5 is refused."""
    number = _number(cell)
    if isinstance(number, float):
        if not number.is_integer():
            raise ValueProblem(f"{text_value(cell)} is not a whole number")
        number = int(number)  # exact: a double holds every whole number below 2**53
    return number


def decimal_number(cell: Cell) -> float:
    """A published decimal as shown in Excel (15 significant digits, no binary noise)."""
    return float(f"{float(_number(cell)):.15g}")


def money_number(cell: Cell) -> float:
    """A sum of pounds: a number, or text such as '£21,500.00' (15 significant digits)."""
    if isinstance(cell, str):
        cell = cell.strip().removeprefix("£").strip()
    return decimal_number(cell)


def edition_in_titles(above: list[tuple[int, list[Cell]]]) -> str | None:
    """The edition a title cell names above the header ('Edition: essex-2024')."""
    for _, cells in above:
        for cell in cells:
            if isinstance(cell, str) and (
                named := first_group(cell, (r"edition\s*[:=]\s*(\S.*)",))
            ):
                return named.strip()
    return None


def _number(cell: Cell) -> int | float:
    if cell is None:
        raise ValueProblem("the cell is empty")
    if isinstance(cell, bool) or not isinstance(cell, int | float | str):
        raise ValueProblem(f"{cell} is not a number")
    if isinstance(cell, str):
        text = cell.strip()
        if _THOUSANDS.fullmatch(text):
            text = text.replace(",", "")
        try:
            number: int | float = int(text)
        except ValueError:
            try:
                number = float(text)
            except ValueError:
                raise ValueProblem(f"'{text[:60]}' is not a number") from None
        cell = number
    if isinstance(cell, float) and not math.isfinite(cell):
        raise ValueProblem(f"{cell} is not a number")
    return cell


def first_group(text: str, patterns: Sequence[str]) -> str | None:
    """The first group of the first pattern found in ``text`` (a file name, a title)."""
    for pattern in patterns:
        if hit := re.search(pattern, text, re.IGNORECASE):
            return hit.group(1)
    return None


def as_table(
    rows: Sequence[tuple[int, dict[str, object]]], schema: pa.Schema, for_loading: bool
) -> pa.Table:
    """The rows in file order; ``for_loading`` adds the row each was read from, which
    the warehouse's gate reports problems at."""
    table = pa.Table.from_pylist([row for _, row in rows], schema=schema)
    if for_loading:
        table = table.append_column(SOURCE_ROW, pa.array([n for n, _ in rows], pa.int32()))
    return table


# --- problems -----------------------------------------------------------------------


class Problems:
    """Row-level problems, gathered so that the sender sees all of them at once."""

    def __init__(self, grid: Grid) -> None:
        self.grid = grid
        self.errors: list[ReturnError] = []

    def add(self, row: int, column: str | None, value: Cell, message: str) -> None:
        """``message`` says what is wrong and what to do; the place is prefixed here."""
        where = f"Row {row} of {self.grid.where}"
        if column is not None:
            where += f", column '{column}'"
        shown = text_value(value)
        shown = None if shown is None else shown[:200]
        self.errors.append(ReturnError(row, column, shown, f"{where}: {message}"))

    def read(
        self, row: int, column: str, cell: Cell, convert: Callable[[Cell], object], what: str
    ) -> object | None:
        """``convert(cell)``, or None after noting why it is not ``what`` was expected."""
        try:
            return convert(cell)
        except ValueProblem as problem:
            self.add(row, column, cell, f"{problem}; expected {what}. Correct the value.")
            return None

    def repeated(self, row: int, column: str, value: str, first_row: int, what: str) -> None:
        self.add(
            row,
            column,
            value,
            f"{value} is also on row {first_row}; each {what} must appear once. "
            "Remove the repeated row.",
        )

    def raise_any(self) -> None:
        if self.errors:
            raise rejected_all(self.errors)
