"""Returns valued with a loaded edition, on each engine: the real bucket pass (reader,
gate, raw tables, ledger) then a dbt build, twice: before and after the edition is
replaced by a corrected version. Every figure is worked out by hand below.

The files (tests/editions.py, all INVENTED): edition tests-essex-2025 from an
Essex-like workbook (NT24 at 20.00 an hour, then 25.00 when corrected; NT1c at
10,000 a person and excluding NT1; NT1 localised; NT8 record-only; NT14 at 1.00), a
crosswalk (ECC24D: a day of volunteering is 7.5 hours of NT24; PPN002's SRM5 maps
to nothing), and NT1's local proxy in Leeds (25,000).

Leeds' 2024-25 return (framework named on every row):
  row 2  NT24   100 hours                 100 x 20 = 2,000   (corrected: 2,500)
  row 3  ECC24D   2 days (ECC) = 15 hours  15 x 20 =   300   (corrected:   375)
  row 4  NT8      6 weeks                  record-only
  row 5  NT1    0.5 people, Leeds          0.5 x 25,000 = 12,500
  row 6  NT1    0.5 people, Bradford       no local proxy (another organisation)
  row 7  NT1c     1 person                 1 x 10,000 = 10,000; excludes NT1 (row 5)
  row 8  SRM5    40 (PPN002)               maps to nothing
Leeds' 2023-24 return, default (illustrative) edition: NT24 100 hours at 16.50 =
1,650; NT14 £1,000 at 1.00 = 1,000; NT31 2 tCO2e at 230 = 460.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from typing import Any

import pytest

from configuration import DuckDBFile, PostgresDatabase, WarehouseLocation
from ingest.bucket import Bucket
from tests.dbt_builds import BuiltWarehouse, dbt_build, rows
from tests.editions import CORRECTED_XLSX, CROSSWALK, EDITION, EDITION_XLSX, LOCAL_PROXIES
from tests.returns import csv_bytes
from tests.test_ingest_pass import ingest
from warehouse import open_warehouse

pytestmark = pytest.mark.slow

LEEDS, BRADFORD = "E08000035", "E08000032"
HEADER = (
    "organisation_id,organisation_name,sector,period_start,period_end,measure_code,"
    "quantity,place_code,contract_ref,framework\n"
)
FY_2024_25 = "2024-04-01,2025-03-31"
FY_2023_24 = "2023-04-01,2024-03-31"
RETURN_2024_25 = csv_bytes(
    HEADER
    + f"GB-COH-1,A Ltd,private,{FY_2024_25},NT24,100,{LEEDS},C1,{EDITION}\n"
    + f"GB-COH-1,A Ltd,private,{FY_2024_25},ECC24D,2,{LEEDS},C1,ECC\n"
    + f"GB-COH-1,A Ltd,private,{FY_2024_25},NT8,6,{LEEDS},C1,{EDITION}\n"
    + f"GB-COH-1,A Ltd,private,{FY_2024_25},NT1,0.5,{LEEDS},C1,{EDITION}\n"
    + f"GB-COH-2,B Ltd,private,{FY_2024_25},NT1,0.5,{BRADFORD},C1,{EDITION}\n"
    + f"GB-COH-1,A Ltd,private,{FY_2024_25},NT1c,1,{LEEDS},C1,{EDITION}\n"
    + f"GB-COH-1,A Ltd,private,{FY_2024_25},SRM5,40,{LEEDS},C1,PPN002\n"
)
RETURN_2023_24 = csv_bytes(
    HEADER
    + f"GB-COH-1,A Ltd,private,{FY_2023_24},NT24,100,{LEEDS},C0,\n"
    + f"GB-COH-1,A Ltd,private,{FY_2023_24},NT14,1000,{LEEDS},C0,\n"
    + f"GB-COH-1,A Ltd,private,{FY_2023_24},NT31,2,{LEEDS},C0,\n"
)

QUERIES = {
    "lines": """
        select source_row, submitted_framework, submitted_measure_code, edition,
               measure_code, edition_version, valued_quantity, valuation_status,
               social_value_gbp
        from marts.fct_social_value where source_file like '%2024-25.csv'
        order by source_row
    """,
    "themes": """
        select place_code, financial_year, theme, social_value_gbp, is_illustrative
        from marts.fct_place_totals order by place_code, financial_year, theme
    """,
    "editions": """
        select edition, edition_version, is_current_version, measure_count,
               record_only_measure_count, localised_measure_count, is_illustrative
        from marts.measure_editions order by edition, edition_version
    """,
    "warnings": """
        select source_row, measure_code, conflicting_source_row, conflicting_measure_code,
               counting_rule
        from marts.counting_warnings
    """,
    "price_base": """
        select place_code, financial_year, base_edition, social_value_gbp,
               social_value_at_base_gbp, repriced_line_count, not_repriced_line_count,
               not_repriced_social_value_gbp, is_illustrative
        from marts.place_totals_at_price_base order by place_code, financial_year
    """,
}


def _location(request: pytest.FixtureRequest, tmp: Path) -> WarehouseLocation:
    if request.param == "duckdb":
        path = tmp / "editions.duckdb"
        shutil.copy(request.getfixturevalue("seeded_duckdb"), path)
        return DuckDBFile(path)
    server = request.getfixturevalue("postgres_server")
    template = request.getfixturevalue("seeded_postgres_template")
    from tests.conftest import _database, _new_database

    _new_database(server, "svw_edition_marts", template=template)
    return _database(server, "svw_edition_marts")


def _dbt_env(location: WarehouseLocation) -> dict[str, str]:
    env = {**os.environ, "DBT_SEND_ANONYMOUS_USAGE_STATS": "false", "DO_NOT_TRACK": "1"}
    if isinstance(location, DuckDBFile):
        return {**env, "SVW_DBT_TARGET": "duckdb", "SVW_WAREHOUSE": str(location.path)}
    return {
        **env,
        "SVW_DBT_TARGET": "postgres",
        "SVW_PG_HOST": location.host,
        "SVW_PG_PORT": str(location.port),
        "SVW_PG_USER": location.user,
        "SVW_PG_PASSWORD": "",
        "SVW_PG_DATABASE": location.database,
    }


def _built(location: WarehouseLocation) -> BuiltWarehouse:
    if isinstance(location, DuckDBFile):
        return BuiltWarehouse("duckdb", duckdb_path=location.path)
    assert isinstance(location, PostgresDatabase)
    server = {
        "host": location.host,
        "port": location.port,
        "user": location.user,
        "dbname": location.database,
    }
    return BuiltWarehouse("postgres", postgres=server)


def _pass_and_build(bucket: Bucket, location: WarehouseLocation, tmp: Path) -> dict[str, Any]:
    with open_warehouse(location) as warehouse:
        report = ingest(bucket, warehouse)
    dbt_build(_dbt_env(location), "edition-marts", tmp)
    built = _built(location)
    return {
        "ledger": [(s.original_path, s.status, s.warnings) for s in report.submissions],
        **{name: rows(built, sql) for name, sql in QUERIES.items()},
    }


@pytest.fixture(scope="module", params=["duckdb", "postgres"])
def results(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> dict[str, dict[str, Any]]:
    tmp = tmp_path_factory.mktemp(f"editions-{request.param}")
    location = _location(request, tmp)
    bucket = Bucket(str(tmp / "bucket"))
    bucket.write("reference/frameworks/essex.xlsx", EDITION_XLSX)
    bucket.write("reference/crosswalks/ecc.csv", CROSSWALK)
    bucket.write("reference/local-proxies/nt1.csv", LOCAL_PROXIES)
    bucket.write("incoming/essex-cc/2024-25.csv", RETURN_2024_25)
    bucket.write("incoming/essex-cc/2023-24.csv", RETURN_2023_24)
    first = _pass_and_build(bucket, location, tmp)
    bucket.write("reference/frameworks/essex-corrected.xlsx", CORRECTED_XLSX)
    corrected = _pass_and_build(bucket, location, tmp)
    return {"first": first, "corrected": corrected}


def test_every_file_loads_and_the_sender_is_warned_of_double_counting(results) -> None:
    ledger = {path: (status, warnings) for path, status, warnings in results["first"]["ledger"]}
    assert {path: status for path, (status, _) in ledger.items()} == {
        "reference/frameworks/essex.xlsx": "loaded",
        "reference/crosswalks/ecc.csv": "loaded",
        "reference/local-proxies/nt1.csv": "loaded",
        "incoming/essex-cc/2024-25.csv": "loaded",
        "incoming/essex-cc/2023-24.csv": "loaded",
    }
    assert ledger["incoming/essex-cc/2024-25.csv"][1] == [
        f"Row 7 (NT1c) and row 5 (NT1) report the same return, but edition {EDITION} does "
        "not count NT1c with NT1 (double counting). Both are counted as sent: check that "
        "nothing is reported twice."
    ]


def test_lines_are_valued_through_the_edition_crosswalk_and_local_proxy(results) -> None:
    assert results["first"]["lines"] == [
        (2, EDITION, "NT24", EDITION, "NT24", 1, 100.0, "valued", 2000.0),
        (3, "ECC", "ECC24D", EDITION, "NT24", 1, 15.0, "valued", 300.0),
        (4, EDITION, "NT8", EDITION, "NT8", 1, 6.0, "record_only", None),
        (5, EDITION, "NT1", EDITION, "NT1", 1, 0.5, "valued", 12500.0),
        (6, EDITION, "NT1", EDITION, "NT1", 1, 0.5, "no_local_proxy", None),
        (7, EDITION, "NT1c", EDITION, "NT1c", 1, 1.0, "valued", 10000.0),
        (8, "PPN002", "SRM5", "PPN002", "SRM5", None, 40.0, "not_mapped", None),
    ]


def test_totals_follow_the_corrected_version(results) -> None:
    # 2023-24 (illustrative): NT24 1,650 (Social), NT14 1,000 (Growth), NT31 460.
    # 2024-25: Jobs 12,500 + 10,000 = 22,500 (both lines counted, as the warning
    # says); Social 2,000 + 300 = 2,300, then 2,500 + 375 = 2,875 corrected.
    leeds_2023_24 = [
        (LEEDS, "2023-24", "Environment", 460.0, True),
        (LEEDS, "2023-24", "Growth", 1000.0, True),
        (LEEDS, "2023-24", "Social", 1650.0, True),
    ]
    assert results["first"]["themes"] == leeds_2023_24 + [
        (LEEDS, "2024-25", "Jobs", 22500.0, False),
        (LEEDS, "2024-25", "Social", 2300.0, False),
    ]
    assert results["corrected"]["themes"] == leeds_2023_24 + [
        (LEEDS, "2024-25", "Jobs", 22500.0, False),
        (LEEDS, "2024-25", "Social", 2875.0, False),
    ]
    assert [line[5:] for line in results["corrected"]["lines"][:2]] == [
        (2, 100.0, "valued", 2500.0),
        (2, 15.0, "valued", 375.0),
    ]


def test_history_keeps_every_version(results) -> None:
    # The seed's 38 illustrative measures are version 0; both files stay listed.
    assert results["corrected"]["editions"] == [
        ("svw-illustrative-2026", 0, True, 38, 0, 0, True),
        (EDITION, 1, False, 5, 1, 1, False),
        (EDITION, 2, True, 5, 1, 1, False),
    ]


def test_double_counting_is_a_warning_and_counts_as_submitted(results) -> None:
    assert results["first"]["warnings"] == [
        (
            7,
            "NT1c",
            5,
            "NT1",
            f"In edition {EDITION}, NT1c must not be counted with NT1; both lines are "
            "counted as submitted.",
        )
    ]


def test_every_year_is_repriced_at_the_newest_loaded_edition(results) -> None:
    # Base: tests-essex-2025 (the newest loaded non-illustrative edition), version 2.
    # 2023-24: NT24 100 x 25 = 2,500 and NT14 1,000 x 1 = 1,000 re-priced: 3,500; NT31
    # is not in the base edition: counted apart with its 460 as valued. As valued:
    # 1,650 + 1,000 + 460 = 3,110. 2024-25 is already at the base: 2,500 + 375 +
    # 12,500 + 10,000 = 25,375, four lines.
    assert results["corrected"]["price_base"] == [
        (LEEDS, "2023-24", EDITION, 3110.0, 3500.0, 2, 1, 460.0, False),
        (LEEDS, "2024-25", EDITION, 25375.0, 25375.0, 4, 0, 0.0, False),
    ]


def test_the_demo_catalogue_is_loaded_and_the_summary_says_what_was_valued(
    seeded_svw_settings,
) -> None:
    """`svw demo`'s catalogue files (svw/demo_catalogue.py, all INVENTED) in one run.

    Valued: NT1 2 FTE in Manchester at its local 24,000 = 48,000; NT1c 1 x 19,000;
    ECC24D 4 days x 7.5 = 30 hours x 18 = 540; ECC14 25,000 x 1: 92,540 in 4 lines.
    NT8 is record-only; NT1 in Leeds has no local proxy; PPN002's SRM5 maps to nothing.
    """
    from svw.catalogue import edition_lines
    from svw.demo_catalogue import DEMO_EDITION, demo_catalogue_files
    from svw.runner import run_pipeline

    bucket = Bucket(seeded_svw_settings.bucket_url)
    for demo_file in demo_catalogue_files():
        bucket.write(demo_file.path, demo_file.data)
    outcome = run_pipeline(seeded_svw_settings)
    assert outcome.success, outcome.failure
    summary = outcome.summary_text().splitlines()
    assert [line for line in summary if line.startswith("  lines ")] == [
        # nothing was superseded: all seven lines below count
        "  lines that count: 7 of the 7 loaded",
        "  lines valued: 4 lines, £92,540.00",
        "  lines not valued: localised measure without a local proxy for the place: 1 lines",
        "  lines not valued: code of another framework that maps to no measure: 1 lines",
        "  lines record-only (stored with their quantities, never given pounds): 1 lines",
    ]
    assert (
        "  warning (incoming/demo-county-council/2025-26-q1-licensed-edition.csv): Row 3 "
        f"(NT1c) and row 2 (NT1) report the same return, but edition {DEMO_EDITION} does not "
        "count NT1c with NT1 (double counting). Both are counted as sent: check that "
        "nothing is reported twice."
    ) in summary
    assert edition_lines(seeded_svw_settings) == [
        f"* {DEMO_EDITION} v1: 5 measures (1 record-only, 1 localised); licence demo only; "
        f"ILLUSTRATIVE; reference/frameworks/{DEMO_EDITION}.xlsx",
        "* svw-illustrative-2026 v0: 38 measures (0 record-only, 0 localised); licence "
        "Apache-2.0; ILLUSTRATIVE; shipped with the project",
        "(* in force; lines without a framework use svw-illustrative-2026)",
    ]
