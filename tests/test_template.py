"""The xlsx return template prevents mistakes: drop-down lists drawn from the catalogue,
the places seed and the sectors, date and number checks that stop a wrong value, an
Instructions sheet; a template filled in from its lists passes the real gate, and a
value pasted past a list is rejected by the gate at its cell. The README's example
rejection report is the one the code writes."""

from __future__ import annotations

import csv
import datetime
import io
import re

import openpyxl
import pytest
from openpyxl.worksheet.datavalidation import DataValidation

from configuration import MEASURE_CATALOGUE_SEED, PLACES_SEED, PROJECT_ROOT
from expectations.fields import COMMITMENTS, DELIVERY, FieldTable
from ingest.pipeline import check_return
from ingest.reports import build_reports
from ingest.template import TEMPLATE_ROWS, xlsx_template
from warehouse import Warehouse

MB = 1024 * 1024
EDITION = "svw-illustrative-2026"
# Where each list, date and number column of the template is (hand-written from the
# documented field order), with the rows Excel checks: row 2 to row 10,001.
DELIVERY_COLUMNS = {"sector": "C", "period_start": "D", "period_end": "E", "measure_code": "F"}
DELIVERY_COLUMNS |= {"quantity": "G", "place_code": "H"}
COMMITMENT_COLUMNS = {"sector": "C", "contract_start": "E", "contract_end": "F"}
COMMITMENT_COLUMNS |= {"measure_code": "G", "committed_quantity": "H", "place_code": "I"}
COMMITMENT_COLUMNS |= {"contract_value_gbp": "K", "commitment_start": "M", "commitment_end": "N"}
LISTS = ("sector", "measure_code", "place_code")
DATES = {"period_start", "period_end", "contract_start", "contract_end"}
DATES |= {"commitment_start", "commitment_end"}
NUMBERS = {"quantity", "committed_quantity", "contract_value_gbp"}
KINDS = [(DELIVERY, DELIVERY_COLUMNS), (COMMITMENTS, COMMITMENT_COLUMNS)]


def _seed(path) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8") as seed:
        return list(csv.DictReader(seed))


def _template(field_table: FieldTable) -> openpyxl.Workbook:
    return openpyxl.load_workbook(io.BytesIO(xlsx_template(field_table)))


def _validation_of(workbook: openpyxl.Workbook, letter: str) -> DataValidation:
    found = [
        validation
        for validation in workbook["Return"].data_validations.dataValidation
        if str(validation.sqref) == f"{letter}2:{letter}10001"
    ]
    assert len(found) == 1, f"column {letter}: {len(found)} validations"
    return found[0]


def _list_values(workbook: openpyxl.Workbook, formula: str) -> list[str]:
    """The values a list validation offers: inline, or the cells of a range it names."""
    if formula.startswith('"'):
        return formula.strip('"').split(",")
    sheet, cells = formula.split("!")
    column = workbook[sheet.strip("'")][cells.replace("$", "")]
    return [row[0].value for row in column]


# --- what the template holds --------------------------------------------------------


@pytest.mark.parametrize(("field_table", "columns"), KINDS, ids=["delivery", "commitments"])
def test_drop_down_lists_stop_values_outside_the_sources(
    field_table: FieldTable, columns: dict[str, str]
) -> None:
    workbook = _template(field_table)
    expected = {
        "sector": ["public", "private", "third"],
        "measure_code": [row["measure_code"] for row in _seed(MEASURE_CATALOGUE_SEED)],
        "place_code": [row["place_code"] for row in _seed(PLACES_SEED)],
    }
    assert len(expected["measure_code"]) == 38 and len(expected["place_code"]) == 361
    for field in LISTS:
        validation = _validation_of(workbook, columns[field])
        assert validation.type == "list"
        assert (validation.errorStyle, validation.showErrorMessage) == ("stop", True)
        assert validation.showInputMessage and validation.prompt.startswith("Required. Fill in")
        assert _list_values(workbook, validation.formula1) == expected[field]
    # The long lists are ranges on their sheets: Excel caps an inline list at 255 characters.
    assert _validation_of(workbook, columns["measure_code"]).formula1 == "'Measures'!$B$4:$B$41"
    assert _validation_of(workbook, columns["place_code"]).formula1 == "'Places'!$A$2:$A$362"


@pytest.mark.parametrize(("field_table", "columns"), KINDS, ids=["delivery", "commitments"])
def test_date_and_number_columns_are_formatted_and_checked(
    field_table: FieldTable, columns: dict[str, str]
) -> None:
    workbook = _template(field_table)
    sheet = workbook["Return"]
    dates = {field: letter for field, letter in columns.items() if field in DATES}
    numbers = {field: letter for field, letter in columns.items() if field in NUMBERS}
    assert len(dates) == (2 if field_table is DELIVERY else 4)
    for field, letter in dates.items():
        assert sheet[f"{letter}1"].value == field
        assert sheet.column_dimensions[letter].number_format == "yyyy-mm-dd"
        validation = _validation_of(workbook, letter)
        assert (validation.type, validation.operator, validation.formula1) == (
            "date",
            "greaterThanOrEqual",
            "1",
        )
        assert (validation.errorStyle, validation.showErrorMessage) == ("stop", True)
        assert validation.error == "Type a date, for example 31/03/2026 or 2026-03-31."
    for field, letter in numbers.items():
        assert sheet[f"{letter}1"].value == field
        validation = _validation_of(workbook, letter)
        assert (validation.type, validation.operator, validation.formula1) == (
            "decimal",
            "greaterThanOrEqual",
            "0",
        )
        assert validation.errorStyle == "stop"
    assert sheet.column_dimensions["A"].number_format == "General"


def test_every_column_prompts_within_excels_limits() -> None:
    for field_table in (DELIVERY, COMMITMENTS):
        sheet = _template(field_table)["Return"]
        validations = sheet.data_validations.dataValidation
        assert [v.promptTitle for v in validations] == list(field_table.names)
        for validation in validations:
            # Excel refuses a workbook whose validation texts pass these lengths.
            assert len(validation.prompt) <= 255 and len(validation.error or "") <= 255
            assert len(validation.promptTitle) <= 32 and len(validation.errorTitle or "") <= 32
            # Free text (names, references, evidence) is prompted for, never refused.
            assert validation.showErrorMessage == (validation.type is not None)


def test_errors_say_what_to_do() -> None:
    workbook = _template(DELIVERY)
    assert _validation_of(workbook, "C").error == (
        "Choose the sector from the drop-down list: public, private, third."
    )
    assert _validation_of(workbook, "H").error == (
        "Choose a district code from the drop-down list. The Places sheet lists every "
        "district's code and name: find the name there, then pick its code."
    )


def test_places_sheet_is_the_seed() -> None:
    sheet = _template(DELIVERY)["Places"]
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0] == ("place_code", "place_name")
    assert rows[1:] == [(r["place_code"], r["place_name"]) for r in _seed(PLACES_SEED)]
    assert len(rows) - 1 == 361
    assert ("E08000035", "Leeds") in rows


def test_measures_sheet_gives_each_codes_unit() -> None:
    sheet = _template(DELIVERY)["Measures"]
    listed = {row[1]: row[5] for row in sheet.iter_rows(min_row=4, values_only=True)}
    assert listed["NT1"] == "people FTE"
    assert listed == {r["measure_code"]: r["unit"] for r in _seed(MEASURE_CATALOGUE_SEED)}


@pytest.mark.parametrize(
    ("field_table", "folder", "identity"),
    [
        (DELIVERY, "incoming/<your folder>/.", "organisation_id, contract_ref, period_start"),
        (COMMITMENTS, "incoming/<your folder>/commitments/.", "organisation_id and contract_ref"),
    ],
    ids=["delivery", "commitments"],
)
def test_instructions_sheet_in_plain_words(
    field_table: FieldTable, folder: str, identity: str
) -> None:
    workbook = _template(field_table)
    assert workbook.sheetnames == ["Return", "Instructions", "Measures", "Places"]
    rows = list(workbook["Instructions"].iter_rows(values_only=True))
    text = " ".join(str(cell) for row in rows for cell in row if cell)
    assert rows[0][0].startswith("How to fill in this")
    assert folder in text and identity in text
    assert "nothing from the file is loaded" in text
    assert "<your file name>.errors.xlsx" in text
    assert "Values pasted from elsewhere can get past them" in text
    assert "svw" not in text and "command" not in text
    table = rows[[row[0] for row in rows].index("column") + 1 :]
    assert [row[0] for row in table] == list(field_table.names)
    quantity = "quantity" if field_table is DELIVERY else "committed_quantity"
    assert dict((row[0], row[1]) for row in table)[quantity] == "yes"
    assert dict((row[0], row[2]) for row in table)["place_code"].startswith(
        "The 9-character GSS code of the local authority district"
    )


# --- filled in, through the gate ----------------------------------------------------


def _filled(field_table: FieldTable, rows: list[dict[str, object]]) -> bytes:
    """The template with ``rows`` typed in below its header, as a sender would."""
    workbook = _template(field_table)
    sheet = workbook["Return"]
    for row in rows:
        sheet.append([row.get(name) for name in field_table.names])
    saved = io.BytesIO()
    workbook.save(saved)
    return saved.getvalue()


def _check(warehouse: Warehouse, name: str, data: bytes, field_table: FieldTable = DELIVERY):
    return check_return(
        warehouse,
        name,
        data,
        staging_name="template_check",
        default_edition=EDITION,
        max_file_bytes=MB,
        field_table=field_table,
    )


def _delivery_row(**changes: object) -> dict[str, object]:
    row: dict[str, object] = {
        "organisation_id": "GB-COH-01234567",
        "organisation_name": "Northbridge Construction Ltd",
        "sector": "private",
        "period_start": datetime.date(2025, 4, 1),
        "period_end": datetime.date(2025, 6, 30),
        "measure_code": "NT1",
        "quantity": 3.5,
        "place_code": "E08000035",
    }
    return row | changes


def test_a_template_filled_from_its_lists_passes_the_gate(seeded_warehouse: Warehouse) -> None:
    delivery = _filled(
        DELIVERY,
        [
            _delivery_row(),
            _delivery_row(sector="third", measure_code="NT9", quantity=120, unit="hours"),
        ],
    )
    checked = _check(seeded_warehouse, "q1.xlsx", delivery)
    assert (checked.errors, checked.row_count) == ([], 2)
    assert (checked.where.sheet, checked.where.header_row) == ("Return", 1)

    commitment = {
        "organisation_id": "GB-COH-01234567",
        "organisation_name": "Northbridge Construction Ltd",
        "sector": "private",
        "contract_ref": "LCC-2025-7",
        "contract_start": datetime.date(2025, 4, 1),
        "contract_end": datetime.date(2027, 3, 31),
        "measure_code": "NT1",
        "committed_quantity": 12,
        "place_code": "E08000035",
        "contract_value_gbp": 2_500_000,
    }
    data = _filled(COMMITMENTS, [commitment])
    checked = _check(seeded_warehouse, "tender.xlsx", data, COMMITMENTS)
    assert (checked.errors, checked.row_count) == ([], 1)


# The README's example: a value pasted past each list of row 3.
README_EXAMPLE_ROWS = [
    _delivery_row(),
    _delivery_row(measure_code="NT 1", place_code="Leeds"),
]


def _readme_example(warehouse: Warehouse) -> tuple[list[tuple], list[tuple]]:
    """The summary and the error rows of the report on the README's example file, as
    the sender reads them in its .errors.xlsx."""
    data = _filled(DELIVERY, README_EXAMPLE_ROWS)
    checked = _check(warehouse, "2025-26-q1.xlsx", data)
    header_columns = checked.parsed.header_columns if checked.parsed else None
    _, human = build_reports(
        "incoming/leeds-city-council/2025-26-q1.xlsx",
        checked.errors,
        checked.total_errors,
        header_columns,
        checked.where,
    )
    rows = list(openpyxl.load_workbook(io.BytesIO(human))["Errors"].iter_rows(values_only=True))
    blank = rows.index((None,) * 6)
    summary = [row[:2] for row in rows[:blank]]
    return summary, [row for row in rows[blank + 2 :]]


def test_a_value_pasted_past_a_list_is_rejected_at_its_cell(seeded_warehouse: Warehouse) -> None:
    summary, errors = _readme_example(seeded_warehouse)
    assert ("Sheet read", "Return") in summary and ("Errors", 2) in summary
    assert [(cell, row, column, value) for cell, row, column, _, value, _ in errors] == [
        ("F3", 3, "measure_code", "NT 1"),
        ("H3", 3, "place_code", "Leeds"),
    ]
    assert "Did you mean NT1?" in errors[0][5]
    assert "Leeds is E08000035" in errors[1][5]


def _readme_section(heading: str) -> str:
    readme = (PROJECT_ROOT / "README.md").read_text(encoding="utf-8")
    return readme.split(f"\n## {heading}\n", 1)[1].split("\n## ", 1)[0]


def test_the_readme_shows_the_report_the_code_writes(seeded_warehouse: Warehouse) -> None:
    summary, errors = _readme_example(seeded_warehouse)
    section = _readme_section("For institutions")
    table = section.split("| cell | value | what to do |", 1)[1].split("\n\n", 1)[0]
    shown = [
        tuple(cell.strip().strip("`") for cell in line.strip("|").split(" | "))
        for line in table.strip().splitlines()[1:]
    ]
    assert shown == [(cell, value, what) for cell, _, _, _, value, what in errors]
    for label, value in summary:
        if label in ("Sheet read", "Header row", "Errors", "Result"):
            assert re.search(rf"\*\*{label}\*\*: {re.escape(str(value))}", section), label


def test_the_format_guide_describes_the_template() -> None:
    guide = (PROJECT_ROOT / "docs" / "return-format.md").read_text(encoding="utf-8")
    assert f"On\n  the first {TEMPLATE_ROWS:,} rows" in guide
    for sheet in _template(DELIVERY).sheetnames:
        assert f"**{sheet}**" in guide


def test_the_commitment_template_is_reproducible() -> None:
    assert xlsx_template(COMMITMENTS) == xlsx_template(COMMITMENTS)
    assert xlsx_template(COMMITMENTS) != xlsx_template(DELIVERY)
