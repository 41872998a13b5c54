"""ONS mid-year population estimates by local authority district.

Owns reading the published layouts into one row per district and year: (a) the
``MYE2 - Persons`` sheet (title rows, then ``Code, Name, Geography, All ages, 0, 1 ...``;
the year from the title, e.g. "mid-2022", or the file name), (b) the long ``MYEB1``
table (``code, name, geography, sex, age, population_2011 ... population_YYYY``, or the
series variant keyed ``ladcodeYY, lanameYY``), summed over sex and age, and (c) a plain
``code, population`` CSV with the year in a ``year`` column or the file name.

Published tables also hold countries, regions and counties; only lower-tier districts
are kept, so that no person is counted twice. Codes are kept as published: mapping them
to today's districts is the warehouse's business.
"""

from __future__ import annotations

from collections.abc import Iterable

import pyarrow as pa

from ingest.readers._table import rejected
from ingest.reference_files._grid import (
    GSS_CODE,
    Cell,
    Column,
    Header,
    Layout,
    Problems,
    ValueProblem,
    as_table,
    cell_at,
    find_header,
    first_group,
    open_grid,
    text_value,
    whole_number,
)

SCHEMA = pa.schema(
    [
        ("place_code", pa.string()),
        ("place_name", pa.string()),
        ("population_year", pa.int32()),
        ("population", pa.int64()),
    ]
)
# The lower tier of the ONS "Geography" column: together they cover the UK once.
DISTRICT_GEOGRAPHIES = frozenset(
    {
        "non-metropolitan district",
        "unitary authority",
        "metropolitan district",
        "london borough",
        "council area",
        "local government district",
    }
)
# Sheets read from a workbook, in order of preference (else its first sheet).
SHEETS = ("MYE2 - Persons", "MYEB1")

_YEARS = Column("years", "population_YYYY", r"population_(\d{4})", many=True)
_SEX = Column("sex", "sex", r"sex")
_AGE = Column("age", "age", r"age")
MYEB1 = Layout(
    "the ONS MYEB1 table",
    (
        Column("code", "code", r"code"),
        Column("name", "name", r"name"),
        Column("geography", "geography", r"geography"),
        _SEX,
        _AGE,
        _YEARS,
    ),
)
MYEB1_SERIES = Layout(
    "the ONS MYEB1 series table",
    (
        Column("code", "ladcodeYY", r"ladcode(\d\d)"),
        Column("name", "lanameYY", r"laname(\d\d)"),
        _SEX,
        _AGE,
        _YEARS,
    ),
)
MYE2 = Layout(
    "the ONS MYE2 table",
    (
        Column("code", "Code", r"code"),
        Column("name", "Name", r"name"),
        Column("geography", "Geography", r"geography"),
        Column("population", "All ages", r"all ages"),
    ),
)
PLAIN = Layout(
    "a district population CSV",
    (
        # The place_ spellings read this project's own population seed back.
        Column("code", "code", r"(?:place_)?code"),
        Column("population", "population", r"population"),
        Column("name", "name", r"(?:place_)?name", required=False),
        Column("year", "year", r"(?:population_)?year", required=False),
    ),
)
EXPECTED = (
    "the ONS MYE2 header (Code, Name, Geography, All ages, 0, 1, ...), the MYEB1 header "
    "(code, name, geography, sex, age, population_2011, ...; or ladcodeYY, lanameYY, "
    "country, sex, age, population_2011, ...) or the two columns code, population"
)
COUNT = "a whole number of people, 0 or more"

Row = dict[str, object]


def read_population(
    name: str, data: bytes, sheet: str | None = None, *, for_loading: bool = False
) -> pa.Table:
    """One row per district and year, in the file's order (with ``source_row``, the
    district's first row, if ``for_loading``).

    A workbook is read from ``sheet`` if given and present, else from the first of
    SHEETS it has (MYE2 before MYEB1, which holds two years), else its first sheet.
    """
    grid = open_grid(name, data, (sheet,) if sheet else SHEETS)
    header = find_header(grid, (MYEB1, MYEB1_SERIES, MYE2, PLAIN), EXPECTED)
    problems = Problems(grid)
    if header.layout is MYE2:
        rows = _mye2_rows(name, header, problems)
    elif header.layout is PLAIN:
        rows = _plain_rows(name, header, problems)
    else:
        rows = _long_rows(header, problems)
    problems.raise_any()
    if not rows:
        raise rejected(
            f"{grid.where[0].upper()}{grid.where[1:]} has no rows for local authority districts "
            "(the Geography column names none of: "
            + ", ".join(sorted(DISTRICT_GEOGRAPHIES))
            + "). "
            "Send the district estimates as ONS published them."
        )
    return as_table(rows, SCHEMA, for_loading)


# --- (a) MYE2 -----------------------------------------------------------------------


def _mye2_rows(name: str, header: Header, problems: Problems) -> list[tuple[int, Row]]:
    year = _year_in_titles(header.above) or _year_in_name(name)
    if year is None:
        raise _no_year(header, name)
    rows: list[tuple[int, Row]] = []
    first_row: dict[str, int] = {}
    for number, cells in _districts(header, header.body):
        code = _code(header, problems, number, cells, first_row)
        count = problems.read(
            number,
            header.text("population"),
            cell_at(cells, header.position("population")),
            _count,
            COUNT,
        )
        rows.append((number, _row(code, _name(header, cells), year, count)))
    return rows


def _year_in_titles(above: list[tuple[int, list[Cell]]]) -> int | None:
    titles = " ".join(str(cell) for _, cells in above for cell in cells if cell is not None)
    year = first_group(titles, (r"mid-\s?(\d{4})",))
    return int(year) if year else None


def _year_in_name(name: str) -> int | None:
    """2022 from 'mye22final.xlsx', 'mid2022', 'population_2022.csv'."""
    if year := first_group(name, (r"mid-?(\d{4})", r"(?<!\d)((?:19|20)\d\d)(?!\d)")):
        return int(year)
    if short := first_group(name, (r"mye(\d\d)(?!\d)",)):
        return 2000 + int(short)
    return None


def _no_year(header: Header, name: str) -> Exception:
    return rejected(
        f"The year of the estimates in {name} is not known: neither the title rows above "
        f"the header (row {header.row}) nor the file name give it (as in 'Mid-2022' or "
        "population_2022.csv). Put the year in the file name, for example "
        "population_2022.csv, and send it again."
    )


# --- (b) MYEB1 ----------------------------------------------------------------------


def _long_rows(header: Header, problems: Problems) -> list[tuple[int, Row]]:
    """Sums over sex and age, per district and year column."""
    years = [(position, int(hit.group(1))) for position, hit in header.found["years"]]
    rows = header.body if header.layout is MYEB1_SERIES else _districts(header, header.body)
    names: dict[str, str | None] = {}
    first_of_district: dict[str, int] = {}
    totals: dict[tuple[str, int], int] = {}
    first_row: dict[tuple[object, ...], int] = {}
    sex_at, age_at = header.position("sex"), header.position("age")
    for number, cells in rows:
        code = _code(header, problems, number, cells, None)
        sex, age = cell_at(cells, sex_at), cell_at(cells, age_at)
        key = (code, sex, age)
        if key in first_row:
            shown = f"{code} (sex {text_value(sex)}, age {text_value(age)})"
            problems.repeated(
                number, header.text("code"), shown, first_row[key], "district, sex and age"
            )
            continue
        first_row[key] = number
        names.setdefault(code, _name(header, cells))
        first_of_district.setdefault(code, number)
        for position, year in years:
            cell = cell_at(cells, position)
            # The common case first: a long table has a count in every cell.
            if type(cell) is float and cell >= 0 and cell.is_integer():
                count: object = int(cell)
            else:
                count = problems.read(number, header.texts[position], cell, _count, COUNT)
            if isinstance(count, int):
                totals[(code, year)] = totals.get((code, year), 0) + count
    return [
        (first_of_district[code], _row(code, names[code], year, totals.get((code, year))))
        for code in names
        for _, year in years
    ]


# --- (c) code, population -----------------------------------------------------------


def _plain_rows(name: str, header: Header, problems: Problems) -> list[tuple[int, Row]]:
    year_in_file_name = _year_in_name(name)
    if header.position("year") is None and year_in_file_name is None:
        raise _no_year(header, name)
    rows: list[tuple[int, Row]] = []
    first_row: dict[tuple[object, ...], int] = {}
    for number, cells in header.body:
        code = _code(header, problems, number, cells, None)
        year = year_in_file_name
        if header.position("year") is not None:
            year = problems.read(
                number,
                header.text("year"),
                cell_at(cells, header.position("year")),
                _year,
                "a year such as 2024",
            )
        key = (code, year)
        if key in first_row:
            problems.repeated(
                number, header.text("code"), f"{code} ({year})", first_row[key], "district and year"
            )
        first_row.setdefault(key, number)
        count = problems.read(
            number,
            header.text("population"),
            cell_at(cells, header.position("population")),
            _count,
            COUNT,
        )
        rows.append((number, _row(code, _name(header, cells), year, count)))
    return rows


# --- shared -------------------------------------------------------------------------


def _districts(
    header: Header, rows: Iterable[tuple[int, list[Cell]]]
) -> Iterable[tuple[int, list[Cell]]]:
    """Rows whose Geography is a lower-tier district (no countries, regions, counties)."""
    position = header.position("geography")
    for number, cells in rows:
        geography = text_value(cell_at(cells, position))
        if geography is not None and geography.lower() in DISTRICT_GEOGRAPHIES:
            yield number, cells


def _code(
    header: Header,
    problems: Problems,
    number: int,
    cells: list[Cell],
    first_row: dict[str, int] | None,
) -> str | None:
    """The district code, noting a malformed one, or a repeated one if ``first_row``."""
    code = text_value(cell_at(cells, header.position("code")))
    if code is None or not GSS_CODE.fullmatch(code):
        problems.add(
            number,
            header.text("code"),
            code,
            "expected a district's GSS code (a letter and eight digits, such as E08000035). "
            "Correct the code.",
        )
    elif first_row is not None:
        if code in first_row:
            problems.repeated(number, header.text("code"), code, first_row[code], "district")
        first_row.setdefault(code, number)
    return code


def _name(header: Header, cells: list[Cell]) -> str | None:
    return text_value(cell_at(cells, header.position("name")))


def _count(cell: Cell) -> int:
    count = whole_number(cell)
    if count < 0:
        raise ValueProblem(f"{count} is negative")
    return count


def _year(cell: Cell) -> int:
    year = whole_number(cell)
    if not 1900 <= year <= 2100:
        raise ValueProblem(f"{year} is not a year")
    return year


def _row(code: object, name: object, year: object, population: object) -> Row:
    return {
        "place_code": code,
        "place_name": name,
        "population_year": year,
        "population": population,
    }
