"""The sender's reports: what a sender reads about their file.

A rejected file gets two files beside it: ``<name>.errors.xlsx``, the report for people
(opens in Excel and any spreadsheet program: the file, the sheet and header row read,
the count, and each error at its cell with its value and what to do), and
``<name>.errors.json``, the same for machines. A loaded file that replaced earlier lines
of its returns gets ``<name>.report.xlsx`` beside it in archive/: what it replaced, in
the sentences of ``marts.fct_supersessions``, and its warnings. Everything the sender
wrote is written back as inert text: never a formula, whatever it starts with.
"""

from __future__ import annotations

import io
import json
from collections.abc import Sequence

from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Alignment, Font
from openpyxl.worksheet.worksheet import Worksheet

from expectations.errors import MAX_REPORTED_ERRORS, ReturnError, WhereRead

NOTHING_LOADED = "Nothing from this file was loaded."
WHAT_TO_DO = "Fix every error listed, then upload the whole file again to the same folder."
REPORT_SHEET = "Errors"
ERROR_COLUMNS = ("cell", "row", "column", "your column header", "value", "what to do")
_COLUMN_WIDTHS = (8, 7, 18, 22, 30, 100)
# Control characters (a NUL from a mis-decoded file, say) cannot be stored in a workbook
# and are not what the sender typed; they are shown as this mark.
_UNPRINTABLE = "\N{REPLACEMENT CHARACTER}"


LOAD_REPORT_SHEET = "Report"
REPLACED_MEANS = (
    "A file replaces every earlier line of each return it holds (the same organisation, "
    "contract and period): the earlier lines listed below no longer count. If this file "
    "was a correction, there is nothing more to do. If the earlier file held other lines "
    "of the same return (jobs in one file and spend in another, say), send one file "
    "holding all of that return's lines, or one corrected file holding both."
)


def report_paths(rejected_file: str) -> tuple[str, str]:
    """The machine report and the human report beside a rejected file."""
    return f"{rejected_file}.errors.json", f"{rejected_file}.errors.xlsx"


def build_reports(
    original_path: str,
    errors: Sequence[ReturnError],
    total: int,
    header_columns: dict[str, str] | None = None,
    where: WhereRead | None = None,
) -> tuple[bytes, bytes]:
    """The JSON and XLSX reports for one rejected file.

    ``header_columns`` maps canonical fields to the sender's own headers, so the report
    names the column as it appears in their file (and leaves it empty for a column the
    file does not have). ``where`` names the sheet and header row read and gives each
    field's column letter for the cell references.
    """
    where = where or WhereRead()
    rows = _error_rows(errors[:MAX_REPORTED_ERRORS], header_columns or {}, where)
    return _json_report(original_path, rows, total, where), _xlsx_report(
        original_path, rows, total, where
    )


def _error_rows(
    errors: Sequence[ReturnError], header_columns: dict[str, str], where: WhereRead
) -> list[dict[str, object]]:
    return [
        {
            "cell": where.cell(error.column, error.row),
            **error.to_dict(),
            "your_column_header": header_columns.get(error.column or ""),
        }
        for error in errors
    ]


def _json_report(
    original_path: str, rows: list[dict[str, object]], total: int, where: WhereRead
) -> bytes:
    document = {
        "file": original_path,
        "sheet": where.sheet,
        "header_row": where.header_row,
        "error_count": total,
        "errors_listed": len(rows),
        "errors": rows,
        "what_to_do": f"{NOTHING_LOADED} {WHAT_TO_DO}",
    }
    return json.dumps(document, indent=2, ensure_ascii=False, default=str).encode()


def _xlsx_report(
    original_path: str, rows: list[dict[str, object]], total: int, where: WhereRead
) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = REPORT_SHEET
    summary: list[tuple[str, object]] = [
        ("File", original_path),
        ("Sheet read", where.sheet or "(the file has no sheets)"),
        ("Header row", where.header_row or "(none)"),
        ("Errors", total),
        ("Result", NOTHING_LOADED),
        ("What to do", WHAT_TO_DO),
    ]
    if total > len(rows):
        summary.append(("Note", f"The first {len(rows)} of the {total} errors are listed."))
    for number, (label, value) in enumerate(summary, start=1):
        _write_row(sheet, number, [label, value])
        sheet.cell(number, 1).font = Font(bold=True)
    header_row = len(summary) + 2  # one blank row between the summary and the list
    _write_row(sheet, header_row, list(ERROR_COLUMNS))
    for cell in sheet[header_row]:
        cell.font = Font(bold=True)
    for number, row in enumerate(rows, start=header_row + 1):
        _write_row(
            sheet,
            number,
            [
                row["cell"] or "",
                row["row"] if row["row"] is not None else "",
                row["column"] or "",
                row["your_column_header"] or "",
                row["value"] or "",
                row["message"],
            ],
        )
        sheet.cell(number, len(ERROR_COLUMNS)).alignment = Alignment(wrap_text=True)
    for letter, width in zip("ABCDEF", _COLUMN_WIDTHS, strict=True):
        sheet.column_dimensions[letter].width = width
    sheet.freeze_panes = sheet.cell(header_row + 1, 1)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _write_row(sheet: Worksheet, number: int, values: list[object]) -> None:
    """One row of cells, text always stored as text (never run as a formula)."""
    for position, value in enumerate(values, start=1):
        cell = sheet.cell(number, position)
        if isinstance(value, str):
            cell.value = ILLEGAL_CHARACTERS_RE.sub(_UNPRINTABLE, value)
            # openpyxl stores text starting with "=" as a formula unless told otherwise.
            cell.data_type = "s"
        else:
            cell.value = value


def load_report_path(loaded_file: str) -> str:
    """The report beside a loaded file (in archive/) that replaced earlier lines."""
    return f"{loaded_file}.report.xlsx"


def build_load_report(
    original_path: str,
    line_count: int,
    current_line_count: int,
    replaced: Sequence[str],
    warnings: Sequence[str] = (),
) -> bytes:
    """The XLSX report for a loaded file: lines loaded and counting, what it replaced
    (one sentence per earlier file and return), then its load warnings."""
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = LOAD_REPORT_SHEET
    rows: list[list[object]] = [
        ["File", original_path],
        ["Result", f"Loaded: {line_count} line{'' if line_count == 1 else 's'}."],
        ["Lines that count", current_line_count],
        ["What this means", REPLACED_MEANS],
        [],
        ["Replaced"],
        *[["", sentence] for sentence in replaced],
    ]
    if warnings:
        rows += [[], ["Warnings"], *[["", warning] for warning in warnings]]
    for number, values in enumerate(rows, start=1):
        _write_row(sheet, number, values)
        sheet.cell(number, 1).font = Font(bold=True)
        sheet.cell(number, 2).alignment = Alignment(wrap_text=True)
    sheet.column_dimensions["A"].width = 18
    sheet.column_dimensions["B"].width = 120
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
