"""Parquet (.parquet): typed columns whose names are the headers, written back as text.

Owns refusing what is not readable Parquet and turning each Arrow type into the text
a sender would expect: dictionary values, dates and midnight timestamps as ISO dates,
nested values as JSON.
"""

from __future__ import annotations

import json
from functools import reduce

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from expectations.fields import DELIVERY, FieldTable
from ingest.headers import map_headers
from ingest.readers._table import FileFormat, ParsedFile, assemble, rejected

NAME = "parquet"


def read(data: bytes, field_table: FieldTable = DELIVERY) -> ParsedFile:
    """Read every row; rows are numbered from 1 in file order."""
    try:
        table = pq.read_table(pa.BufferReader(data))
    except (pa.ArrowException, OSError) as problem:
        raise rejected(
            "The file could not be read as Parquet; it may be damaged or not Parquet at all. "
            "Export it again and resend."
        ) from problem
    mapping = map_headers(table.column_names, header_row=None, fields=field_table)
    text_columns = {
        field: _arrow_as_text(table.column(position))
        for field, position in mapping.positions.items()
    }
    source_rows = pa.array(np.arange(1, table.num_rows + 1, dtype=np.int64))
    return assemble(NAME, mapping, text_columns, source_rows)


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


FORMAT = FileFormat(name=NAME, extensions=(".parquet",), read=read)
