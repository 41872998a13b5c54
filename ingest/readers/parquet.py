"""Parquet (.parquet): typed columns whose names are the headers, written back as text.

Owns refusing what is not readable Parquet and turning each Arrow type into the text
a sender would expect: dictionary values, dates and midnight timestamps as ISO dates,
nested values as JSON. A file is read batch by batch, never whole.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from functools import reduce

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from expectations.errors import FileRejected
from expectations.fields import DELIVERY, FieldTable
from ingest.headers import map_headers
from ingest.readers._table import Chunk, FileFormat, ParsedFile, Source, StreamedFile, rejected

NAME = "parquet"


def read(data: bytes, field_table: FieldTable = DELIVERY) -> ParsedFile:
    """Read every row; rows are numbered from 1 in file order."""
    return stream(Source.of_bytes(data), field_table).collect()


def stream(source: Source, field_table: FieldTable = DELIVERY) -> StreamedFile:
    """:func:`read`, batch by batch (Arrow reads the file by row groups)."""
    handle = source.open()
    try:
        parquet = pq.ParquetFile(handle)
    except (pa.ArrowException, OSError) as problem:
        handle.close()
        raise _unreadable() from problem
    mapping = map_headers(parquet.schema_arrow.names, header_row=None, fields=field_table)
    problems: list[FileRejected] = []

    def chunks() -> Iterator[Chunk]:
        first_row = 1
        try:
            for batch in parquet.iter_batches():
                text_columns = {
                    field: _arrow_as_text(batch.column(position))
                    for field, position in mapping.positions.items()
                }
                rows = np.arange(first_row, first_row + batch.num_rows, dtype=np.int64)
                first_row += batch.num_rows
                yield text_columns, pa.array(rows)
        except (pa.ArrowException, OSError):
            problems.append(_unreadable())  # damage found past the first row group
        finally:
            handle.close()

    return StreamedFile(
        NAME, mapping, chunks(), late_rejection=lambda: problems[0] if problems else None
    )


def _unreadable() -> FileRejected:
    return rejected(
        "The file could not be read as Parquet; it may be damaged or not Parquet at all. "
        "Export it again and resend."
    )


def _arrow_as_text(column: pa.ChunkedArray | pa.Array) -> pa.ChunkedArray | pa.Array:
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


FORMAT = FileFormat(name=NAME, extensions=(".parquet",), read=read, stream=stream)
