"""Rejection reports: what a sender reads to fix their file.

Two files beside the rejected one: ``<name>.errors.json`` for machines and
``<name>.errors.csv`` for people (opens in Excel; UTF-8 with BOM so £ survives).
"""

from __future__ import annotations

import csv
import io
import json

from expectations.errors import MAX_REPORTED_ERRORS, ReturnError

_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def _inert(value: str | None) -> str:
    """A sender's value as text Excel will not run as a formula (CSV injection).

    Plain negative numbers stay as they are: they are common and harmless.
    """
    if not value:
        return ""
    if value.startswith(_FORMULA_STARTS) and not _is_number(value):
        return "'" + value
    return value


def _is_number(value: str) -> bool:
    try:
        float(value)
    except ValueError:
        return False
    return True


def report_paths(rejected_file: str) -> tuple[str, str]:
    return f"{rejected_file}.errors.json", f"{rejected_file}.errors.csv"


def build_reports(
    original_path: str,
    errors: list[ReturnError],
    total: int,
    header_columns: dict[str, str] | None = None,
) -> tuple[bytes, bytes]:
    """The JSON and CSV reports for one rejected file.

    ``header_columns`` maps canonical fields to the sender's own headers, so the
    report can name the column as it appears in their spreadsheet.
    """
    header_columns = header_columns or {}
    listed = errors[:MAX_REPORTED_ERRORS]
    rows = [
        {**e.to_dict(), "your_column_header": header_columns.get(e.column or "", e.column)}
        for e in listed
    ]
    document = {
        "file": original_path,
        "error_count": total,
        "errors_listed": len(listed),
        "errors": rows,
        "what_to_do": (
            "Nothing from this file was loaded. Fix every error listed, then upload the "
            "whole file again to the same folder."
        ),
    }
    json_bytes = json.dumps(document, indent=2, ensure_ascii=False, default=str).encode()

    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(
        ["row", "column", "your_column_header", "value", "what is wrong and how to fix it"]
    )
    for r in rows:
        writer.writerow(
            [
                r["row"] or "",
                r["column"] or "",
                r["your_column_header"] or "",
                _inert(r["value"]),
                r["message"],
            ]
        )
    if total > len(listed):
        writer.writerow(["", "", "", "", f"... and {total - len(listed)} more errors not listed"])
    return json_bytes, buffer.getvalue().encode("utf-8-sig")
