"""Staging and the GX quality gate, against a real DuckDB file and a real PostgreSQL
database (the tests taking ``any_warehouse`` run on both).

Each rule is proven by one bad value at a known row: the gate must report exactly that
(row, column, value) with a message that says how to fix it. Infrastructure failures
must raise ValidatorError instead of rejecting the sender's file.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import numpy as np
import pyarrow as pa
import pytest
import sqlalchemy as sa

from configuration import DuckDBFile
from expectations.errors import MAX_REPORTED_ERRORS, ReturnError
from expectations.fields import ALL_FIELDS, REQUIRED_FIELDS
from expectations.gate import GateResult, ValidatorError, validate_batch, validate_staged
from expectations.return_lines import RULES, SUITE
from ingest.staging import (
    StagingError,
    clear_landing,
    drop_staged,
    landing_table,
    place_code_warnings,
    stage_batch,
    stage_lines,
)
from warehouse import Warehouse, open_warehouse

os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")

EDITION = "svw-illustrative-2026"
FIRST_ROW = 2  # spreadsheet row of the first line under the header

GOOD_LINE: dict[str, str | None] = {
    "organisation_id": "GB-COH-01234567",
    "organisation_name": "Northbridge Construction Ltd",
    "sector": "private",
    "period_start": "2025-04-01",
    "period_end": "2025-06-30",
    "measure_code": "NT1",
    "quantity": "3.5",
    "place_code": "E08000003",
}


def lines_table(lines: list[dict[str, str | None]], first_row: int = FIRST_ROW) -> pa.Table:
    """What the readers hand over: source_row plus one text column per field present."""
    present = [name for name in ALL_FIELDS if any(name in line for line in lines)]
    columns: dict[str, pa.Array] = {
        "source_row": pa.array(range(first_row, first_row + len(lines)), pa.int64())
    }
    for name in present:
        columns[name] = pa.array([line.get(name) for line in lines], pa.string())
    return pa.table(columns)


def good_lines(count: int, **bad_at_row: dict[str, str | None]) -> list[dict[str, str | None]]:
    lines = [dict(GOOD_LINE) for _ in range(count)]
    for row_key, changes in bad_at_row.items():
        lines[int(row_key.removeprefix("row")) - FIRST_ROW].update(changes)
    return lines


@pytest.fixture
def warehouse_path(tmp_path: Path, seeded_duckdb: Path) -> Path:
    path = tmp_path / "warehouse.duckdb"
    shutil.copy(seeded_duckdb, path)
    return path


@pytest.fixture
def engine(warehouse_path: Path) -> Iterator[Warehouse]:
    """A seeded DuckDB warehouse (tests of DuckDB's own locking and GX layer use it)."""
    with open_warehouse(DuckDBFile(warehouse_path)) as warehouse:
        yield warehouse


@pytest.fixture
def any_warehouse(seeded_warehouse: Warehouse) -> Warehouse:
    """A seeded warehouse on each engine in turn."""
    return seeded_warehouse


def check(engine: Warehouse, lines: list[dict[str, str | None]]) -> GateResult:
    return validate_staged(engine, stage_lines(engine, "file_1", lines_table(lines), EDITION))


def staged_rows(engine: Warehouse, table: str) -> list[dict[str, object]]:
    with engine.connect() as connection:
        result = connection.execute(sa.text(f"select * from {table} order by source_row"))
        return [dict(row) for row in result.mappings()]


# --- staging ---------------------------------------------------------------------------


def test_staging_reads_every_accepted_spelling(any_warehouse: Warehouse) -> None:
    lines = [
        {**GOOD_LINE, "sector": "Local Authority", "quantity": "£12,500.50", "unit": "People FTE"},
        {
            **GOOD_LINE,
            "sector": "Not-for-profit",
            "period_start": "1/4/2025",
            "period_end": "2025-06-30 00:00:00",
            "measure_code": " nt24 ",
            "quantity": "1 250",
            "place_code": "w06000015",
            "framework": "SVW-Illustrative-2026",
        },
        {**GOOD_LINE, "sector": "SME", "period_start": "01/04/2025", "quantity": "-£0.5"},
    ]
    table = stage_lines(any_warehouse, "file_7", lines_table(lines), EDITION)

    assert table == "landing.file_7"
    rows = staged_rows(any_warehouse, table)
    typed = [
        (
            row["source_row"],
            row["sector_value"],
            str(row["period_start_value"]),
            str(row["period_end_value"]),
            row["quantity_value"],
            row["framework_value"],
            row["measure_code_value"],
            row["place_code_value"],
            row["catalogue_unit"],
        )
        for row in rows
    ]
    assert typed == [
        (
            2,
            "public",
            "2025-04-01",
            "2025-06-30",
            12500.5,
            EDITION,
            "NT1",
            "E08000003",
            "people FTE",
        ),
        (3, "third", "2025-04-01", "2025-06-30", 1250.0, EDITION, "NT24", "W06000015", "hours"),
        (4, "private", "2025-04-01", "2025-06-30", -0.5, EDITION, "NT1", "E08000003", "people FTE"),
    ]
    # Raw text is kept as sent; optional fields absent from the file are NULL columns.
    assert rows[1]["measure_code"] == " nt24 "
    assert rows[0]["contract_ref"] is None and rows[0]["evidence"] is None
    assert set(ALL_FIELDS) <= set(rows[0])


def test_staging_leaves_unreadable_values_null(any_warehouse: Warehouse) -> None:
    lines = [
        {**GOOD_LINE, "sector": "alien", "period_start": "31/02/2025", "quantity": "1,5"},
        {**GOOD_LINE, "period_start": "01/04/25", "period_end": "2025-06-30 12:00:00"},
        {**GOOD_LINE, "quantity": "1e400", "measure_code": "NT99", "framework": "old"},
    ]
    rows = staged_rows(
        any_warehouse, stage_lines(any_warehouse, "file_8", lines_table(lines), EDITION)
    )

    assert [row["sector_value"] for row in rows] == [None, "private", "private"]
    assert [row["period_start_value"] for row in rows] == [None, None, date(2025, 4, 1)]
    # A time of day other than midnight keeps the date and is staged for its own rule.
    assert (rows[1]["period_end_value"], rows[1]["period_end_time"]) == (
        date(2025, 6, 30),
        "12:00:00",
    )
    assert [row["quantity_value"] for row in rows] == [None, 3.5, None]
    assert (rows[2]["framework_value"], rows[2]["measure_code_value"]) == ("old", None)


def test_staging_200k_rows_in_bulk(engine: Warehouse) -> None:
    count = 200_000
    rows = np.arange(FIRST_ROW, FIRST_ROW + count)
    columns: dict[str, pa.Array] = {"source_row": pa.array(rows, pa.int64())}
    for name, value in GOOD_LINE.items():
        columns[name] = pa.array(np.full(count, value, dtype=object), pa.string())
    columns["quantity"] = pa.array([f"£{n:,}.25" for n in range(count)], pa.string())

    table = stage_lines(engine, "file_big", pa.table(columns), EDITION)

    with engine.connect() as connection:
        summary = connection.execute(
            sa.text(
                f"select count(*), min(source_row), max(source_row), sum(quantity_value), "
                f"count(measure_code_value) from {table}"
            )
        ).one()
    assert tuple(summary) == (count, 2, 200_001, sum(range(count)) + 0.25 * count, count)
    result = validate_staged(engine, table)
    assert (result.total_errors, result.rows_checked) == (0, count)


def test_staging_table_names_must_be_identifiers() -> None:
    assert landing_table("file_123") == "landing.file_123"
    for bad in ("file-1", "File1", "1file", "x; drop table raw.submissions", ""):
        with pytest.raises(ValueError, match="identifier"):
            landing_table(bad)


def test_drop_staged_and_clear_landing(any_warehouse: Warehouse) -> None:
    stage_lines(any_warehouse, "file_1", lines_table([GOOD_LINE]), EDITION)
    stage_lines(any_warehouse, "file_2", lines_table([GOOD_LINE]), EDITION)

    def landing_tables() -> list[str]:
        with any_warehouse.connect() as connection:
            return sorted(
                connection.exec_driver_sql(
                    "select table_name from information_schema.tables "
                    "where table_schema = 'landing'"
                ).fetchall()
            )

    drop_staged(any_warehouse, "file_1")
    # staging keeps the catalogue in force beside the files (expectations.catalogue)
    assert landing_tables() == [("file_2",), ("known_measures",)]
    clear_landing(any_warehouse)
    assert landing_tables() == []


def test_staging_refuses_an_unknown_default_edition(engine: Warehouse) -> None:
    with pytest.raises(StagingError, match="default edition 'nope'"):
        stage_lines(engine, "file_1", lines_table([GOOD_LINE]), "nope")


# --- the gate: good files ---------------------------------------------------------------


def test_good_file_passes(any_warehouse: Warehouse) -> None:
    # Without the DuckDB compatibility layer every expectation fails on this file.
    lines = [
        GOOD_LINE,
        {
            **GOOD_LINE,
            "sector": "VCSE",
            "period_start": "01/04/2025",
            "period_end": "2025-06-30 00:00:00",
            "measure_code": "nt18",
            "quantity": "£12,500.00",
            "place_code": "s12000049",
            "unit": "gbp",
            "framework": EDITION,
            "contract_ref": "MCC-2024-113",
            "evidence": "Food bank volunteering",
        },
        {**GOOD_LINE, "quantity": "0", "period_end": "2025-04-01"},
    ]

    result = check(any_warehouse, lines)

    assert result.errors == []
    assert (result.total_errors, result.rows_checked, result.passed) == (0, 3, True)
    assert [summary.name for summary in result.expectations] == [rule.name for rule in RULES]
    assert all(summary.success for summary in result.expectations)


def test_old_and_unknown_place_codes_are_warnings_not_errors(any_warehouse: Warehouse) -> None:
    # Allerdale merged into Cumberland in April 2023; E06000999 was never a district.
    lines = good_lines(
        4,
        row3={"place_code": "E07000026"},
        row4={"place_code": "E06000999"},
        row5={"place_code": "e07000026"},
    )
    table = stage_lines(any_warehouse, "file_1", lines_table(lines), EDITION)
    assert validate_staged(any_warehouse, table).total_errors == 0
    assert place_code_warnings(any_warehouse, table) == {
        0: [
            "Place code E06000999 is not a UK district code: its totals are kept, without a "
            "place name or region.",
            "Place code E07000026 (Allerdale) is no longer in use: its value counts under "
            "E06000063 (Cumberland), the district that covers it today.",
        ]
    }


# --- the gate: one rule at a time --------------------------------------------------------

LONG_ID = "X" * 101

ONE_BAD_VALUE = [
    # (changes at row 3, column reported, value reported, phrases the message must contain)
    *[
        pytest.param(
            {name: None}, name, None, [f"{name} is missing", "fill in"], id=f"{name}-missing"
        )
        for name in REQUIRED_FIELDS
    ],
    pytest.param(
        {"organisation_id": LONG_ID},
        "organisation_id",
        LONG_ID,
        ["longer than 100", "org-id"],
        id="organisation_id-too-long",
    ),
    pytest.param(
        {"sector": "Martian"},
        "sector",
        "Martian",
        ["'Martian' is not recognised", "public, private or third"],
        id="sector",
    ),
    pytest.param(
        {"period_start": "2025-02-30"},
        "period_start",
        "2025-02-30",
        ["not a date", "yyyy-mm-dd", "dd/mm/yyyy"],
        id="period_start-no-such-day",
    ),
    pytest.param(
        {"period_start": "01/04/25"},
        "period_start",
        "01/04/25",
        ["not a date", "dd/mm/yyyy"],
        id="period_start-two-digit-year",
    ),
    pytest.param(
        {"period_end": "31/13/2025"},
        "period_end",
        "31/13/2025",
        ["not a date", "yyyy-mm-dd"],
        id="period_end-not-a-date",
    ),
    pytest.param(
        {"period_start": "2025-07-01", "period_end": "30/06/2025"},
        "period_end",
        "30/06/2025",
        ["before period_start '2025-07-01'", "not swapped"],
        id="period_end-before-start",
    ),
    pytest.param(
        {"quantity": "12 kg"},
        "quantity",
        "12 kg",
        ["not a number", "1,250.50"],
        id="quantity-text",
    ),
    pytest.param(
        {"quantity": "3,5"},
        "quantity",
        "3,5",
        ["not a number", "decimal comma"],
        id="quantity-decimal-comma",
    ),
    pytest.param(
        {"quantity": "1e400"},
        "quantity",
        "1e400",
        ["too large", "amount actually delivered"],
        id="quantity-not-finite",
    ),
    pytest.param(
        {"quantity": "-£4.50"},
        "quantity",
        "-£4.50",
        ["negative", "zero or more"],
        id="quantity-negative",
    ),
    pytest.param(
        {"measure_code": "NT99"},
        "measure_code",
        "NT99",
        [f"not in the {EDITION} edition", "Measures sheet of the xlsx return template"],
        id="measure_code-unknown",
    ),
    pytest.param(
        {"framework": "toms-2099"},
        "framework",
        "toms-2099",
        ["not an edition", f"Write one of: {EDITION}", "leave framework empty"],
        id="framework-unknown",
    ),
    pytest.param(
        {"unit": "hours"},
        "unit",
        "hours",
        ["does not match measure NT1", "'people FTE'", "leave unit empty"],
        id="unit-mismatch",
    ),
    pytest.param(
        {"place_code": "E10000002"},
        "place_code",
        "E10000002",
        ["not a local authority district", "followed by 6 digits"],
        id="place_code-county",
    ),
    pytest.param(
        {"place_code": "E0800003"},
        "place_code",
        "E0800003",
        ["E08000003 for Manchester"],
        id="place_code-too-short",
    ),
]


@pytest.mark.parametrize(("changes", "column", "value", "phrases"), ONE_BAD_VALUE)
def test_one_bad_value_is_reported_at_its_row_and_column(
    any_warehouse: Warehouse,
    changes: dict[str, str | None],
    column: str,
    value: str | None,
    phrases: list[str],
) -> None:
    result = check(any_warehouse, good_lines(4, row3=changes))

    assert [(e.row, e.column, e.value) for e in result.errors] == [(3, column, value)]
    for phrase in phrases:
        assert phrase in result.errors[0].message
    assert result.total_errors == 1
    assert result.rows_checked == 4
    failed = [s for s in result.expectations if not s.success]
    assert [(s.column, s.unexpected_count) for s in failed] == [(column, 1)]


def test_files_gated_as_one_batch_get_what_each_gets_alone(any_warehouse: Warehouse) -> None:
    """One validation over a good file, a file per bad value above (at row 3 of 4), and
    a file of 3,000 lines with 1,500 unknown codes: each file's result is its own."""
    cases = [case.values for case in ONE_BAD_VALUE]
    many = [dict(GOOD_LINE) for _ in range(3000)]
    for line in many[1::2]:
        line["measure_code"] = "NT0"
    files = [good_lines(3), *(good_lines(4, row3=changes) for changes, *_ in cases), many]
    table = stage_batch(any_warehouse, "batch_1", [lines_table(f) for f in files], EDITION)

    results = validate_batch(any_warehouse, table, SUITE, len(files))

    assert len(results) == len(files)
    assert (results[0].errors, results[0].total_errors, results[0].rows_checked) == ([], 0, 3)
    for result, (_changes, column, value, phrases) in zip(results[1:-1], cases, strict=True):
        assert [(e.row, e.column, e.value) for e in result.errors] == [(3, column, value)]
        for phrase in phrases:
            assert phrase in result.errors[0].message
        assert (result.total_errors, result.rows_checked) == (1, 4)
        failed = [s for s in result.expectations if not s.success]
        assert [(s.column, s.unexpected_count) for s in failed] == [(column, 1)]
    bad_rows = range(FIRST_ROW + 1, FIRST_ROW + 3000, 2)
    assert (results[-1].total_errors, results[-1].rows_checked) == (1500, 3000)
    assert [(e.row, e.column) for e in results[-1].errors] == [
        (row, "measure_code") for row in bad_rows[:MAX_REPORTED_ERRORS]
    ]


def test_full_message_for_an_unknown_measure(any_warehouse: Warehouse) -> None:
    result = check(any_warehouse, good_lines(3, row4={"measure_code": "nt77"}))

    assert result.errors == [
        ReturnError(
            row=4,
            column="measure_code",
            value="nt77",
            message=(
                "Measure code 'nt77' is not in the svw-illustrative-2026 edition of the measure "
                "catalogue. Use a code listed on the Measures sheet of the xlsx return "
                "template (e.g. NT1), or set framework to the edition the code comes from."
            ),
        )
    ]


@pytest.mark.parametrize(
    ("changes", "reported"),
    [
        pytest.param(
            {"quantity": None}, [("quantity", None)], id="missing-is-not-also-not-a-number"
        ),
        pytest.param({"sector": None}, [("sector", None)], id="missing-is-not-also-unrecognised"),
        pytest.param(
            {"framework": "old", "measure_code": "NT1", "unit": "parsecs"},
            [("framework", "old")],
            id="unknown-edition-hides-measure-and-unit",
        ),
        pytest.param(
            {"measure_code": "NT99", "unit": "hours"},
            [("measure_code", "NT99")],
            id="unknown-measure-hides-unit",
        ),
        pytest.param(
            {"period_start": "soon", "period_end": "2020-01-01"},
            [("period_start", "soon")],
            id="bad-date-hides-order",
        ),
        pytest.param(
            {"sector": "??", "quantity": "-1", "place_code": "x"},
            [("sector", "??"), ("quantity", "-1"), ("place_code", "x")],
            id="several-columns-in-field-order",
        ),
    ],
)
def test_each_mistake_is_reported_once(
    any_warehouse: Warehouse, changes: dict[str, str | None], reported: list[tuple[str, str | None]]
) -> None:
    result = check(any_warehouse, good_lines(3, row3=changes))

    assert [(e.row, e.column, e.value) for e in result.errors] == [
        (3, column, value) for column, value in reported
    ]
    assert result.total_errors == len(reported)


@pytest.mark.parametrize(
    ("changes", "column"),
    [
        pytest.param({"place_code": "E99"}, "place_code", id="column-expectation"),
        # SQL rules go past GX's own 200-row limit on UnexpectedRowsExpectation.
        pytest.param({"measure_code": "NT0"}, "measure_code", id="sql-expectation"),
    ],
)
def test_errors_are_capped_but_counted(
    any_warehouse: Warehouse, changes: dict[str, str], column: str
) -> None:
    lines = [dict(GOOD_LINE) for _ in range(3000)]
    for line in lines[1::2]:
        line.update(changes)

    result = check(any_warehouse, lines)

    bad_rows = list(range(FIRST_ROW + 1, FIRST_ROW + 3000, 2))
    assert len(bad_rows) == 1500
    assert result.total_errors == 1500
    assert len(result.errors) == MAX_REPORTED_ERRORS
    assert [(e.row, e.column) for e in result.errors] == [
        (row, column) for row in bad_rows[:MAX_REPORTED_ERRORS]
    ]


def test_list_is_sorted_by_row_then_column(any_warehouse: Warehouse) -> None:
    result = check(
        any_warehouse,
        good_lines(
            5,
            row5={"place_code": "E1", "sector": "x"},
            row3={"unit": "tonnes"},
            row4={"organisation_name": None},
        ),
    )

    assert [(e.row, e.column) for e in result.errors] == [
        (3, "unit"),
        (4, "organisation_name"),
        (5, "sector"),
        (5, "place_code"),
    ]


# --- infrastructure failures -------------------------------------------------------------


def test_missing_staged_table_is_a_validator_error(engine: Warehouse, warehouse_path: Path) -> None:
    table = stage_lines(engine, "file_1", lines_table([GOOD_LINE]), EDITION)
    drop_staged(engine, "file_1")

    with pytest.raises(ValidatorError, match="not a problem with the sender's file"):
        validate_staged(engine, table)

    # A failed run must not keep the file locked either.
    engine.dispose()
    probe = _run_python(f"import duckdb; duckdb.connect({str(warehouse_path)!r}).close()")
    assert probe.returncode == 0, probe.stderr


def test_expectation_exception_is_a_validator_error(engine: Warehouse) -> None:
    # A column the rules rely on is gone: GX records exception_info on those expectations
    # and carries on; the gate must not read that as "the file has errors".
    table = stage_lines(engine, "file_1", lines_table([GOOD_LINE]), EDITION)
    with engine.begin() as connection:
        connection.exec_driver_sql(
            f"alter table {table} rename column quantity_value to quantity_number"
        )

    with pytest.raises(ValidatorError, match="quantity_negative"):
        validate_staged(engine, table)


def _run_python(code: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "GX_ANALYTICS_ENABLED": "false"},
        cwd=Path(__file__).resolve().parent.parent,
    )


def test_without_the_compatibility_layer_gx_fails_as_infrastructure(
    engine: Warehouse, warehouse_path: Path
) -> None:
    table = stage_lines(engine, "file_1", lines_table([GOOD_LINE]), EDITION)
    engine.dispose()

    outcome = _run_python(
        f"""
        from expectations import duckdb_compat
        from expectations.gate import ValidatorError, validate_staged
        from pathlib import Path
        from configuration import DuckDBFile
        from warehouse import open_warehouse

        duckdb_compat.apply = lambda: None  # GX exactly as shipped
        try:
            with open_warehouse(DuckDBFile(Path({str(warehouse_path)!r}))) as warehouse:
                validate_staged(warehouse, {table!r})
        except ValidatorError as error:
            print("ValidatorError:", error)
        else:
            print("no error")
        """
    )

    assert outcome.returncode == 0, outcome.stderr
    assert "ValidatorError:" in outcome.stdout
    assert "list index out of range" in outcome.stdout


def test_the_file_lock_is_released_after_validation(
    engine: Warehouse, warehouse_path: Path
) -> None:
    open_read_write = f"import duckdb; duckdb.connect({str(warehouse_path)!r}).close()"
    table = stage_lines(engine, "file_1", lines_table([GOOD_LINE]), EDITION)

    with engine.connect():
        # Sanity check of the probe: while this process holds a connection, it must fail.
        assert _run_python(open_read_write).returncode != 0

    result = validate_staged(engine, table)
    engine.dispose()

    assert result.passed
    probe = _run_python(open_read_write)
    assert probe.returncode == 0, probe.stderr


def test_compat_layer_is_idempotent_and_pinned(monkeypatch: pytest.MonkeyPatch) -> None:
    import great_expectations
    from great_expectations.execution_engine import SqlAlchemyExecutionEngine

    from expectations import duckdb_compat

    duckdb_compat.apply()
    patched = SqlAlchemyExecutionEngine.execute_query
    duckdb_compat.apply()
    assert SqlAlchemyExecutionEngine.execute_query is patched

    monkeypatch.setattr(great_expectations, "__version__", "1.99.0")
    with pytest.raises(duckdb_compat.DuckDBCompatError, match="1.24.1"):
        duckdb_compat.apply()


# --- messages that say what the sender did, and suggestions -----------------------------


def test_dates_with_a_time_and_unformatted_excel_dates_are_named(any_warehouse: Warehouse) -> None:
    result = check(
        any_warehouse,
        good_lines(
            5,
            row2={"period_start": "2025-04-01 09:30:00"},
            row3={"period_end": "45838"},
            row4={"period_start": "01/04/2025 00:00", "period_end": "30/06/2025 00:00:00"},
            row5={"period_start": "2025-02-30 10:00"},
        ),
    )

    assert result.errors == [
        ReturnError(
            row=2,
            column="period_start",
            value="2025-04-01 09:30:00",
            message=(
                "period_start '2025-04-01 09:30:00' has a time of day (09:30:00) after the "
                "date. Write the date alone (2025-04-01); in Excel, format the column as a "
                "date without a time (Format Cells > Date)."
            ),
        ),
        ReturnError(
            row=3,
            column="period_end",
            value="45838",
            message=(
                "period_end '45838' is a number, not a date: it looks like an Excel date "
                "shown without its date format (45838 is Excel's number for 2025-06-30). In "
                "Excel, format the column as a date (Format Cells > Date), or write the date "
                "as 2025-06-30."
            ),
        ),
        # A day that does not exist is "not a date", whatever time follows it.
        ReturnError(
            row=5,
            column="period_start",
            value="2025-02-30 10:00",
            message=(
                "period_start '2025-02-30 10:00' is not a date. Write it as yyyy-mm-dd (e.g. "
                "2026-03-31) or dd/mm/yyyy (e.g. 31/03/2026), and check that the day exists "
                "in that month."
            ),
        ),
    ]
    assert result.total_errors == 3


def test_codes_and_place_names_get_a_suggestion(any_warehouse: Warehouse) -> None:
    result = check(
        any_warehouse,
        good_lines(
            6,
            row2={"measure_code": "nt 1"},
            row3={"place_code": "Leeds"},
            row4={"place_code": "newcastle-upon-tyne"},
            row5={"place_code": "Atlantis", "measure_code": "NT999"},
        ),
    )

    place_rule = (
        "Write the 9-character code of the district where the value was delivered: E06, "
        "E07, E08, E09, W06, S12 or N09 followed by 6 digits (e.g. E08000003 for Manchester)."
    )
    measure_rule = (
        "Use a code listed on the Measures sheet of the xlsx return template (e.g. NT1), or "
        "set framework to the edition the code comes from."
    )
    assert [(e.row, e.column, e.message) for e in result.errors] == [
        (
            2,
            "measure_code",
            "Measure code 'nt 1' is not in the svw-illustrative-2026 edition of the measure "
            f"catalogue. Did you mean NT1? {measure_rule}",
        ),
        (
            3,
            "place_code",
            "Place code 'Leeds' is not a local authority district GSS code. Leeds is "
            f"E08000035. {place_rule}",
        ),
        (
            4,
            "place_code",
            "Place code 'newcastle-upon-tyne' is not a local authority district GSS code. "
            f"Newcastle upon Tyne is E08000021. {place_rule}",
        ),
        (
            5,
            "measure_code",
            "Measure code 'NT999' is not in the svw-illustrative-2026 edition of the measure "
            f"catalogue. {measure_rule}",
        ),
        (
            5,
            "place_code",
            f"Place code 'Atlantis' is not a local authority district GSS code. {place_rule}",
        ),
    ]


def test_place_names_are_looked_up_in_the_warehouse_place_table(any_warehouse: Warehouse) -> None:
    # Whatever the place table holds: a district added to it is found by its name, and a
    # name two districts share suggests neither.
    with any_warehouse.begin() as connection:
        connection.exec_driver_sql(
            "insert into reference.places (place_code, place_name) values "
            "('E07000240', 'St Albans'), ('E06000099', 'Twin Town'), ('E06000098', 'Twin Town')"
        )
    result = check(
        any_warehouse,
        good_lines(3, row2={"place_code": "ST. ALBANS"}, row3={"place_code": "Twin Town"}),
    )

    not_a_district = "is not a local authority district GSS code. Write the 9-character"
    assert [(e.row, e.message.split(" code of the district")[0]) for e in result.errors] == [
        (
            2,
            "Place code 'ST. ALBANS' is not a local authority district GSS code. St Albans is "
            "E07000240. Write the 9-character",
        ),
        (3, f"Place code 'Twin Town' {not_a_district}"),
    ]


@pytest.mark.parametrize(
    ("measure_code", "unit"),
    [
        ("NT24", "hrs"),
        ("NT24", " Hours "),
        ("NT1", "People (FTE)"),
        ("NT1", "FTE"),
        ("NT18", "£"),
        ("NT31", "tonnes CO2e"),
        ("NT34", "tonne"),
        ("NT8", "wks"),
        ("NT33", "Miles"),
        ("NT43", "device"),
    ],
)
def test_unit_spellings_of_the_catalogue_unit_pass(
    engine: Warehouse, measure_code: str, unit: str
) -> None:
    result = check(engine, good_lines(2, row2={"measure_code": measure_code, "unit": unit}))
    assert result.errors == []


def test_a_unit_of_another_measure_is_reported_on_its_row_only(any_warehouse: Warehouse) -> None:
    result = check(
        any_warehouse,
        good_lines(
            4,
            row2={"measure_code": "NT24", "unit": "hrs"},
            row3={"measure_code": "NT1", "unit": "hrs"},
            row4={"measure_code": "NT1", "unit": "People (FTE)"},
        ),
    )

    assert result.errors == [
        ReturnError(
            row=3,
            column="unit",
            value="hrs",
            message=(
                "Unit 'hrs' does not match measure NT1, which is counted in 'people FTE'. "
                "Give the quantity in people FTE, or leave unit empty."
            ),
        )
    ]
