"""End-to-end check of the dbt project on scratch DuckDB and PostgreSQL warehouses.

One ``dbt build`` (seeds, models, data tests and unit tests) runs per target against
raw tables filled with the same hand-chosen rows; the marts are then compared with
values worked out by hand below from the illustrative catalogue's proxies and written
as literals, the same expectations on both targets. The rows cover a superseded
return, a return with the same identity from another submitter, another contract, a
line whose period crosses 31 March, and a place code missing from places.csv. The
marts' names and columns are checked too, and the deprecated alias views
(``place_totals``, ``submissions``) against the tables they alias.

The raw tables are created on both engines by ingestion's own ``RAW_DDL``, so the
schema dbt is tested against cannot drift from the one ingestion writes. The
PostgreSQL target runs on the private server of the ``postgres_server`` fixture.
"""

from __future__ import annotations

import csv
from datetime import date
from decimal import Decimal
from typing import Any

import pytest

from tests.dbt_builds import (
    DBT_PROJECT_DIR,
    EDITION,
    BuiltWarehouse,
    RawRows,
    build,
    rows,
    submission_row,
)

pytestmark = pytest.mark.slow

# Proxies the expected values below were worked out with by hand; checked against the
# seed so a re-based catalogue fails here with a clear message, not as a wrong total.
PROXIES = {"NT1": 21500.00, "NT14": 1.00, "NT24": 16.50, "NT28": 21.00, "NT31": 230.00}


# (submission_id, submitter, original_path, received_at, status, line_count,
#  error_count, report_location, duplicate_of)
SUBMISSIONS = [
    (1, "leeds-cc", "leeds-cc/2023-24-q4.csv", "2024-04-10 09:00", "loaded", 3, 0, None, None),
    # resends return (GB-COH-01, C-100, Q4) with one measure: rows 1/2 and 1/3 go
    (2, "leeds-cc", "leeds-cc/2023-24-q4-fix.csv", "2024-05-01 09:00", "loaded", 1, 0, None, None),
    # same organisation, contract and period as file 1, but another submitter
    (3, "mcr-nhs", "mcr-nhs/returns.csv", "2024-05-02 09:00", "loaded", 3, 0, None, None),
    (4, None, "stray.csv", "2024-05-03 09:00", "rejected", 1, 1, "reports/stray.txt", None),
    (5, "leeds-cc", "leeds-cc/copy.csv", "2024-05-04 09:00", "duplicate", 1, 0, None, 2),
]

# (submission_id, source_row, submitter, organisation_id, organisation_name, sector,
#  period_start, period_end, measure_code, quantity, unit, place_code, contract_ref,
#  evidence)
Q4 = (date(2024, 1, 1), date(2024, 3, 31))
RETURN_LINES = [
    (
        1,
        2,
        "leeds-cc",
        "GB-COH-01",
        "Acme Build",
        "private",
        *Q4,
        "NT24",
        100,
        "hours",
        "E08000035",
        "C-100",
        None,
    ),
    (
        1,
        3,
        "leeds-cc",
        "GB-COH-01",
        "Acme Build",
        "private",
        *Q4,
        "NT14",
        5000,
        "GBP",
        "E08000035",
        "C-100",
        None,
    ),
    (
        1,
        4,
        "leeds-cc",
        "GB-COH-01",
        "Acme Build",
        "private",
        *Q4,
        "NT31",
        2,
        "tCO2e",
        "E08000035",
        "C-200",
        "Solar panels on the depot",
    ),
    (
        2,
        2,
        "leeds-cc",
        "GB-COH-01",
        "Acme Build",
        "private",
        *Q4,
        "NT24",
        120,
        "hrs",
        "E08000035",
        "C-100",
        "Staff volunteering, corrected",
    ),
    (
        3,
        2,
        "mcr-nhs",
        "GB-COH-01",
        "Acme Build",
        "private",
        *Q4,
        "NT1",
        0.5,
        None,
        "E08000003",
        "C-100",
        None,
    ),
    # 2024-03-01..2024-04-30: 31 days in 2023-24, 30 in 2024-25; E06000099 is not
    # in places.csv
    (
        3,
        3,
        "mcr-nhs",
        "GB-CHC-1234567",
        "Helping Hands",
        "third",
        date(2024, 3, 1),
        date(2024, 4, 30),
        "NT24",
        10,
        "hours",
        "E06000099",
        None,
        "Befriending visits",
    ),
    (
        3,
        4,
        "mcr-nhs",
        "GB-CHC-7654321",
        "Food Share",
        "third",
        date(2024, 4, 1),
        date(2024, 6, 30),
        "NT28",
        3,
        "hours",
        "E06000099",
        None,
        None,
    ),
]


def _submission_rows() -> list[list[Any]]:
    return [submission_row(*submission) for submission in SUBMISSIONS]


def _return_line_rows() -> list[list[Any]]:
    # raw.return_lines has the edition between measure_code and quantity
    return [[*row[:9], EDITION, *row[9:]] for row in RETURN_LINES]


@pytest.fixture(scope="module", params=["duckdb", "postgres"])
def warehouse(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> BuiltWarehouse:
    raw = RawRows(_submission_rows(), _return_line_rows())
    # The one build of seeds and unit tests on each engine (tests/dbt_builds.py).
    return build(request, tmp_path_factory, raw, database="svw_dbt_project", whole_project=True)


def test_expected_proxies_match_the_catalogue_seed() -> None:
    with open(DBT_PROJECT_DIR / "seeds" / "measure_catalogue.csv", newline="") as f:
        seed = {
            r["measure_code"]: float(r["proxy_value_gbp"])
            for r in csv.DictReader(f)
            if r["edition"] == EDITION
        }
    assert {code: seed[code] for code in PROXIES} == PROXIES


def test_fct_place_totals(warehouse: BuiltWarehouse) -> None:
    # Every total is worked out by hand from PROXIES (NT1 21500, NT24 16.50, NT28 21,
    # NT31 230) and written as a literal, so a wrong rule in the models cannot also
    # move the expectation. Last column, is_illustrative: every line here is priced
    # from the illustrative edition, so every total is flagged (the unit tests cover a
    # licensed one).
    expected = [
        # E06000099 is not in places.csv: no name or region, country from its code.
        # Helping Hands: 10 h x 16.50 = 165.00 over 61 days, 31 of them in 2023-24:
        # 165 x 31 / 61 = 83.852459... -> 83.85
        (
            "E06000099",
            None,
            None,
            None,
            "E92000001",
            "2023-24",
            "Social",
            "third",
            Decimal("83.85"),
            1,
            1,
            True,
        ),
        # the other 30 days, 165 x 30 / 61 = 81.147540..., plus Food Share's
        # 3 h x 21 = 63, wholly in 2024-25: 144.147540... -> 144.15
        (
            "E06000099",
            None,
            None,
            None,
            "E92000001",
            "2024-25",
            "Social",
            "third",
            Decimal("144.15"),
            2,
            2,
            True,
        ),
        # another submitter's return stays: 0.5 FTE x 21500 = 10750
        (
            "E08000003",
            "Manchester",
            "E12000002",
            "North West",
            "E92000001",
            "2023-24",
            "Jobs",
            "private",
            Decimal("10750.0"),
            1,
            1,
            True,
        ),
        # contract C-200 is another return, never superseded: 2 tCO2e x 230 = 460
        (
            "E08000035",
            "Leeds",
            "E12000003",
            "Yorkshire and The Humber",
            "E92000001",
            "2023-24",
            "Environment",
            "private",
            Decimal("460.0"),
            1,
            1,
            True,
        ),
        # 120 corrected hours only, 120 x 16.50 = 1980: the 100 hours (1650) and the
        # NT14 spend (5000) of the first file were superseded
        (
            "E08000035",
            "Leeds",
            "E12000003",
            "Yorkshire and The Humber",
            "E92000001",
            "2023-24",
            "Social",
            "private",
            Decimal("1980.0"),
            1,
            1,
            True,
        ),
    ]
    actual = rows(
        warehouse,
        """
        select place_code, place_name, region_code, region_name, country_code,
               financial_year, theme, sector, social_value_gbp, line_count,
               organisation_count, is_illustrative
        from marts.fct_place_totals
        order by place_code, financial_year, theme, sector
        """,
    )
    assert actual == expected


def test_fct_social_value_holds_current_lines_only(warehouse: BuiltWarehouse) -> None:
    actual = rows(
        warehouse,
        """
        select line_id, submitter, source_file, contract_ref, measure_code, theme,
               quantity, unit, proxy_value_gbp, is_illustrative, social_value_gbp,
               place_code
        from marts.fct_social_value
        order by submission_id, source_row
        """,
    )
    assert actual == [
        (
            "1-4",
            "leeds-cc",
            "leeds-cc/2023-24-q4.csv",
            "C-200",
            "NT31",
            "Environment",
            Decimal("2.0"),
            "tCO2e",
            Decimal("230.0"),
            True,
            Decimal("460.0"),
            "E08000035",
        ),
        # the sender wrote "hrs"; the catalogue's unit is the one reported
        (
            "2-2",
            "leeds-cc",
            "leeds-cc/2023-24-q4-fix.csv",
            "C-100",
            "NT24",
            "Social",
            Decimal("120.0"),
            "hours",
            Decimal("16.5"),
            True,
            Decimal("1980.0"),
            "E08000035",
        ),
        (
            "3-2",
            "mcr-nhs",
            "mcr-nhs/returns.csv",
            "C-100",
            "NT1",
            "Jobs",
            Decimal("0.5"),
            "people FTE",
            Decimal("21500.0"),
            True,
            Decimal("10750.0"),
            "E08000003",
        ),
        (
            "3-3",
            "mcr-nhs",
            "mcr-nhs/returns.csv",
            None,
            "NT24",
            "Social",
            Decimal("10.0"),
            "hours",
            Decimal("16.5"),
            True,
            Decimal("165.0"),
            "E06000099",
        ),
        (
            "3-4",
            "mcr-nhs",
            "mcr-nhs/returns.csv",
            None,
            "NT28",
            "Social",
            Decimal("3.0"),
            "hours",
            Decimal("21.0"),
            True,
            Decimal("63.0"),
            "E06000099",
        ),
    ]


def test_superseded_lines_stay_visible_in_history(warehouse: BuiltWarehouse) -> None:
    assert rows(
        warehouse,
        """
        select line_id, superseded_by_submission_id
        from intermediate.int_return_lines_history
        where is_superseded
        order by line_id
        """,
    ) == [("1-2", 2), ("1-3", 2)]


def test_fct_submissions_shows_fate_of_each_file(warehouse: BuiltWarehouse) -> None:
    assert rows(
        warehouse,
        """
        select submission_id, status, report_location, duplicate_of,
               current_line_count, superseded_line_count
        from marts.fct_submissions
        order by submission_id
        """,
    ) == [
        (1, "loaded", None, None, 1, 2),
        (2, "loaded", None, None, 1, 0),
        (3, "loaded", None, None, 3, 0),
        (4, "rejected", "reports/stray.txt", None, 0, 0),
        (5, "duplicate", None, 2, 0, 0),
    ]


# The deprecated alias views: old name, new table, the table's key, and its row count
# from the rows above (5 place totals; 5 files in the ledger), so that two empty
# relations cannot pass as equal.
DEPRECATED_ALIASES = [
    ("place_totals", "fct_place_totals", "place_code, financial_year, theme, sector", 5),
    ("submissions", "fct_submissions", "submission_id", 5),
]


def test_deprecated_aliases_return_exactly_the_new_tables_rows(warehouse: BuiltWarehouse) -> None:
    for alias, table, key, row_count in DEPRECATED_ALIASES:
        relation_types = rows(
            warehouse,
            f"""
            select table_name, table_type from information_schema.tables
            where table_schema = 'marts' and table_name in ('{alias}', '{table}')
            order by table_name
            """,
        )
        assert relation_types == [(table, "BASE TABLE"), (alias, "VIEW")]
        columns = [
            rows(
                warehouse,
                f"""
                select column_name, data_type from information_schema.columns
                where table_schema = 'marts' and table_name = '{name}'
                order by ordinal_position
                """,
            )
            for name in (alias, table)
        ]
        assert columns[0] == columns[1], alias
        alias_rows = rows(warehouse, f"select * from marts.{alias} order by {key}")
        table_rows = rows(warehouse, f"select * from marts.{table} order by {key}")
        assert len(table_rows) == row_count, table
        assert alias_rows == table_rows, alias


# What BI sees in marts, relation by relation: its type and columns, in order.
PLACE_TOTALS_COLUMNS = (
    "place_code, place_name, region_code, region_name, country_code, financial_year, "
    "theme, sector, social_value_gbp, line_count, organisation_count, is_illustrative"
)
SUBMISSIONS_MART_COLUMNS = (
    "submission_id, submitter, original_path, sha256, size_bytes, file_format, "
    "received_at, processed_at, status, file_kind, line_count, error_count, "
    "final_location, report_location, duplicate_of, run_id, warnings, current_line_count, "
    "superseded_line_count, superseded_by_submission_id, superseded_by_paths, "
    "replaced_line_count"
)
MARTS = {
    "commitment_totals": (
        "BASE TABLE",
        "place_code, place_name, region_code, region_name, financial_year, theme, sector, "
        "committed_value_gbp, delivered_value_gbp, is_illustrative",
    ),
    "contract_progress": (
        "BASE TABLE",
        "submitter, organisation_id, organisation_name, contract_ref, measure_code, theme, "
        "committed_quantity, committed_value_gbp, delivered_quantity, delivered_value_gbp, "
        "delivered_pct, contract_value_gbp, is_committed, is_delivered, progress_status, "
        "is_illustrative",
    ),
    "contract_summary": (
        "BASE TABLE",
        "submitter, organisation_id, organisation_name, sector, contract_ref, contract_title, "
        "contract_start, contract_end, contract_value_gbp, committed_value_gbp, "
        "delivered_value_gbp, committed_pct_of_contract_value, "
        "delivered_pct_of_contract_value, months_elapsed, expected_value_to_date_gbp, "
        "delivered_pct_of_expected, is_behind, is_committed, is_illustrative",
    ),
    "fct_commitments": (
        "BASE TABLE",
        "line_id, submission_id, source_row, submitter, source_file, final_location, "
        "organisation_id, organisation_name, sector, contract_ref, contract_title, contract_start, "
        "contract_end, contract_value_gbp, commitment_start, commitment_end, measure_code, "
        "edition, theme, outcome, committed_quantity, unit, proxy_value_gbp, "
        "is_illustrative, committed_value_gbp, submitted_place_code, place_code, evidence",
    ),
    "dim_measure": (
        "BASE TABLE",
        "edition, measure_code, theme, outcome, description, unit, proxy_value_gbp, "
        "is_illustrative, source, licence, value_type, excludes, edition_version, "
        "edition_submission_id",
    ),
    "counting_warnings": (
        "BASE TABLE",
        "submission_id, source_file, source_row, edition, measure_code, "
        "conflicting_source_row, conflicting_measure_code, organisation_id, contract_ref, "
        "period_start, period_end, counting_rule",
    ),
    "measure_editions": (
        "BASE TABLE",
        "edition, edition_version, is_current_version, edition_submission_id, source_file, "
        "received_at, measure_count, proxy_measure_count, record_only_measure_count, "
        "localised_measure_count, is_illustrative, source, licence",
    ),
    "place_totals_at_price_base": (
        "BASE TABLE",
        "place_code, place_name, financial_year, base_edition, social_value_gbp, "
        "social_value_at_base_gbp, repriced_line_count, not_repriced_line_count, "
        "not_repriced_social_value_gbp, is_illustrative",
    ),
    "area_totals": (
        "BASE TABLE",
        "area_type, area_code, area_name, financial_year, theme, sector, social_value_gbp, "
        "district_count, line_count, organisation_count, is_illustrative",
    ),
    "dim_place": (
        "BASE TABLE",
        "place_code, place_name, utla_code, utla_name, combined_authority_code, "
        "combined_authority_name, region_code, region_name, country_code, country_name, "
        "is_known_place",
    ),
    "fct_place_totals": ("BASE TABLE", PLACE_TOTALS_COLUMNS),
    "fct_social_value": (
        "BASE TABLE",
        "line_id, submission_id, source_row, submitter, source_file, final_location, "
        "organisation_id, organisation_name, sector, contract_ref, period_start, period_end, "
        "measure_code, "
        "edition, edition_version, edition_submission_id, submitted_measure_code, "
        "submitted_framework, crosswalk_submission_id, crosswalk_source_row, "
        "crosswalk_factor, theme, outcome, quantity, valued_quantity, unit, "
        "proxy_value_gbp, is_illustrative, valuation_status, social_value_gbp, "
        "submitted_place_code, place_code, evidence, return_key, built_at",
    ),
    "fct_social_value_by_financial_year": (
        "BASE TABLE",
        "line_id, submission_id, source_row, submitter, organisation_id, sector, place_code, "
        "measure_code, edition, theme, valuation_status, period_start, period_end, "
        "financial_year, financial_year_start, financial_year_end, days_in_financial_year, "
        "days_in_period, financial_year_share, apportioned_quantity, "
        "apportioned_valued_quantity, apportioned_social_value_gbp, is_illustrative, "
        "return_key, built_at",
    ),
    "fct_submissions": ("BASE TABLE", SUBMISSIONS_MART_COLUMNS),
    "fct_supersessions": (
        "BASE TABLE",
        "file_kind, superseded_submission_id, superseded_file, superseding_submission_id, "
        "superseding_file, superseding_run_id, submitter, organisation_id, contract_ref, "
        "period_start, period_end, superseded_line_count, notice",
    ),
    "mission_totals": (
        "BASE TABLE",
        "framing, mission_code, mission_name, place_code, place_name, region_code, "
        "financial_year, social_value_gbp, line_count, includes_low_confidence_mapping, "
        "is_illustrative",
    ),
    "need_distribution": (
        "BASE TABLE",
        "financial_year, scope_type, scope_code, scope_name, imd_edition, imd_decile, "
        "district_count, social_value_gbp, population, value_share, population_share, "
        "value_to_population_ratio, is_illustrative",
    ),
    "place_need": (
        "BASE TABLE",
        "place_code, place_name, region_code, region_name, country_code, financial_year, "
        "social_value_gbp, population, population_year, population_basis, "
        "social_value_per_head_gbp, imd_edition, imd_score, imd_rank, imd_decile, "
        "imd_proportion_most_deprived_10pct, imd_method, imd_status, valued_line_count, "
        "not_valued_line_count, is_illustrative",
    ),
    "place_totals": ("VIEW", PLACE_TOTALS_COLUMNS),
    "submissions": ("VIEW", SUBMISSIONS_MART_COLUMNS),
}


def test_marts_keep_their_names_and_columns(warehouse: BuiltWarehouse) -> None:
    relations = rows(
        warehouse,
        """
        select table_name, table_type from information_schema.tables
        where table_schema = 'marts' order by table_name
        """,
    )
    assert relations == [(name, kind) for name, (kind, _) in sorted(MARTS.items())]
    for name, (_, columns) in MARTS.items():
        actual = rows(
            warehouse,
            f"""
            select column_name from information_schema.columns
            where table_schema = 'marts' and table_name = '{name}'
            order by ordinal_position
            """,
        )
        assert [column for (column,) in actual] == columns.split(", "), name


def test_dim_place_flags_unknown_places(warehouse: BuiltWarehouse) -> None:
    assert rows(
        warehouse,
        """
        select place_code, place_name, country_name
        from marts.dim_place
        where not is_known_place
        """,
    ) == [("E06000099", None, "England")]
    seeded = rows(warehouse, "select count(*) from marts.dim_place where is_known_place")
    with open(DBT_PROJECT_DIR / "seeds" / "places.csv", newline="") as f:
        assert seeded == [(sum(1 for _ in csv.DictReader(f)),)]


def test_seeds_land_in_reference_schema(warehouse: BuiltWarehouse) -> None:
    tables = rows(
        warehouse,
        """
        select table_name from information_schema.tables
        where table_schema = 'reference' order by table_name
        """,
    )
    assert tables == [
        ("deprivation",),
        ("measure_catalogue",),
        ("measure_missions",),
        ("missions",),
        ("place_code_successors",),
        ("places",),
        ("population",),
    ]
    types = dict(
        rows(
            warehouse,
            """
            select table_name || '.' || column_name, data_type
            from information_schema.columns where table_schema = 'reference'
            """,
        )
    )
    columns = (
        "measure_catalogue.proxy_value_gbp",
        "measure_catalogue.is_illustrative",
        "measure_catalogue.measure_code",
        "place_code_successors.is_current",
        "population.population_year",
        "population.population",
        "deprivation.imd_average_score",
        "deprivation.imd_rank_of_average_score",
    )
    expected_types = {
        "duckdb": ("DECIMAL(38,10)", "BOOLEAN", "VARCHAR", "BOOLEAN", "INTEGER", "BIGINT")
        + ("DOUBLE", "INTEGER"),
        # a proxy is exact money, numeric(38, 10) (information_schema says numeric)
        "postgres": ("numeric", "boolean", "character varying", "boolean")
        + ("integer", "bigint", "double precision", "integer"),
    }[warehouse.target]
    assert tuple(types[column] for column in columns) == expected_types


def test_raw_tables_come_from_ingestion_ddl(warehouse: BuiltWarehouse) -> None:
    # The whole of RAW_DDL ran (it fails loudly otherwise): both schemas exist and the
    # one floating-point column has the engine's double type.
    schemas = rows(
        warehouse,
        """
        select schema_name from information_schema.schemata
        where schema_name in ('raw', 'landing') order by schema_name
        """,
    )
    assert schemas == [("landing",), ("raw",)]
    quantity_type = rows(
        warehouse,
        """
        select data_type from information_schema.columns
        where table_schema = 'raw' and table_name = 'return_lines'
          and column_name = 'quantity'
        """,
    )
    expected_type = {"duckdb": "DOUBLE", "postgres": "double precision"}[warehouse.target]
    assert quantity_type == [(expected_type,)]
