"""A crosswalk: codes of another framework family mapped onto a catalogue edition.

Owns reading a crosswalk file (CSV or workbook, title rows allowed): one row per code
of a family (a council's localised set such as ECC, a plug-in such as RE or FM, the
central government Social Value Model's PPN 06/20 or PPN 002 reporting metrics) and
the edition measure it counts as. ``factor`` converts the family's unit into the
measure's (blank: 1). A row with no ``to_code`` says the code is known but maps to
nothing (its unit matches no measure): lines with it are kept as quantities under
their own framework, never valued.
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
    decimal_number,
    find_header,
    open_grid,
    text_value,
)

SCHEMA = pa.schema(
    [
        ("from_framework", pa.string()),
        ("from_code", pa.string()),
        ("to_edition", pa.string()),
        ("to_code", pa.string()),
        ("factor", pa.float64()),
        ("note", pa.string()),
    ]
)
CROSSWALK_LAYOUT = Layout(
    "a crosswalk",
    (
        Column("from_framework", "from_framework", r"from[ _]framework|from[ _]family|family"),
        Column("from_code", "from_code", r"from[ _](?:measure[ _])?code|from[ _]measure"),
        Column("to_edition", "to_edition", r"to[ _]edition|target edition"),
        Column("to_code", "to_code", r"to[ _](?:measure[ _])?code|to[ _]measure"),
        Column("factor", "factor", r"(?:unit |conversion )?factor|multiplier", False),
        Column("note", "note", r"notes?", False),
    ),
)
EXPECTED = "the header from_framework, from_code, to_edition, to_code (factor and note optional)"


def read_crosswalks(name: str, data: bytes, *, for_loading: bool = False) -> pa.Table:
    """One row per code of a family, in the file's order."""
    grid = open_grid(name, data)
    header = find_header(grid, (CROSSWALK_LAYOUT,), EXPECTED)
    problems = Problems(grid)
    rows = []
    for number, cells in header.body:

        def text(column: str, cells: list = cells) -> str | None:
            return text_value(cell_at(cells, header.position(column)))

        factor_cell = cell_at(cells, header.position("factor"))
        factor: object = 1.0
        if text_value(factor_cell) is not None:
            factor = problems.read(
                number, header.text("factor"), factor_cell, decimal_number, "a number such as 1"
            )
        row = {column: text(column) for column in SCHEMA.names if column != "factor"}
        rows.append((number, {**row, "factor": factor}))
    problems.raise_any()
    if not rows:
        raise rejected(f"{name} has no rows below its header. Send the whole crosswalk.")
    return as_table(rows, SCHEMA, for_loading)
