"""Money in the marts: exact decimals, the line-by-financial-year fact, archive paths.

One ``dbt build`` per engine over three hand-chosen lines of one loaded file:

- 1-2: 10 volunteering hours (NT24, 16.50 an hour: 165.00) over 2024-03-01..2024-04-30,
  61 days of which 31 fall in 2023-24 and 30 in 2024-25;
- 1-3 and 1-4: 0.10 and 0.20 of local spend (NT14, 1.00 a pound) in 2024-25, whose sum
  as doubles is 0.30000000000000004.

Every figure below is worked out by hand and compared as an exact ``Decimal``, the
same on DuckDB and PostgreSQL, and so are the column types BI tools see.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from tests.dbt_builds import BuiltWarehouse, RawRows, build, return_line, rows, submission_row

pytestmark = pytest.mark.slow

LEEDS = "E08000035"
ARCHIVED = "archive/north-cc/2024-q4.csv"
SPRING = (date(2024, 3, 1), date(2024, 4, 30))  # 61 days: 31 in 2023-24, 30 in 2024-25
Q1 = (date(2024, 4, 1), date(2024, 6, 30))

# Unrounded amounts (quantities, proxies, factors, line values): decimal(38, 10).
UNROUNDED = {
    "contract_progress": {"committed_quantity", "delivered_quantity"},
    "dim_measure": {"proxy_value_gbp"},
    "fct_commitments": {
        "contract_value_gbp",
        "committed_quantity",
        "proxy_value_gbp",
        "committed_value_gbp",
    },
    "fct_social_value": {
        "crosswalk_factor",
        "quantity",
        "valued_quantity",
        "proxy_value_gbp",
        "social_value_gbp",
    },
    "fct_social_value_by_financial_year": {
        "financial_year_share",
        "apportioned_quantity",
        "apportioned_valued_quantity",
        "apportioned_social_value_gbp",
    },
}


@pytest.fixture(scope="module", params=["duckdb", "postgres"])
def warehouse(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> BuiltWarehouse:
    ledger = submission_row(1, "north-cc", "north-cc/2024-q4.csv", "2024-07-01 09:00", "loaded", 3)
    ledger[11] = ARCHIVED  # final_location: where ingestion moved the file
    lines = [
        return_line(1, 2, SPRING, "NT24", 10, LEEDS),
        return_line(1, 3, Q1, "NT14", 0.1, LEEDS),
        return_line(1, 4, Q1, "NT14", 0.2, LEEDS),
    ]
    return build(request, tmp_path_factory, RawRows([ledger], lines), database="svw_money_marts")


def test_a_line_across_31_march_is_split_by_days(warehouse: BuiltWarehouse) -> None:
    actual = rows(
        warehouse,
        """
        select line_id, financial_year, financial_year_start, financial_year_end,
               days_in_financial_year, days_in_period, financial_year_share,
               apportioned_quantity, apportioned_valued_quantity,
               apportioned_social_value_gbp, place_code, theme, sector
        from marts.fct_social_value_by_financial_year
        where line_id = '1-2'
        order by financial_year
        """,
    )
    assert actual == [
        # 31/61 = 0.50819672131..., 10 h x 31/61 = 5.0819672131..., 165 x 31/61 =
        # 83.852459016393..., each rounded at the tenth decimal place
        (
            "1-2",
            "2023-24",
            date(2023, 4, 1),
            date(2024, 3, 31),
            31,
            61,
            Decimal("0.5081967213"),
            Decimal("5.0819672131"),
            Decimal("5.0819672131"),
            Decimal("83.8524590164"),
            LEEDS,
            "Social",
            "private",
        ),
        # 30/61 = 0.49180327868..., 10 h x 30/61 = 4.9180327868852..., 165 x 30/61 =
        # 81.147540983606...
        (
            "1-2",
            "2024-25",
            date(2024, 4, 1),
            date(2025, 3, 31),
            30,
            61,
            Decimal("0.4918032787"),
            Decimal("4.9180327869"),
            Decimal("4.9180327869"),
            Decimal("81.1475409836"),
            LEEDS,
            "Social",
            "private",
        ),
    ]
    # the two parts add up to the whole line, to the last decimal
    assert rows(
        warehouse,
        """
        select sum(apportioned_quantity), sum(apportioned_social_value_gbp)
        from marts.fct_social_value_by_financial_year where line_id = '1-2'
        """,
    ) == [(Decimal("10"), Decimal("165"))]


def test_place_totals_are_the_lines_rounded_once(warehouse: BuiltWarehouse) -> None:
    assert rows(
        warehouse,
        """
        select financial_year, theme, social_value_gbp, line_count
        from marts.fct_place_totals order by financial_year, theme
        """,
    ) == [
        ("2023-24", "Social", Decimal("83.85"), 1),  # 83.8524590164
        ("2024-25", "Growth", Decimal("0.30"), 2),  # 0.1 + 0.2, exactly
        ("2024-25", "Social", Decimal("81.15"), 1),  # 81.1475409836
    ]
    rebuilt = rows(
        warehouse,
        """
        select financial_year, theme, round(sum(apportioned_social_value_gbp), 2)
        from marts.fct_social_value_by_financial_year
        group by financial_year, theme order by financial_year, theme
        """,
    )
    assert rebuilt == [
        ("2023-24", "Social", Decimal("83.85")),
        ("2024-25", "Growth", Decimal("0.30")),
        ("2024-25", "Social", Decimal("81.15")),
    ]


def test_sums_of_money_are_exact(warehouse: BuiltWarehouse) -> None:
    [(lines, totals)] = rows(
        warehouse,
        """
        select
            (select sum(social_value_gbp) from marts.fct_social_value),
            (select sum(social_value_gbp) from marts.fct_place_totals)
        """,
    )
    # 165 + 0.1 + 0.2, not 165.30000000000001
    assert lines == Decimal("165.3")
    assert str(totals) == "165.30"
    assert rows(
        warehouse,
        "select line_id, quantity, social_value_gbp from marts.fct_social_value "
        "where line_id in ('1-3', '1-4') order by line_id",
    ) == [("1-3", Decimal("0.1"), Decimal("0.1")), ("1-4", Decimal("0.2"), Decimal("0.2"))]


def test_lines_carry_their_files_archive_location(warehouse: BuiltWarehouse) -> None:
    assert rows(
        warehouse,
        "select distinct source_file, final_location from marts.fct_social_value",
    ) == [("north-cc/2024-q4.csv", ARCHIVED)]


def _money_types(warehouse: BuiltWarehouse) -> dict[tuple[str, str], tuple[int, int]]:
    """(mart, column) -> (precision, scale) of every decimal column of schema marts."""
    found = rows(
        warehouse,
        """
        select table_name, column_name, numeric_precision, numeric_scale
        from information_schema.columns
        where table_schema = 'marts'
          and (data_type like 'DECIMAL%' or data_type = 'numeric')
        """,
    )
    return {(table, column): (precision, scale) for table, column, precision, scale in found}


def test_every_pound_column_is_an_exact_decimal(warehouse: BuiltWarehouse) -> None:
    columns = rows(
        warehouse,
        "select table_name, column_name from information_schema.columns "
        "where table_schema = 'marts'",
    )
    expected = {}
    for table, column in columns:
        if column in UNROUNDED.get(table, ()):
            expected[(table, column)] = (38, 10)
        elif column.endswith("_gbp") or "_pct" in column:
            expected[(table, column)] = (18, 2)  # rounded to pence (or to 0.01%) once
    actual = _money_types(warehouse)
    assert {key: actual.get(key) for key in expected} == expected
    # sums of whole numbers aside (PostgreSQL's unconstrained numeric), no other decimals
    assert {key for key, (_, scale) in actual.items() if scale} == set(expected)
