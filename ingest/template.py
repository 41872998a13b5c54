"""Blank return templates (CSV and XLSX), of either kind of return (delivery or
commitments), that read back through ``read_return`` as is.

The workbook is made to prevent mistakes as the sender types: its "Return" sheet has
date-formatted date columns, drop-down lists for sector, measure code and place code
(ranges on the "Measures" and "Places" sheets, drawn from the shipped catalogue and
places seeds), number and date checks, and an input prompt on every column; Excel
refuses a value that breaks them. An "Instructions" sheet says in plain words what each
column means, how to send the file and what happens to it. A value pasted from
elsewhere gets past Excel's checks, so the gate stays the real guard.
"""

from __future__ import annotations

import csv
import datetime
import io
import textwrap
import zipfile
from pathlib import Path

from openpyxl import Workbook
from openpyxl.comments import Comment
from openpyxl.styles import Alignment, Font
from openpyxl.utils import absolute_coordinate, get_column_letter, quote_sheetname
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet
from openpyxl.writer.excel import ExcelWriter

from configuration import MEASURE_CATALOGUE_SEED, PLACES_SEED
from expectations.fields import COMMITMENTS, DELIVERY, Field, FieldTable, Typing
from expectations.vocabulary import (
    INSTRUCTIONS_SHEET,
    MEASURES_SHEET,
    PLACES_SHEET,
    RETURN_SHEET,
    SECTOR_SYNONYMS,
)
from ingest.bucket import ARCHIVE, INCOMING, REJECTED
from ingest.reports import report_paths

MEASURE_COLUMNS: tuple[str, ...] = (
    "edition",
    "measure_code",
    "theme",
    "outcome",
    "description",
    "unit",
    "proxy_value_gbp",
    "is_illustrative",
)
PLACE_COLUMNS: tuple[str, ...] = ("place_code", "place_name")
# The sectors of the drop-down list, as the vocabulary names them (its synonyms are read
# too, but a list offers the names).
SECTORS: tuple[str, ...] = tuple(SECTOR_SYNONYMS)
ILLUSTRATIVE_NOTE = (
    "ILLUSTRATIVE VALUES: the proxy values below were invented for the Social Value "
    "Warehouse demo catalogue. They are NOT official National TOMs values and must not be "
    "quoted as such. Use the licensed edition your organisation holds for real reporting."
)
# Rows of the Return sheet (below its header) that carry the lists, checks and date
# format: more than a quarter's return from the largest senders.
TEMPLATE_ROWS = 10_000
DATE_FORMAT = "yyyy-mm-dd"
# Excel's own limits on a data validation's texts (longer ones make it refuse the file).
MAX_PROMPT_CHARS = 255
MAX_TITLE_CHARS = 32
# Zip entries carry a timestamp; a fixed one makes the same workbook the same bytes.
_FIXED_ZIP_TIME = (2026, 1, 1, 0, 0, 0)
_FIXED_DOC_TIME = datetime.datetime(2026, 1, 1)
# Excel's checks of typed values (type, operator, bound) besides the lists: any real
# date (day 1 is 1 January 1900), so text that is not a date is refused; a number, 0 or
# more, as the gate requires.
_CHECKS: dict[Typing, tuple[str, str, str]] = {
    Typing.DATE: ("date", "greaterThanOrEqual", "1"),
    Typing.QUANTITY: ("decimal", "greaterThanOrEqual", "0"),
}
_INSTRUCTION_LINE_CHARS = 110

# What a row of each kind of return is, in the sender's words.
_ROW_MEANS = {
    DELIVERY.kind: (
        "delivery return",
        "one row per measure, per organisation, per period: what was delivered",
    ),
    COMMITMENTS.kind: (
        "commitment return",
        "one row per measure, per contract and place: what the supplier committed to deliver",
    ),
}


def csv_template(field_table: FieldTable = DELIVERY) -> bytes:
    """The header row alone, canonical names in documented order, as Excel-friendly UTF-8."""
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\r\n").writerow(field_table.names)
    # The BOM makes Excel open the file as UTF-8, so a typed £ survives a save.
    return buffer.getvalue().encode("utf-8-sig")


def xlsx_template(field_table: FieldTable = DELIVERY) -> bytes:
    """A workbook with an empty "Return" sheet guarded by drop-down lists and checks,
    then "Instructions", the measure list on "Measures" and the districts on "Places"."""
    workbook = Workbook()
    data_sheet = workbook.active
    instructions = workbook.create_sheet(INSTRUCTIONS_SHEET)
    lists = {
        Typing.SECTOR: f'"{",".join(SECTORS)}"',
        Typing.MEASURE_CODE: _fill_measures_sheet(
            workbook.create_sheet(MEASURES_SHEET), MEASURE_CATALOGUE_SEED
        ),
        Typing.PLACE_CODE: _fill_places_sheet(workbook.create_sheet(PLACES_SHEET), PLACES_SEED),
    }
    _fill_return_sheet(data_sheet, field_table, lists)
    _fill_instructions_sheet(instructions, field_table)
    return workbook_bytes(workbook)


def workbook_bytes(workbook: Workbook) -> bytes:
    """Save a workbook in memory, byte-for-byte the same on every run.

    openpyxl stamps the save time into the document properties and the zip entries;
    both are fixed here so that generated files (templates, demo data) are reproducible.
    """
    workbook.properties.created = _FIXED_DOC_TIME
    workbook.properties.modified = _FIXED_DOC_TIME
    saved = io.BytesIO()
    with zipfile.ZipFile(saved, "w", zipfile.ZIP_DEFLATED) as archive:
        ExcelWriter(workbook, archive).save()
    fixed = io.BytesIO()
    with (
        zipfile.ZipFile(saved) as source,
        zipfile.ZipFile(fixed, "w", zipfile.ZIP_DEFLATED) as target,
    ):
        for entry in source.infolist():
            stamped = zipfile.ZipInfo(entry.filename, date_time=_FIXED_ZIP_TIME)
            stamped.compress_type = zipfile.ZIP_DEFLATED
            target.writestr(stamped, source.read(entry.filename))
    return fixed.getvalue()


# --- the Return sheet ---------------------------------------------------------------


def _fill_return_sheet(sheet: Worksheet, field_table: FieldTable, lists: dict[Typing, str]) -> None:
    sheet.title = RETURN_SHEET
    sheet.append(list(field_table.names))
    for position, field in enumerate(field_table.fields, start=1):
        cell = sheet.cell(row=1, column=position)
        cell.font = Font(bold=field.required)
        cell.comment = Comment(_prompt(field), "Social Value Warehouse")
        letter = get_column_letter(position)
        sheet.column_dimensions[letter].width = max(14, len(field.name) + 4)
        if field.typing is Typing.DATE:
            # Dates typed into these columns stay date cells, which read back as ISO dates.
            sheet.column_dimensions[letter].number_format = DATE_FORMAT
        validation = _validation(field, lists)
        validation.add(f"{letter}2:{letter}{TEMPLATE_ROWS + 1}")
        sheet.add_data_validation(validation)
    sheet.freeze_panes = "A2"


def _prompt(field: Field) -> str:
    required = "Required" if field.required else "Optional"
    return f"{required}. Fill in {field.hint}."


def _validation(field: Field, lists: dict[Typing, str]) -> DataValidation:
    """The check Excel applies to a column as the sender types: a stop, so a value that
    breaks it is refused, with the field's prompt shown when a cell is selected. A
    column of free text gets the prompt alone."""
    validation = DataValidation(
        allow_blank=True,  # an empty optional cell is fine; the gate reports missing ones
        showInputMessage=True,
        promptTitle=field.name,
        prompt=_prompt(field),
    )
    if field.typing in lists:
        validation.type, validation.formula1 = "list", lists[field.typing]
    elif field.typing in _CHECKS:
        validation.type, validation.operator, validation.formula1 = _CHECKS[field.typing]
    else:
        return validation
    validation.showErrorMessage = True
    validation.errorStyle = "stop"
    validation.errorTitle = f"Invalid {field.name}"
    validation.error = _refusal(field)
    return validation


def _refusal(field: Field) -> str:
    """What Excel says when it refuses a value: what to do instead."""
    return {
        Typing.SECTOR: f"Choose the sector from the drop-down list: {', '.join(SECTORS)}.",
        Typing.MEASURE_CODE: "Choose a measure code from the drop-down list. The "
        f"{MEASURES_SHEET} sheet says what each code counts and in which unit.",
        Typing.PLACE_CODE: "Choose a district code from the drop-down list. The "
        f"{PLACES_SHEET} sheet lists every district's code and name: find the name there, "
        "then pick its code.",
        Typing.DATE: "Type a date, for example 31/03/2026 or 2026-03-31.",
        Typing.QUANTITY: "Type a number, 0 or more, such as 12 or 1250.50, with no words "
        "or units in the cell.",
    }[field.typing]


# --- the lists ----------------------------------------------------------------------


def _seed_rows(path: Path) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8") as seed:
        return list(csv.DictReader(seed))


def _column_range(sheet: Worksheet, column: int, first_row: int, last_row: int) -> str:
    """An absolute reference to cells of one column, as a list validation names them."""
    letter = get_column_letter(column)
    cells = absolute_coordinate(f"{letter}{first_row}:{letter}{last_row}")
    return f"{quote_sheetname(sheet.title)}!{cells}"


def _fill_measures_sheet(sheet: Worksheet, catalogue_path: Path) -> str:
    """The catalogue, below a note that its values are illustrative; returns the range
    of its measure codes."""
    sheet.append([ILLUSTRATIVE_NOTE])
    sheet["A1"].font = Font(bold=True, color="C00000")
    sheet.append([])
    sheet.append(list(MEASURE_COLUMNS))
    for cell in sheet[3]:
        cell.font = Font(bold=True)
    for entry in _seed_rows(catalogue_path):
        sheet.append([_measure_cell(column, entry[column]) for column in MEASURE_COLUMNS])
    for letter, width in zip("ABCDEFGH", (22, 14, 14, 40, 70, 14, 16, 14), strict=True):
        sheet.column_dimensions[letter].width = width
    sheet.freeze_panes = "A4"
    return _column_range(sheet, MEASURE_COLUMNS.index("measure_code") + 1, 4, sheet.max_row)


def _measure_cell(column: str, text: str) -> object:
    if column == "proxy_value_gbp":
        return float(text) if text else None
    if column == "is_illustrative":
        return text.strip().lower() == "true"
    return text


def _fill_places_sheet(sheet: Worksheet, places_path: Path) -> str:
    """Every current district's code and name; returns the range of the codes."""
    sheet.append(list(PLACE_COLUMNS))
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for entry in _seed_rows(places_path):
        sheet.append([entry[column] for column in PLACE_COLUMNS])
    sheet.column_dimensions["A"].width = 14
    sheet.column_dimensions["B"].width = 40
    sheet.freeze_panes = "A2"
    return _column_range(sheet, PLACE_COLUMNS.index("place_code") + 1, 2, sheet.max_row)


# --- the Instructions sheet ---------------------------------------------------------


def instructions(field_table: FieldTable) -> list[str]:
    """The Instructions sheet's paragraphs (before the table of columns), in plain words
    for someone who has Excel and no command line."""
    what, row_means = _ROW_MEANS[field_table.kind]
    below = f"{COMMITMENTS.kind}/" if field_table is COMMITMENTS else ""
    report = report_paths("<your file name>")[1]
    identity = ", ".join(field_table.identity[:-1]) + f" and {field_table.identity[-1]}"
    return [
        f"How to fill in this {what}",
        f"1. Fill in the {RETURN_SHEET} sheet: {row_means}. Start on row 2 and leave row 1 "
        f"(the column names) and the sheet's name as they are.",
        "2. Sector, measure code and place code are chosen from drop-down lists, and dates "
        "and numbers are checked as you type: Excel refuses anything else and says what to "
        f"do. The lists and checks cover the first {TEMPLATE_ROWS:,} rows. Values pasted "
        "from elsewhere can get past them, but every file is checked again on arrival.",
        f"3. The {MEASURES_SHEET} sheet lists every measure: its code, what it counts and "
        f"its unit; quantities are in the measure's unit. The {PLACES_SHEET} sheet lists "
        "every district's code and name.",
        f"4. Save the file as an Excel Workbook (.xlsx) and put it in your organisation's "
        f"folder of the drop bucket, {INCOMING}/<your folder>/{below}. <your folder> is "
        "your organisation's short name in lower-case letters, digits and hyphens, such as "
        "leeds-city-council; your administrator gives you access to it.",
        f"5. The file is checked at the pipeline's next run. If every row is right, it is "
        f"loaded and moved to {ARCHIVE}/<your folder>/. If any row has a problem, nothing "
        f"from the file is loaded: it is moved whole to {REJECTED}/<your folder>/ with a "
        f"report, {report}, that gives each problem's cell, the value found and what to "
        "do. Fix every problem and send the whole file again.",
        f"6. A later file with the same {identity} replaces the earlier one whole: to "
        "correct a row, send all the rows of that return again.",
        "What each column means (in bold: required on every row)",
    ]


def _fill_instructions_sheet(sheet: Worksheet, field_table: FieldTable) -> None:
    """The paragraphs as short lines that spill across the empty cells beside them (no
    wrapping to set up), then one row per column of the return."""
    title, *paragraphs, table_title = instructions(field_table)
    sheet.append([title])
    sheet["A1"].font = Font(bold=True, size=14)
    for paragraph in paragraphs:
        sheet.append([])
        for line in textwrap.wrap(paragraph, _INSTRUCTION_LINE_CHARS):
            sheet.append([line])
    sheet.append([])
    sheet.append([table_title])
    sheet.cell(sheet.max_row, 1).font = Font(bold=True)
    sheet.append(["column", "required", "what to fill in"])
    for cell in sheet[sheet.max_row]:
        cell.font = Font(bold=True)
    for field in field_table.fields:
        hint = field.hint[0].upper() + field.hint[1:] + "."
        sheet.append([field.name, "yes" if field.required else "no", hint])
        sheet.cell(sheet.max_row, 1).font = Font(bold=field.required)
        sheet.cell(sheet.max_row, 3).alignment = Alignment(wrap_text=True, vertical="top")
    for letter, width in zip("ABC", (24, 10, 90), strict=True):
        sheet.column_dimensions[letter].width = width
