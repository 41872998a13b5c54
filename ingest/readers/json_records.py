"""JSON (.json): an array of objects, one per row, whose keys are the headers.

Owns decoding and parsing the document with numbers kept as the text the sender
wrote, refusing anything but an array of objects (each wrong element named by its
1-based index, which is also the row number), and writing values back as text.
"""

from __future__ import annotations

import json

import numpy as np
import pyarrow as pa

from expectations.errors import ReturnError
from expectations.fields import DELIVERY, FieldTable
from ingest.headers import map_headers
from ingest.readers._table import (
    FileFormat,
    ParsedFile,
    assemble,
    reject_workbook_in_disguise,
    rejected,
    rejected_all,
)

NAME = "json"


class _JsonNumber(str):
    """A JSON number kept as the exact text the sender wrote (12 stays '12')."""

    __slots__ = ()


def read(data: bytes, field_table: FieldTable = DELIVERY) -> ParsedFile:
    """Read an array of objects; the keys, in order of first appearance, are the headers."""
    reject_workbook_in_disguise(data)
    records = _records(_parse(_decode(data)))
    keys = list(dict.fromkeys(key for record in records for key in record))
    mapping = map_headers(keys, header_row=None, fields=field_table)
    text_columns = {
        field: pa.array(
            [_json_value_text(record.get(keys[position])) for record in records], pa.string()
        )
        for field, position in mapping.positions.items()
    }
    source_rows = pa.array(np.arange(1, len(records) + 1, dtype=np.int64))
    return assemble(NAME, mapping, text_columns, source_rows)


# --- the document -------------------------------------------------------------------


def _decode(data: bytes) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as problem:
        raise rejected(
            "The JSON file is not UTF-8 text. Save it again with UTF-8 encoding."
        ) from problem


def _parse(text: str) -> object:
    try:
        return json.loads(
            text, parse_int=_JsonNumber, parse_float=_JsonNumber, parse_constant=_JsonNumber
        )
    except json.JSONDecodeError as problem:
        raise rejected(
            f"The file is not valid JSON: {problem.msg} at line {problem.lineno}, column "
            f"{problem.colno}. Fix the syntax there (a JSON checker will point at it)."
        ) from problem
    except RecursionError as problem:
        raise rejected("The JSON is nested too deeply to be a list of records.") from problem


def _records(document: object) -> list[dict[str, object]]:
    """The document as a non-empty list of objects, or every reason it is not one."""
    if not isinstance(document, list):
        raise rejected(
            "The JSON file must be an array of objects, one per row: "
            '[{"organisation_id": "...", ...}, ...]. The top level here is '
            f"{_json_kind(document)}."
        )
    if not document:
        raise rejected("The JSON array is empty. Add one object per delivered measure.")
    not_objects = [
        _not_an_object(index, element)
        for index, element in enumerate(document, start=1)
        if not isinstance(element, dict)
    ]
    if not_objects:
        raise rejected_all(not_objects)
    return document


def _not_an_object(index: int, element: object) -> ReturnError:
    return ReturnError(
        row=index,
        column=None,
        value=_json_value_text(element),
        message=(
            f"Element {index} of the array is {_json_kind(element)}, not an object. "
            'Each element must be an object such as {"organisation_id": "...", ...}.'
        ),
    )


# --- values -------------------------------------------------------------------------


def _json_kind(value: object) -> str:
    if isinstance(value, dict):
        return "an object"
    if isinstance(value, list):
        return "an array"
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true/false"
    if isinstance(value, _JsonNumber):
        return "a number"
    return "a string"


def _json_value_text(value: object) -> str | None:
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dict | list):
        # Kept as JSON text so the sender sees what they sent when it fails validation.
        return json.dumps(_plain_json(value), ensure_ascii=False)
    return str(value)


def _plain_json(value: object) -> object:
    """Undo _JsonNumber inside nested values so they serialise as numbers again."""
    if isinstance(value, _JsonNumber):
        return int(value) if value.lstrip("-").isdigit() else float(value)
    if isinstance(value, dict):
        return {key: _plain_json(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_plain_json(item) for item in value]
    return value


FORMAT = FileFormat(name=NAME, extensions=(".json",), read=read)
