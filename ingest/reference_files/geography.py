"""Local authority districts and their geography, from two published layouts.

Owns reading (a) the all-codes table derived from the ONS Open Geography Portal by
drkane/geo-lookups (``la_all_codes.csv``: every district code since 2011, its current
successor, upper tier, combined authority, region and country) and (b) the ONS
"LAD to region" lookup (``LADyyCD, LADyyNM, RGNyyCD, RGNyyNM``, any ``yy``, optional
``ObjectId``), where every row is a current district and the country follows from the
code's first letter. Both become one table, with nulls where a layout has nothing.
"""

from __future__ import annotations

import pyarrow as pa

from ingest.reference_files._grid import (
    COUNTRIES,
    GSS_CODE,
    Cell,
    Column,
    Header,
    Layout,
    Problems,
    as_table,
    cell_at,
    find_header,
    first_group,
    open_grid,
    text_value,
)

SCHEMA = pa.schema(
    [
        ("place_code", pa.string()),
        ("place_name", pa.string()),
        ("current_place_code", pa.string()),
        ("is_current", pa.bool_()),
        ("utla_code", pa.string()),
        ("utla_name", pa.string()),
        ("combined_authority_code", pa.string()),
        ("combined_authority_name", pa.string()),
        ("region_code", pa.string()),
        ("region_name", pa.string()),
        ("country_code", pa.string()),
        ("country_name", pa.string()),
        ("vintage", pa.string()),
    ]
)

# For loading, each row also says which layout it was read from: an all-codes file is
# the whole geography, a lookup only the current districts it lists.
LAYOUT_ALL_CODES, LAYOUT_LOOKUP = "all_codes", "lad_to_region"
LOAD_SCHEMA = SCHEMA.append(pa.field("layout", pa.string()))

# Output column -> the all-codes header it is read from.
_ALL_CODES_HEADERS = {
    "place_code": "LADCD",
    "place_name": "LADNM",
    "current_place_code": "LADCD_ACTIVE",
    "utla_code": "UTLACD",
    "utla_name": "UTLANM",
    "combined_authority_code": "CAUTHCD",
    "combined_authority_name": "CAUTHNM",
    "region_code": "RGNCD",
    "region_name": "RGNNM",
    "country_code": "CTRYCD",
    "country_name": "CTRYNM",
    "is_current": "Current",
}
ALL_CODES = Layout(
    "the all-codes district table (la_all_codes.csv)",
    tuple(Column(name, header, header.lower()) for name, header in _ALL_CODES_HEADERS.items()),
)
LAD_TO_REGION = Layout(
    "the ONS LAD to region lookup",
    (
        Column("place_code", "LADyyCD", r"lad(\d\d)cd"),
        Column("place_name", "LADyyNM", r"lad(\d\d)nm"),
        Column("region_code", "RGNyyCD", r"rgn(\d\d)cd"),
        Column("region_name", "RGNyyNM", r"rgn(\d\d)nm"),
    ),
)
EXPECTED = (
    "either the all-codes headers (LADCD, LADNM, LADCD_ACTIVE, ..., RGNCD, RGNNM, CTRYCD, "
    "CTRYNM, Current) or the ONS lookup headers LADyyCD, LADyyNM, RGNyyCD, RGNyyNM"
)
_TRUTH = {"true": True, "false": False}


def read_geography(name: str, data: bytes, *, for_loading: bool = False) -> pa.Table:
    """One row per district code in the file, in file order.

    ``for_loading`` adds ``layout`` (LAYOUT_ALL_CODES or LAYOUT_LOOKUP) and ``source_row``.
    """
    grid = open_grid(name, data)
    header = find_header(grid, (ALL_CODES, LAD_TO_REGION), EXPECTED)
    problems = Problems(grid)
    if header.layout is ALL_CODES:
        vintage = _vintage_in_name(name)
        rows = [_all_codes_row(header, problems, n, cells, vintage) for n, cells in header.body]
    else:
        vintage = "LAD" + header.found["place_code"][0][1].group(1)
        rows = [_lookup_row(header, problems, n, cells, vintage) for n, cells in header.body]
    _check_codes(problems, header, rows)
    problems.raise_any()
    if not for_loading:
        return as_table(rows, SCHEMA, for_loading)
    layout = LAYOUT_ALL_CODES if header.layout is ALL_CODES else LAYOUT_LOOKUP
    return as_table([(n, {**row, "layout": layout}) for n, row in rows], LOAD_SCHEMA, True)


def _vintage_in_name(name: str) -> str | None:
    """'LAD25' from a name such as 'LAD25_RGN25_EN_LU.csv'; None when it says nothing."""
    year = first_group(name, (r"(?<![a-z])lad(\d\d)",))
    return f"LAD{year}" if year else None


def _all_codes_row(
    header: Header, problems: Problems, number: int, cells: list[Cell], vintage: str | None
) -> tuple[int, dict[str, object]]:
    row: dict[str, object] = {
        column: text_value(cell_at(cells, header.position(column))) for column in _ALL_CODES_HEADERS
    }
    current = (row["is_current"] or "").lower()
    if current not in _TRUTH:
        problems.add(
            number,
            header.text("is_current"),
            row["is_current"],
            "expected TRUE or FALSE (is this code a current district?). Correct the value.",
        )
    row["is_current"] = _TRUTH.get(current)
    row["vintage"] = vintage
    return number, row


def _lookup_row(
    header: Header, problems: Problems, number: int, cells: list[Cell], vintage: str
) -> tuple[int, dict[str, object]]:
    code = text_value(cell_at(cells, header.position("place_code")))
    country_code, country_name = COUNTRIES.get((code or " ")[0], (None, None))
    in_england = country_code == COUNTRIES["E"][0]
    row: dict[str, object] = dict.fromkeys(SCHEMA.names)
    row |= {
        "place_code": code,
        "place_name": text_value(cell_at(cells, header.position("place_name"))),
        "current_place_code": code,
        "is_current": True,
        # Regions are English; lookups that cover Wales repeat the country there.
        "region_code": text_value(cell_at(cells, header.position("region_code")))
        if in_england
        else None,
        "region_name": text_value(cell_at(cells, header.position("region_name")))
        if in_england
        else None,
        "country_code": country_code,
        "country_name": country_name,
        "vintage": vintage,
    }
    return number, row


def _check_codes(
    problems: Problems, header: Header, rows: list[tuple[int, dict[str, object]]]
) -> None:
    """Codes are well formed and unique, names present, successors current districts."""
    code_column = header.text("place_code")
    first_row: dict[object, int] = {}
    for number, row in rows:
        code = row["place_code"]
        if not isinstance(code, str) or not GSS_CODE.fullmatch(code) or code[0] not in COUNTRIES:
            problems.add(
                number,
                code_column,
                code,
                "expected a district's GSS code (a letter E, W, S or N and eight digits, "
                "such as E08000035). Correct the code.",
            )
        elif code in first_row:
            problems.repeated(number, code_column, code, first_row[code], "district code")
        else:
            first_row[code] = number
        if row["place_name"] is None:
            problems.add(number, header.text("place_name"), None, "the district name is blank.")
    current = {row["place_code"] for _, row in rows if row["is_current"]}
    for number, row in rows:
        successor = row["current_place_code"]
        if successor not in current:
            problems.add(
                number,
                header.text("current_place_code"),
                successor,
                "expected the code of a current district (a row with Current TRUE) that "
                "covers this one. Correct the code.",
            )
