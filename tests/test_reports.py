"""Reports as a sender opens them: a rejection's workbook in a spreadsheet program (read
back here with openpyxl), its JSON by a machine; and what a loaded file replaced, in the
sender's report and the run summary."""

from __future__ import annotations

import io
import json

import openpyxl
from openpyxl.worksheet.worksheet import Worksheet

from configuration import Settings
from expectations.errors import ReturnError, WhereRead
from ingest.reports import build_reports, report_paths
from serving.supersessions import ReplacingFile

WHERE = WhereRead(
    sheet="Return", header_row=3, column_letters=(("quantity", "G"), ("evidence", "J"))
)


def opened(xlsx: bytes) -> Worksheet:
    # data_only=False: a formula would come back as its text with data_type "f".
    return openpyxl.load_workbook(io.BytesIO(xlsx)).active


def values(sheet: Worksheet) -> list[tuple[object, ...]]:
    return [tuple(row) for row in sheet.iter_rows(values_only=True)]


def test_report_paths_sit_beside_the_rejected_file() -> None:
    assert report_paths("rejected/acme/q1.xlsx") == (
        "rejected/acme/q1.xlsx.errors.json",
        "rejected/acme/q1.xlsx.errors.xlsx",
    )


def test_the_workbook_says_where_what_and_what_to_do() -> None:
    errors = [
        ReturnError(None, "place_code", None, 'Required column "place_code" was not found.'),
        ReturnError(7, "quantity", "-5", "Quantity '-5' is negative."),
    ]
    _, xlsx = build_reports("incoming/acme/q1.xlsx", errors, 2, {"quantity": "Qty"}, WHERE)

    assert values(opened(xlsx)) == [
        ("File", "incoming/acme/q1.xlsx", None, None, None, None),
        ("Sheet read", "Return", None, None, None, None),
        ("Header row", 3, None, None, None, None),
        ("Errors", 2, None, None, None, None),
        ("Result", "Nothing from this file was loaded.", None, None, None, None),
        (
            "What to do",
            "Fix every error listed, then upload the whole file again to the same folder.",
            None,
            None,
            None,
            None,
        ),
        (None, None, None, None, None, None),
        ("cell", "row", "column", "your column header", "value", "what to do"),
        # A column the file does not have has no header of the sender's, and no cell.
        (None, None, "place_code", None, None, 'Required column "place_code" was not found.'),
        ("G7", 7, "quantity", "Qty", "-5", "Quantity '-5' is negative."),
    ]


def test_json_report_has_the_sheet_header_row_and_cells_and_caps_the_list() -> None:
    errors = [ReturnError(row, "quantity", "-5", "Quantity is negative.") for row in range(4, 1504)]
    json_bytes, xlsx = build_reports("incoming/a/q1.xlsx", errors, 1500, {"quantity": "Qty"}, WHERE)

    report = json.loads(json_bytes)
    assert (report["file"], report["sheet"], report["header_row"]) == (
        "incoming/a/q1.xlsx",
        "Return",
        3,
    )
    assert (report["error_count"], report["errors_listed"], len(report["errors"])) == (
        1500,
        1000,
        1000,
    )
    assert report["errors"][0] == {
        "cell": "G4",
        "row": 4,
        "column": "quantity",
        "value": "-5",
        "message": "Quantity is negative.",
        "your_column_header": "Qty",
    }
    assert report["what_to_do"].startswith("Nothing from this file was loaded.")
    sheet = opened(xlsx)
    assert sheet["A7"].value == "Note"
    assert sheet["B7"].value == "The first 1000 of the 1500 errors are listed."
    assert sheet.max_row == 7 + 1 + 1 + 1000  # summary, blank, header, listed errors


def test_a_csv_file_has_no_sheet_and_json_no_cells() -> None:
    error = ReturnError(3, "quantity", "x", "Bad.")
    csv_where = WhereRead(header_row=1, column_letters=(("quantity", "G"),))
    report = json.loads(build_reports("incoming/a/q1.csv", [error], 1, None, csv_where)[0])
    assert (report["sheet"], report["header_row"], report["errors"][0]["cell"]) == (
        None,
        1,
        "G3",
    )
    report = json.loads(build_reports("incoming/a/q1.json", [error], 1)[0])
    assert (report["sheet"], report["header_row"], report["errors"][0]["cell"]) == (
        None,
        None,
        None,
    )


def test_senders_text_is_never_run_as_a_formula_nor_breaks_the_workbook() -> None:
    formula = '=HYPERLINK("http://x","y")'
    errors = [
        ReturnError(3, "evidence", formula, "Bad."),
        ReturnError(4, "evidence", "@SUM(A1)", "Bad."),
        ReturnError(5, "evidence", "a\x00b\x07c", "Bad."),
        ReturnError(6, "evidence", "<script>alert(1)</script>", "Bad."),
    ]
    json_bytes, xlsx = build_reports("incoming/a/=x.csv", errors, 4, None, WHERE)

    sheet = opened(xlsx)
    listed = [sheet.cell(row, 5) for row in range(9, 13)]
    assert [cell.value for cell in listed] == [
        formula,
        "@SUM(A1)",
        "a\N{REPLACEMENT CHARACTER}b\N{REPLACEMENT CHARACTER}c",
        "<script>alert(1)</script>",
    ]
    assert all(cell.data_type == "s" for cell in listed)
    assert (sheet["B1"].value, sheet["B1"].data_type) == ("incoming/a/=x.csv", "s")
    assert json.loads(json_bytes)["errors"][0]["value"] == formula


def test_a_file_replacing_many_returns_is_summarised_and_its_report_lists_them_all(
    svw_settings: Settings,
) -> None:
    """A resubmission replacing 12 returns: the run summary names 5 and counts the other
    7 (with the 24 lines replaced in all); the sender's report lists all 12."""
    from orchestration.sender_reports import _report
    from svw.runner import RunOutcome

    notices = [
        f"file incoming/north/q1-v2.csv replaces return (GB-COH-01, C{n}, 2025-04-01 to "
        "2025-06-30) from file incoming/north/q1.csv: 2 earlier lines no longer count"
        for n in range(1, 13)
    ]
    replacing = ReplacingFile(
        submission_id=2,
        original_path="incoming/north/q1-v2.csv",
        final_location="archive/north/q1-v2.csv",
        line_count=30,
        current_line_count=30,
        replaced_line_count=24,
        notices=notices,
    )
    outcome = RunOutcome(run_id="r", success=True, settings=svw_settings, replacing=[replacing])

    summary = outcome.summary_text().splitlines()
    start = summary.index(f"  {notices[0]}")
    assert summary[start : start + 7] == [
        *(f"  {notice}" for notice in notices[:5]),
        "  ... and 7 more returns replaced by file incoming/north/q1-v2.csv: in all 24 "
        "earlier lines no longer count (the sender's report lists every return)",
        f"  report for the sender: {svw_settings.bucket_url}/archive/north/q1-v2.csv.report.xlsx",
    ]
    assert [row[1] for row in values(opened(_report(replacing)))[-12:]] == notices
