"""Local proxies: what a localised measure of an edition is worth in one place.

Owns reading a local proxies file (CSV or workbook, title rows allowed): one row per
edition, measure and district, with the pounds per unit there and where that value
comes from (a local multiplier, a local wage...).
"""

from __future__ import annotations

import pyarrow as pa

from ingest.readers._table import rejected
from ingest.reference_files._grid import (
    Column,
    Layout,
    Problems,
    as_table,
    cell_at,
    find_header,
    money_number,
    open_grid,
    text_value,
)
from ingest.reference_files.frameworks import PROXY_VALUE

SCHEMA = pa.schema(
    [
        ("edition", pa.string()),
        ("measure_code", pa.string()),
        ("place_code", pa.string()),
        ("proxy_value_gbp", pa.float64()),
        ("source", pa.string()),
    ]
)
LOCAL_PROXY_LAYOUT = Layout(
    "a local proxies table",
    (
        Column("edition", "edition", r"edition|toms edition"),
        Column("measure_code", "measure_code", r"measure[ _]?code|toms ref|ref|code"),
        Column("place_code", "place_code", r"place[ _]?code|place|lad code|gss code"),
        PROXY_VALUE,
        Column("source", "source", r"source", False),
    ),
)
EXPECTED = "the header edition, measure_code, place_code, proxy_value_gbp (source optional)"


def read_local_proxies(name: str, data: bytes, *, for_loading: bool = False) -> pa.Table:
    """One row per edition, measure and place, in the file's order."""
    grid = open_grid(name, data)
    header = find_header(grid, (LOCAL_PROXY_LAYOUT,), EXPECTED)
    problems = Problems(grid)
    rows = []
    for number, cells in header.body:
        row: dict[str, object] = {
            column: text_value(cell_at(cells, header.position(column)))
            for column in ("edition", "measure_code", "source")
        }
        place = text_value(cell_at(cells, header.position("place_code")))
        row["place_code"] = place and place.upper()
        row["proxy_value_gbp"] = problems.read(
            number,
            header.text("proxy_value_gbp"),
            cell_at(cells, header.position("proxy_value_gbp")),
            money_number,
            "pounds per unit",
        )
        rows.append((number, row))
    problems.raise_any()
    if not rows:
        raise rejected(f"{name} has no rows below its header. Send the whole table.")
    return as_table(rows, SCHEMA, for_loading)
