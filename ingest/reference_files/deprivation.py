"""English Indices of Deprivation: the IMD summary of each local authority district.

Owns reading the published "File 10" LAD summaries (sheet ``IMD``: IoD 2019 keyed by
``Local Authority District code (2019)``, IoD 2025 by ``... (2024)``; headers carry
trailing spaces) and the cleaned CSV of IoD 2025 (``ltla24_code, ltla24_name,
imd_average_score, ...``). The edition follows from the year of the code header, else
from the file name. Rank 1 is the most deprived district; codes are kept as published.
"""

from __future__ import annotations

from collections.abc import Callable

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
    decimal_number,
    find_header,
    first_group,
    open_grid,
    text_value,
    whole_number,
)

SCHEMA = pa.schema(
    [
        ("imd_edition", pa.string()),
        ("place_code", pa.string()),
        ("place_name", pa.string()),
        ("imd_average_score", pa.float64()),
        ("imd_rank_of_average_score", pa.int32()),
        ("imd_proportion_most_deprived_10pct", pa.float64()),
    ]
)
# The year of the district codes an edition is published on -> the edition.
EDITION_BY_CODE_YEAR = {2019: "IoD2019", 2024: "IoD2025"}
SHEETS = ("IMD",)

FILE_10 = Layout(
    "the IoD File 10 IMD sheet",
    (
        Column(
            "code",
            "Local Authority District code (YYYY)",
            r"local authority district code \((\d{4})\)",
        ),
        Column(
            "name",
            "Local Authority District name (YYYY)",
            r"local authority district name \((\d{4})\)",
        ),
        Column("score", "IMD - Average score", r"imd - average score"),
        Column("rank", "IMD - Rank of average score", r"imd - rank of average score"),
        Column(
            "proportion",
            "IMD - Proportion of LSOAs in most deprived 10% nationally",
            r"imd(?: \d{4})? - proportion of lsoas in most deprived 10% nationally",
        ),
    ),
)
CLEANED = Layout(
    "the cleaned IoD district CSV",
    (
        Column("code", "ltlaYY_code", r"ltla(\d\d)_code"),
        Column("name", "ltlaYY_name", r"ltla(\d\d)_name"),
        Column("score", "imd_average_score", r"imd_average_score"),
        Column("rank", "imd_rank_of_average_score", r"imd_rank_of_average_score"),
        Column(
            "proportion",
            "imd_proportion_of_lso_as_in_most_deprived_10_percent_nationally",
            r"imd_proportion_of_lso_as_in_most_deprived_10_percent_nationally",
        ),
    ),
)
EXPECTED = (
    "the File 10 headers 'Local Authority District code (2019)' (or (2024)), "
    "'Local Authority District name (...)', 'IMD - Average score', 'IMD - Rank of average "
    "score', 'IMD - Proportion of LSOAs in most deprived 10% nationally', or the cleaned "
    "CSV headers ltla24_code, ltla24_name, imd_average_score, imd_rank_of_average_score, "
    "imd_proportion_of_lso_as_in_most_deprived_10_percent_nationally"
)

Row = dict[str, object]


def read_deprivation(name: str, data: bytes, *, for_loading: bool = False) -> pa.Table:
    """One row per district, in the file's order (with ``source_row`` if ``for_loading``)."""
    grid = open_grid(name, data, SHEETS)
    header = find_header(grid, (FILE_10, CLEANED), EXPECTED)
    edition = _edition(header, name)
    problems = Problems(grid)
    rows = [_row(header, problems, edition, number, cells) for number, cells in header.body]
    _check_unique_codes(header, problems, rows)
    _check_ranks(header, problems, rows)
    problems.raise_any()
    return as_table(rows, SCHEMA, for_loading)


def _edition(header: Header, name: str) -> str:
    year = int(header.found["code"][0][1].group(1))
    year = year if year > 100 else 2000 + year  # ltla24_code -> 2024
    if year in EDITION_BY_CODE_YEAR:
        return EDITION_BY_CODE_YEAR[year]
    if edition := first_group(name, (r"(?:iod|imd)[\s_-]*(\d{4})",)):
        return f"IoD{edition}"
    raise rejected(
        f"The edition of the indices in {name} is not known: district codes of {year} "
        f"(header '{header.text('code')}', row {header.row}) belong to no edition known here "
        f"({', '.join(f'{y}: {e}' for y, e in EDITION_BY_CODE_YEAR.items())}), and the file "
        "name does not name one. Put the edition in the file name, for example "
        "IoD2025_File_10.xlsx, and send it again."
    )


def _row(
    header: Header, problems: Problems, edition: str, number: int, cells: list[Cell]
) -> tuple[int, Row]:
    def read(column: str, convert: Callable[[Cell], object], what: str) -> object:
        return problems.read(
            number, header.text(column), cell_at(cells, header.position(column)), convert, what
        )

    code = text_value(cell_at(cells, header.position("code")))
    if code is None or not GSS_CODE.fullmatch(code) or not code.startswith("E"):
        problems.add(
            number,
            header.text("code"),
            code,
            "expected an English district's GSS code (E and eight digits, such as "
            "E08000035). Correct the code.",
        )
    return number, {
        "imd_edition": edition,
        "place_code": code,
        "place_name": text_value(cell_at(cells, header.position("name"))),
        "imd_average_score": read("score", _score, "the IMD average score, a number"),
        "imd_rank_of_average_score": read("rank", whole_number, "a whole-number rank"),
        "imd_proportion_most_deprived_10pct": read(
            "proportion", _proportion, "a proportion between 0 and 1"
        ),
    }


def _score(cell: Cell) -> float:
    score = decimal_number(cell)
    if score < 0:
        raise ValueProblem(f"{score} is negative")
    return score


def _proportion(cell: Cell) -> float:
    proportion = decimal_number(cell)
    if not 0 <= proportion <= 1:
        raise ValueProblem(f"{proportion} is outside 0 to 1")
    return proportion


def _check_unique_codes(header: Header, problems: Problems, rows: list[tuple[int, Row]]) -> None:
    first_row: dict[object, int] = {}
    for number, row in rows:
        code = row["place_code"]
        if code is not None and code in first_row:
            problems.repeated(number, header.text("code"), str(code), first_row[code], "district")
        first_row.setdefault(code, number)


def _check_ranks(header: Header, problems: Problems, rows: list[tuple[int, Row]]) -> None:
    """Ranks of N districts are 1..N, each given once (1 = most deprived)."""
    first_row: dict[int, int] = {}
    column = header.text("rank")
    for number, row in rows:
        rank = row["imd_rank_of_average_score"]
        if not isinstance(rank, int):
            continue  # already noted as not a whole number
        if not 1 <= rank <= len(rows):
            problems.add(
                number,
                column,
                rank,
                f"rank {rank} is outside 1 to {len(rows)} (the file has {len(rows)} "
                "districts, ranked from 1, the most deprived). Correct the rank.",
            )
        elif rank in first_row:
            problems.repeated(number, column, f"rank {rank}", first_row[rank], "rank")
        first_row.setdefault(rank, number)
