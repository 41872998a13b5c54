"""Rejection reports as a sender opens them: JSON for machines, CSV for Excel."""

from __future__ import annotations

import csv
import io
import json

from expectations.errors import ReturnError
from ingest.reports import build_reports


def test_reports_list_errors_with_the_senders_header_and_cap_the_list() -> None:
    errors = [ReturnError(row, "quantity", "-5", "Quantity is negative.") for row in range(2, 1502)]
    json_bytes, csv_bytes = build_reports("incoming/a/q1.csv", errors, 1500, {"quantity": "Qty"})

    report = json.loads(json_bytes)
    assert report["file"] == "incoming/a/q1.csv"
    assert report["error_count"] == 1500
    assert len(report["errors"]) == 1000
    assert report["errors"][0] == {
        "row": 2,
        "column": "quantity",
        "value": "-5",
        "message": "Quantity is negative.",
        "your_column_header": "Qty",
    }
    assert csv_bytes.startswith(b"\xef\xbb\xbf")  # BOM: Excel reads UTF-8 (and £) correctly
    rows = list(csv.reader(io.StringIO(csv_bytes.decode("utf-8-sig"))))
    assert rows[1] == ["2", "quantity", "Qty", "-5", "Quantity is negative."]
    assert rows[-1][-1] == "... and 500 more errors not listed"
    assert len(rows) == 1 + 1000 + 1


def test_csv_report_never_runs_a_senders_value_as_a_formula() -> None:
    error = ReturnError(3, "evidence", '=HYPERLINK("http://x","y")', "Bad.")
    json_bytes, csv_bytes = build_reports("incoming/a/q1.csv", [error], 1)
    rows = list(csv.reader(io.StringIO(csv_bytes.decode("utf-8-sig"))))
    assert rows[1][3] == '\'=HYPERLINK("http://x","y")'
    assert json.loads(json_bytes)["errors"][0]["value"] == '=HYPERLINK("http://x","y")'
