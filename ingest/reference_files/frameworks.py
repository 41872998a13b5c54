"""A catalogue edition: the measures of a TOMs edition (or a council's localised set).

Owns reading an edition file, as a council holds it under its own licence: a CSV or a
workbook, title rows allowed above the header, one row per measure. Headers are
matched like a return's ("Ref", "TOMs ref" or "Code" for the measure code; "Proxy
value", "Proxy (£)" or "Value per unit" for the proxy; "Units" for the unit...). The
edition comes from an ``edition`` column, else a title cell above the header
("Edition: essex-2024"), else the file name without its extension.

Themes, units and value types are read by the vocabulary (``expectations.vocabulary``):
the text as written is kept beside what it means, so the gate can report a heading it
does not know. A blank value type means ``proxy`` when a proxy is given, else
``record_only``; ``excludes`` lists codes (separated by commas, semicolons or spaces)
the measure must not be counted with.
"""

from __future__ import annotations

import posixpath

import pyarrow as pa

from expectations.vocabulary import canonical_theme, canonical_unit, canonical_value_type
from ingest.readers._table import rejected
from ingest.reference_files._grid import (
    Column,
    Header,
    Layout,
    Problems,
    as_table,
    cell_at,
    edition_in_titles,
    find_header,
    money_number,
    open_grid,
    text_value,
)

SCHEMA = pa.schema(
    [
        ("edition", pa.string()),
        ("measure_code", pa.string()),
        ("theme", pa.string()),
        ("theme_as_written", pa.string()),
        ("outcome", pa.string()),
        ("description", pa.string()),
        ("unit", pa.string()),
        ("unit_as_written", pa.string()),
        ("proxy_value_gbp", pa.float64()),
        ("value_type", pa.string()),
        ("value_type_as_written", pa.string()),
        ("excludes", pa.string()),
        ("is_illustrative", pa.bool_()),
        ("source", pa.string()),
        ("licence", pa.string()),
    ]
)
SHEETS = ("Measures", "TOMs", "Catalogue")
# Pounds per unit, as editions and local proxies files head it ("Proxy value (£)"...).
PROXY_VALUE = Column(
    "proxy_value_gbp",
    "proxy_value_gbp",
    r"proxy[ _]value(?:[ _]gbp)?(?: \(£\)| £)?|proxy(?: \(£\)| £)?|value per unit",
)

EDITION_LAYOUT = Layout(
    "a measure catalogue edition",
    (
        Column(
            "measure_code",
            "measure_code",
            r"measure[ _]?code|measure id|toms ref|toms code|ref|code|reference",
        ),
        Column("theme", "theme", r"themes?"),
        Column("unit", "unit", r"units?|unit of measure"),
        PROXY_VALUE,
        Column("edition", "edition", r"edition|toms edition|framework(?: version)?", False),
        Column("outcome", "outcome", r"outcomes?", False),
        Column("description", "description", r"description|measure|measure description", False),
        Column("value_type", "value_type", r"value[ _]type|type", False),
        Column("excludes", "excludes", r"excludes|exclusions?|not counted with", False),
        Column("is_illustrative", "illustrative", r"(?:is[ _])?illustrative", False),
        Column("source", "source", r"source", False),
        Column("licence", "licence", r"licen[cs]e", False),
    ),
)
EXPECTED = (
    "a header with measure_code (or Ref, Code, TOMs ref), theme, unit (or Units) and "
    "proxy_value_gbp (or Proxy value, Proxy (£), Value per unit)"
)
_TRUE = frozenset({"true", "yes", "y", "1"})


def read_frameworks(name: str, data: bytes, *, for_loading: bool = False) -> pa.Table:
    """One row per measure of the file's edition(s), in the file's order."""
    grid = open_grid(name, data, SHEETS)
    header = find_header(grid, (EDITION_LAYOUT,), EXPECTED)
    edition = edition_in_titles(header.above) or posixpath.splitext(posixpath.basename(name))[0]
    problems = Problems(grid)
    rows = [
        (number, _row(header, problems, number, cells, edition)) for number, cells in header.body
    ]
    problems.raise_any()
    if not rows:
        raise rejected(f"{name} has no measures below its header. Send the whole edition.")
    return as_table(rows, SCHEMA, for_loading)


def _row(
    header: Header, problems: Problems, number: int, cells: list, edition: str
) -> dict[str, object]:
    def text(column: str) -> str | None:
        return text_value(cell_at(cells, header.position(column)))

    proxy_cell = cell_at(cells, header.position("proxy_value_gbp"))
    proxy = None
    if text_value(proxy_cell) is not None:
        proxy = problems.read(
            number, header.text("proxy_value_gbp"), proxy_cell, money_number, "pounds per unit"
        )
    theme, unit, value_type = text("theme"), text("unit"), text("value_type")
    derived_type = "proxy" if text_value(proxy_cell) is not None else "record_only"
    return {
        "edition": text("edition") or edition,
        "measure_code": text("measure_code"),
        "theme": theme and canonical_theme(theme),
        "theme_as_written": theme,
        "outcome": text("outcome"),
        "description": text("description"),
        "unit": unit and canonical_unit(unit),
        "unit_as_written": unit,
        "proxy_value_gbp": proxy,
        "value_type": canonical_value_type(value_type) if value_type else derived_type,
        "value_type_as_written": value_type,
        "excludes": _codes(text("excludes")),
        "is_illustrative": (text("is_illustrative") or "").lower() in _TRUE,
        "source": text("source"),
        "licence": text("licence"),
    }


def _codes(text: str | None) -> str | None:
    """'NT1, NT18;NT19' -> 'NT1 NT18 NT19': one space between codes, for SQL to split."""
    if text is None:
        return None
    codes = text.replace(",", " ").replace(";", " ").replace("/", " ").split()
    return " ".join(codes) or None
