"""Blank return templates (CSV and XLSX), of either kind of return (delivery or
commitments), that read back through ``read_return`` as is."""

from __future__ import annotations

import csv
import datetime
import io
import zipfile
from pathlib import Path

from openpyxl import Workbook
from openpyxl.comments import Comment
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet
from openpyxl.writer.excel import ExcelWriter

from configuration import MEASURE_CATALOGUE_SEED
from expectations.fields import DELIVERY, Field, FieldTable, Typing
from expectations.vocabulary import MEASURES_SHEET, RETURN_SHEET

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
ILLUSTRATIVE_NOTE = (
    "ILLUSTRATIVE VALUES: the proxy values below were invented for the Social Value "
    "Warehouse demo catalogue. They are NOT official National TOMs values and must not be "
    "quoted as such. Use the licensed edition your organisation holds for real reporting."
)
# Zip entries carry a timestamp; a fixed one makes the same workbook the same bytes.
_FIXED_ZIP_TIME = (2026, 1, 1, 0, 0, 0)
_FIXED_DOC_TIME = datetime.datetime(2026, 1, 1)


def csv_template(field_table: FieldTable = DELIVERY) -> bytes:
    """The header row alone, canonical names in documented order, as Excel-friendly UTF-8."""
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\r\n").writerow(field_table.names)
    # The BOM makes Excel open the file as UTF-8, so a typed £ survives a save.
    return buffer.getvalue().encode("utf-8-sig")


def xlsx_template(field_table: FieldTable = DELIVERY) -> bytes:
    """A workbook with an empty "Return" sheet and the measure list on "Measures"."""
    workbook = Workbook()
    _fill_return_sheet(workbook.active, field_table)
    _fill_measures_sheet(workbook.create_sheet(MEASURES_SHEET), MEASURE_CATALOGUE_SEED)
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


def _fill_return_sheet(sheet: Worksheet, field_table: FieldTable) -> None:
    sheet.title = RETURN_SHEET
    sheet.append(list(field_table.names))
    for position, field in enumerate(field_table.fields, start=1):
        cell = sheet.cell(row=1, column=position)
        cell.font = Font(bold=field.required)
        cell.comment = Comment(_header_comment(field), "Social Value Warehouse")
        letter = get_column_letter(position)
        sheet.column_dimensions[letter].width = max(14, len(field.name) + 4)
        if field.typing is Typing.DATE:
            # Dates typed into these columns stay date cells, which read back as ISO dates.
            sheet.column_dimensions[letter].number_format = "yyyy-mm-dd"
    sheet.freeze_panes = "A2"

    sector_column = get_column_letter(field_table.names.index("sector") + 1)
    # A warning, not a stop: synonyms such as "VCSE" or "charity" are accepted too.
    sectors = DataValidation(
        type="list", formula1='"public,private,third"', allow_blank=True, errorStyle="warning"
    )
    sectors.add(f"{sector_column}2:{sector_column}5000")
    sheet.add_data_validation(sectors)


def _header_comment(field: Field) -> str:
    required = "Required" if field.required else "Optional"
    return f"{required}. Fill in {field.hint}."


def _fill_measures_sheet(sheet: Worksheet, catalogue_path: Path) -> None:
    sheet.append([ILLUSTRATIVE_NOTE])
    sheet["A1"].font = Font(bold=True, color="C00000")
    sheet.append([])
    sheet.append(list(MEASURE_COLUMNS))
    for cell in sheet[3]:
        cell.font = Font(bold=True)
    with catalogue_path.open(newline="", encoding="utf-8") as seed:
        for entry in csv.DictReader(seed):
            sheet.append([_measure_cell(column, entry[column]) for column in MEASURE_COLUMNS])
    for letter, width in zip("ABCDEFGH", (22, 14, 14, 40, 70, 14, 16, 14), strict=True):
        sheet.column_dimensions[letter].width = width
    sheet.freeze_panes = "A4"


def _measure_cell(column: str, text: str) -> object:
    if column == "proxy_value_gbp":
        return float(text) if text else None
    if column == "is_illustrative":
        return text.strip().lower() == "true"
    return text
