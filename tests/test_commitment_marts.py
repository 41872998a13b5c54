"""Commitments against delivery in the marts, on figures worked out by hand.

One ``dbt build`` per engine, as of 2025-03-31 (the ``as_of_date`` var), over:

- C-1, Northbridge (private, Manchester), 2024-04-01 to 2026-03-31 (730 days), worth
  £1,000,000, committing 4 FTE of NT1 (21,500 each: £86,000), 400 hours of NT24
  (16.50: £6,600) and 200 hours of NT28 (21.00: £4,200): £96,800. Delivered quarterly
  in 2024-25: NT1 1 + 1 + 1.5 + 1.5 = 5 FTE (over-delivered, £107,500), NT24
  30 + 40 + 50 = 120 hours (under, £1,980), NT28 nothing (not started); 100 more
  hours of NT24 in 2025-26 Q1 start after the as-of date and are not "to date".
- C-2, Eastgate (third, Leeds), 2024-04-01 to 2025-03-31, first committing 1,000 hours
  of NT24 and 1 FTE of NT1 worth £500,000, then re-baselined by a later file: 600 hours
  of NT24 (£9,900) over its own period 2024-10-01 to 2025-03-31, worth £400,000.
  Delivered: 100 hours of NT24 in 2024-25 Q3 (£1,650).
- C-3, Southfield (private, Manchester): £5,000 of NT14 delivered, never committed.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal as D  # exact, as the marts' pounds and percentages
from typing import Any

import pytest

from serving.commitment_headline import commitment_headline
from tests.dbt_builds import (
    EDITION,
    BuiltWarehouse,
    RawRows,
    build,
    location,
    rows,
    submission_row,
)
from warehouse import open_warehouse

pytestmark = pytest.mark.slow

MANCHESTER, LEEDS = "E08000003", "E08000035"
NORTHBRIDGE = ("GB-COH-01", "Northbridge Ltd", "private")
EASTGATE = ("GB-CHC-02", "Eastgate Trust", "third")
SOUTHFIELD = ("GB-COH-03", "Southfield Ltd", "private")
QUARTERS = {
    "Q1": (date(2024, 4, 1), date(2024, 6, 30)),
    "Q2": (date(2024, 7, 1), date(2024, 9, 30)),
    "Q3": (date(2024, 10, 1), date(2024, 12, 31)),
    "Q4": (date(2025, 1, 1), date(2025, 3, 31)),
    "Q1 2025-26": (date(2025, 4, 1), date(2025, 6, 30)),
}
TWO_YEARS = (date(2024, 4, 1), date(2026, 3, 31))
ONE_YEAR = (date(2024, 4, 1), date(2025, 3, 31))


def delivered(sid: int, row: int, supplier: tuple, contract: str, quarter: str, code: str,
              qty: float, place: str) -> list[Any]:  # fmt: skip
    """A delivery line of submitter north-cc, in RETURN_LINE_COLUMNS order."""
    return [sid, row, "north-cc", *supplier, *QUARTERS[quarter], code, EDITION, qty, None,
            place, contract, None]  # fmt: skip


def committed(sid: int, row: int, supplier: tuple, contract: str, dates: tuple, code: str,
              qty: float, place: str, value: float, own_period: tuple = (None, None)
              ) -> list[Any]:  # fmt: skip
    """A commitment line of submitter north-cc, in COMMITMENT_LINE_COLUMNS order."""
    return [sid, row, "north-cc", *supplier, contract, *dates, code, qty, place,
            f"Contract {contract}", value, EDITION, *own_period, None]  # fmt: skip


RAW = RawRows(
    submissions=[
        submission_row(1, "north-cc", "north-cc/q1.csv", "2024-07-10 09:00", "loaded", 2),
        submission_row(2, "north-cc", "north-cc/q2.csv", "2024-10-10 09:00", "loaded", 2),
        submission_row(3, "north-cc", "north-cc/q3.csv", "2025-01-10 09:00", "loaded", 3),
        submission_row(4, "north-cc", "north-cc/q4.csv", "2025-04-10 09:00", "loaded", 1),
        submission_row(5, "north-cc", "north-cc/2025-q1.csv", "2025-07-10 09:00", "loaded", 1),
        submission_row(
            10, "north-cc", "north-cc/commitments/c-1.csv", "2024-03-01 09:00", "loaded", 3
        ),  # fmt: skip
        submission_row(
            11, "north-cc", "north-cc/commitments/c-2.csv", "2024-03-02 09:00", "loaded", 2
        ),  # fmt: skip
        submission_row(
            12,
            "north-cc",
            "north-cc/commitments/c-2-rebaselined.csv",
            "2024-10-01 09:00",
            "loaded",
            1,
        ),  # fmt: skip
    ],
    return_lines=[
        delivered(1, 2, NORTHBRIDGE, "C-1", "Q1", "NT1", 1, MANCHESTER),
        delivered(1, 3, NORTHBRIDGE, "C-1", "Q1", "NT24", 30, MANCHESTER),
        delivered(1, 4, SOUTHFIELD, "C-3", "Q1", "NT14", 5_000, MANCHESTER),
        delivered(2, 2, NORTHBRIDGE, "C-1", "Q2", "NT1", 1, MANCHESTER),
        delivered(2, 3, NORTHBRIDGE, "C-1", "Q2", "NT24", 40, MANCHESTER),
        delivered(3, 2, NORTHBRIDGE, "C-1", "Q3", "NT1", 1.5, MANCHESTER),
        delivered(3, 3, NORTHBRIDGE, "C-1", "Q3", "NT24", 50, MANCHESTER),
        delivered(3, 4, EASTGATE, "C-2", "Q3", "NT24", 100, LEEDS),
        delivered(4, 2, NORTHBRIDGE, "C-1", "Q4", "NT1", 1.5, MANCHESTER),
        delivered(5, 2, NORTHBRIDGE, "C-1", "Q1 2025-26", "NT24", 100, MANCHESTER),
    ],
    commitment_lines=[
        committed(10, 2, NORTHBRIDGE, "C-1", TWO_YEARS, "NT1", 4, MANCHESTER, 1_000_000),
        committed(10, 3, NORTHBRIDGE, "C-1", TWO_YEARS, "NT24", 400, MANCHESTER, 1_000_000),
        committed(10, 4, NORTHBRIDGE, "C-1", TWO_YEARS, "NT28", 200, MANCHESTER, 1_000_000),
        committed(11, 2, EASTGATE, "C-2", ONE_YEAR, "NT24", 1_000, LEEDS, 500_000),
        committed(11, 3, EASTGATE, "C-2", ONE_YEAR, "NT1", 1, LEEDS, 500_000),
        committed(
            12,
            2,
            EASTGATE,
            "C-2",
            ONE_YEAR,
            "NT24",
            600,
            LEEDS,
            400_000,
            (date(2024, 10, 1), date(2025, 3, 31)),
        ),  # fmt: skip
    ],
)


@pytest.fixture(scope="module", params=["duckdb", "postgres"])
def warehouse(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> BuiltWarehouse:
    return build(
        request,
        tmp_path_factory,
        RAW,
        database="svw_commitment_marts",
        dbt_vars="{as_of_date: '2025-03-31'}",
    )


def test_fct_commitments_holds_the_current_baseline_valued(warehouse: BuiltWarehouse) -> None:
    assert rows(
        warehouse,
        "select line_id, contract_ref, measure_code, committed_quantity, committed_value_gbp, "
        "commitment_start, commitment_end, contract_value_gbp, source_file "
        "from marts.fct_commitments order by line_id",
    ) == [
        ("10-2", "C-1", "NT1", 4, 86_000, *TWO_YEARS, 1_000_000, "north-cc/commitments/c-1.csv"),
        ("10-3", "C-1", "NT24", 400, 6_600, *TWO_YEARS, 1_000_000,
         "north-cc/commitments/c-1.csv"),  # 400 x 16.50
        ("10-4", "C-1", "NT28", 200, 4_200, *TWO_YEARS, 1_000_000,
         "north-cc/commitments/c-1.csv"),  # 200 x 21.00
        # C-2's first baseline (file 11) is replaced whole, NT1 included
        ("12-2", "C-2", "NT24", 600, 9_900, date(2024, 10, 1), date(2025, 3, 31), 400_000,
         "north-cc/commitments/c-2-rebaselined.csv"),  # 600 x 16.50
    ]  # fmt: skip


def test_contract_progress_per_measure(warehouse: BuiltWarehouse) -> None:
    assert rows(
        warehouse,
        "select contract_ref, measure_code, committed_quantity, committed_value_gbp, "
        "delivered_quantity, delivered_value_gbp, delivered_pct, contract_value_gbp, "
        "is_committed, is_delivered, progress_status "
        "from marts.contract_progress order by contract_ref, measure_code",
    ) == [
        # 5 FTE x 21,500 = 107,500; 5 / 4 = 125%
        ("C-1", "NT1", 4, 86_000, 5, 107_500, 125, 1_000_000, True, True, "delivered"),
        # 120 h x 16.50 = 1,980; 120 / 400 = 30% (the 2025-26 hours are not to date)
        ("C-1", "NT24", 400, 6_600, 120, 1_980, 30, 1_000_000, True, True, "in progress"),
        ("C-1", "NT28", 200, 4_200, 0, 0, 0, 1_000_000, True, False, "not started"),
        # 100 / 600 = 16.666...% -> 16.67
        ("C-2", "NT24", 600, 9_900, 100, 1_650, D("16.67"), 400_000, True, True, "in progress"),
        ("C-3", "NT14", None, None, 5_000, 5_000, None, None, False, True, "no commitment"),
    ]  # fmt: skip


def test_contract_summary_against_value_and_a_straight_line(warehouse: BuiltWarehouse) -> None:
    assert rows(
        warehouse,
        "select contract_ref, contract_value_gbp, committed_value_gbp, delivered_value_gbp, "
        "committed_pct_of_contract_value, delivered_pct_of_contract_value, months_elapsed, "
        "expected_value_to_date_gbp, delivered_pct_of_expected, is_behind, is_committed "
        "from marts.contract_summary order by contract_ref",
    ) == [
        # committed 86,000 + 6,600 + 4,200 = 96,800 (9.68% of £1m); delivered
        # 107,500 + 1,980 = 109,480 (10.948% -> 10.95); 365 of 730 days elapsed:
        # expected 96,800 x 0.5 = 48,400; 109,480 / 48,400 = 226.198...% -> 226.20
        (
            "C-1",
            1_000_000,
            96_800,
            109_480,
            D("9.68"),
            D("10.95"),
            12,
            48_400,
            D("226.20"),
            False,
            True,
        ),
        # 9,900 / 400,000 = 2.475% -> 2.48 (half away from zero); 1,650 / 400,000 =
        # 0.4125% -> 0.41; the commitment's own period has ended: expected all 9,900;
        # 1,650 / 9,900 = 16.666...% -> 16.67, more than 25% behind
        ("C-2", 400_000, 9_900, 1_650, D("2.48"), D("0.41"), 12, 9_900, D("16.67"), True, True),
        ("C-3", None, None, 5_000, None, None, None, None, None, False, False),
    ]


def test_commitment_totals_by_place_year_theme_and_sector(warehouse: BuiltWarehouse) -> None:
    assert rows(
        warehouse,
        "select place_code, financial_year, theme, sector, committed_value_gbp, "
        "delivered_value_gbp from marts.commitment_totals "
        "order by place_code, financial_year, theme",
    ) == [
        # C-1's 730 days are half in each year: Jobs 86,000 / 2; Social (6,600 + 4,200) / 2
        (MANCHESTER, "2024-25", "Jobs", "private", 43_000, 107_500),
        (MANCHESTER, "2024-25", "Social", "private", 5_400, 1_980),
        (MANCHESTER, "2025-26", "Jobs", "private", 43_000, 0),
        # by year, not to date: the 100 hours of 2025-26 Q1 count in 2025-26
        (MANCHESTER, "2025-26", "Social", "private", 5_400, 1_650),
        # C-3 has no commitment, so its delivery is not here
        (LEEDS, "2024-25", "Social", "third", 9_900, 1_650),
    ]


def test_the_run_summary_headline(warehouse: BuiltWarehouse) -> None:
    with open_warehouse(location(warehouse)) as opened, opened.connect() as connection:
        headline = commitment_headline(connection)
    # C-1 and C-2: committed 96,800 + 9,900 = 106,700; delivered 109,480 + 1,650 =
    # 111,130 (C-3's £5,000 has no commitment); C-2 is behind
    assert str(headline) == (
        "2 contract(s) with commitments: £106,700.00 committed, £111,130.00 delivered "
        "against them; 1 more than 25% behind a straight-line expectation"
    )


def test_the_place_report_sets_committed_against_delivered(warehouse: BuiltWarehouse) -> None:
    from serving.report.charts import committed_against_delivered
    from serving.report.data import progress_by_theme
    from serving.report.svg_cache import SvgCache

    with open_warehouse(location(warehouse)) as opened, opened.connect() as connection:
        progress = progress_by_theme(connection, MANCHESTER)
    # Manchester over both years (see the totals above): Jobs 43,000 x 2 committed,
    # 107,500 delivered; Social 5,400 x 2 committed, 1,980 + 1,650 delivered
    assert [(p.theme, p.committed_gbp, p.delivered_gbp) for p in progress] == [
        ("Jobs", 86_000, 107_500),
        ("Social", 10_800, 3_630),
    ]
    figure = committed_against_delivered(progress).drawn(SvgCache())
    assert "Jobs: £86,000 committed, £107,500 delivered; Social: £10,800 committed" in (
        figure.alt_text
    )
    assert figure.svg.count('aria-roledescription="bar"') == 4  # two bars a theme
