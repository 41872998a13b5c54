"""Supersession made visible in the marts, on figures worked out by hand, on both engines.

One ``dbt build`` per engine over five files of submitter north-cc, all for Northbridge
(GB-COH-01):

- q1.csv (run-1): 3 lines of contract C1, 2025-04-01 to 2025-06-30;
- q1-v2.csv (run-2): 2 lines of the same return: it replaces q1.csv's 3 lines;
- q2.csv (run-2): 1 line of C1 for 2025-07-01 to 2025-09-30, another return: replaces nothing;
- jobs.csv (run-4): 2 lines of NT1 for contract C2, 2025-10-01 to 2025-12-31;
- spend.csv (run-5): 1 line of NT14 for the same contract and period: the split return,
  whose second half replaces the first whole (2 lines of jobs.csv no longer count);
- commitments/c-3.csv (run-10): 2 commitments on contract C3, re-baselined by
  commitments/c-3-v2.csv (run-11) with 1: the 2 earlier commitments no longer count.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from ingest.reports import REPLACED_MEANS, build_load_report
from serving.supersessions import RunLines, replacing_files, run_lines
from tests.dbt_builds import EDITION, BuiltWarehouse, RawRows, build, location, rows
from tests.test_reports import opened, values
from warehouse import open_warehouse

pytestmark = pytest.mark.slow

Q1 = (date(2025, 4, 1), date(2025, 6, 30))
Q2 = (date(2025, 7, 1), date(2025, 9, 30))
Q3 = (date(2025, 10, 1), date(2025, 12, 31))
LEEDS = "E08000035"


def line(sid: int, row: int, period: tuple[date, date], contract: str, code: str, qty: float
         ) -> list[Any]:  # fmt: skip
    """A Northbridge line of submitter north-cc, in RETURN_LINE_COLUMNS order."""
    return [sid, row, "north-cc", "GB-COH-01", "Northbridge Ltd", "private", *period, code,
            EDITION, qty, None, LEEDS, contract, None]  # fmt: skip


def commitment(sid: int, row: int, code: str, qty: float) -> list[Any]:
    """A Northbridge commitment on contract C3, in COMMITMENT_LINE_COLUMNS order."""
    return [sid, row, "north-cc", "GB-COH-01", "Northbridge Ltd", "private", "C3",
            date(2025, 4, 1), date(2026, 3, 31), code, qty, LEEDS, "Contract C3", 100000,
            EDITION, None, None, None]  # fmt: skip


def ledger_row(sid: int, name: str, received: str, lines: int, run: str) -> list[Any]:
    """A loaded file's ledger row, in SUBMISSION_COLUMNS order."""
    from datetime import datetime

    at = datetime.fromisoformat(received)
    path = f"incoming/north-cc/{name}"
    return [sid, "north-cc", path, f"sha-{sid}", 1000, "csv", at, at, "loaded", lines, 0,
            f"archive/north-cc/{name}", None, None, run, "[]"]  # fmt: skip


RAW = RawRows(
    submissions=[
        ledger_row(1, "q1.csv", "2025-07-10 09:00", 3, "run-1"),
        ledger_row(2, "q1-v2.csv", "2025-07-20 09:00", 2, "run-2"),
        ledger_row(3, "q2.csv", "2025-10-10 09:00", 1, "run-2"),
        ledger_row(4, "jobs.csv", "2026-01-10 09:00", 2, "run-4"),
        ledger_row(5, "spend.csv", "2026-01-10 10:00", 1, "run-5"),
        ledger_row(10, "commitments/c-3.csv", "2025-03-01 09:00", 2, "run-10"),
        ledger_row(11, "commitments/c-3-v2.csv", "2025-09-01 09:00", 1, "run-11"),
    ],
    return_lines=[
        line(1, 2, Q1, "C1", "NT24", 100),
        line(1, 3, Q1, "C1", "NT10", 12),
        line(1, 4, Q1, "C1", "NT14", 5000),
        line(2, 2, Q1, "C1", "NT24", 120),
        line(2, 3, Q1, "C1", "NT10", 12),
        line(3, 2, Q2, "C1", "NT24", 80),
        line(4, 2, Q3, "C2", "NT1", 1),
        line(4, 3, Q3, "C2", "NT1", 2),
        line(5, 2, Q3, "C2", "NT14", 9000),
    ],
    commitment_lines=[
        commitment(10, 2, "NT1", 2),
        commitment(10, 3, "NT24", 400),
        commitment(11, 2, "NT1", 1),
    ],
)

Q1_NOTICE = (
    "file incoming/north-cc/q1-v2.csv replaces return (GB-COH-01, C1, 2025-04-01 to "
    "2025-06-30) from file incoming/north-cc/q1.csv: 3 earlier lines no longer count"
)
SPLIT_NOTICE = (
    "file incoming/north-cc/spend.csv replaces return (GB-COH-01, C2, 2025-10-01 to "
    "2025-12-31) from file incoming/north-cc/jobs.csv: 2 earlier lines no longer count"
)
CONTRACT_NOTICE = (
    "file incoming/north-cc/commitments/c-3-v2.csv replaces commitment return (GB-COH-01, "
    "C3) from file incoming/north-cc/commitments/c-3.csv: 2 earlier lines no longer count"
)


@pytest.fixture(scope="module", params=["duckdb", "postgres"])
def warehouse(request: pytest.FixtureRequest, tmp_path_factory) -> BuiltWarehouse:
    return build(request, tmp_path_factory, RAW, database="svw_supersession_marts")


def test_fct_supersessions_has_one_row_per_replaced_file_and_return(
    warehouse: BuiltWarehouse,
) -> None:
    assert rows(
        warehouse,
        """
        select file_kind, superseded_submission_id, superseded_file, superseding_submission_id,
               superseding_file, superseding_run_id, organisation_id, contract_ref,
               period_start, period_end, superseded_line_count, notice
        from marts.fct_supersessions
        order by superseded_submission_id
        """,
    ) == [
        ("return", 1, "incoming/north-cc/q1.csv", 2, "incoming/north-cc/q1-v2.csv", "run-2",
         "GB-COH-01", "C1", *Q1, 3, Q1_NOTICE),
        ("return", 4, "incoming/north-cc/jobs.csv", 5, "incoming/north-cc/spend.csv", "run-5",
         "GB-COH-01", "C2", *Q3, 2, SPLIT_NOTICE),
        ("commitments", 10, "incoming/north-cc/commitments/c-3.csv", 11,
         "incoming/north-cc/commitments/c-3-v2.csv", "run-11", "GB-COH-01", "C3", None, None,
         2, CONTRACT_NOTICE),
    ]  # fmt: skip


def test_fct_submissions_says_which_file_superseded_which(warehouse: BuiltWarehouse) -> None:
    assert rows(
        warehouse,
        """
        select submission_id, line_count, current_line_count, superseded_line_count,
               superseded_by_submission_id, superseded_by_paths, replaced_line_count
        from marts.fct_submissions
        order by submission_id
        """,
    ) == [
        (1, 3, 0, 3, 2, "incoming/north-cc/q1-v2.csv", 0),
        (2, 2, 2, 0, None, None, 3),
        (3, 1, 1, 0, None, None, 0),  # another period: supersedes nothing
        (4, 2, 0, 2, 5, "incoming/north-cc/spend.csv", 0),
        (5, 1, 1, 0, None, None, 2),
        (10, 2, 0, 2, 11, "incoming/north-cc/commitments/c-3-v2.csv", 0),
        (11, 1, 1, 0, None, None, 2),
    ]


def test_the_run_reads_back_what_its_files_replaced(warehouse: BuiltWarehouse) -> None:
    with open_warehouse(location(warehouse)) as built, built.connect() as connection:
        second = replacing_files(connection, "run-2")
        assert run_lines(connection, "run-2") == RunLines(loaded=3, counting=3)
        assert run_lines(connection, "run-1") == RunLines(loaded=3, counting=0)
        assert replacing_files(connection, "run-1") == []
        assert replacing_files(connection, "run-4") == []
        split = replacing_files(connection, "run-5")
    assert [(f.original_path, f.final_location, f.line_count, f.current_line_count,
             f.replaced_line_count, f.notices) for f in second] == [
        ("incoming/north-cc/q1-v2.csv", "archive/north-cc/q1-v2.csv", 2, 2, 3, [Q1_NOTICE])
    ]  # fmt: skip
    assert [(f.original_path, f.notices) for f in split] == [
        ("incoming/north-cc/spend.csv", [SPLIT_NOTICE])
    ]
    assert str(RunLines(loaded=5, counting=2)) == "2 of the 5 loaded"
    with open_warehouse(location(warehouse)) as built, built.connect() as connection:
        (contract,) = replacing_files(connection, "run-11")
    assert contract.notices == [CONTRACT_NOTICE]


def test_the_senders_report_of_the_split_return(warehouse: BuiltWarehouse) -> None:
    with open_warehouse(location(warehouse)) as built, built.connect() as connection:
        (spend,) = replacing_files(connection, "run-5")
    report = build_load_report(
        spend.original_path, spend.line_count, spend.current_line_count, spend.notices
    )
    sheet = opened(report)
    assert sheet.title == "Report"
    assert values(sheet) == [
        ("File", "incoming/north-cc/spend.csv"),
        ("Result", "Loaded: 1 line."),
        ("Lines that count", 1),
        ("What this means", REPLACED_MEANS),
        (None, None),
        ("Replaced", None),
        (None, SPLIT_NOTICE),
    ]
