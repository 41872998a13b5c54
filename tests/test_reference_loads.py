"""Newer reference files dropped in the bucket's reference/ folder, loaded at run time.

One ingestion pass on each engine for the file's fate (ledger, raw tables, where it
went, the sender's report), and a few whole runs (Dagster, dbt) for what users see in
the marts: a 2024 population, a new IMD edition and a new district, figures worked
out by hand below.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest
import sqlalchemy as sa

from configuration import DuckDBFile, Settings
from ingest.bucket import Bucket
from ingest.ledger import FileKind
from ingest.raw_tables import RAW_DDL, ensure_raw_tables
from svw.runner import run_pipeline
from tests.returns import LEEDS_Q1, csv_bytes
from tests.test_ingest_pass import ingest
from tests.warehouses import location_code, raw_rows, served_rows
from warehouse import Warehouse, open_warehouse

EDITION = "svw-illustrative-2026"
LEEDS, BLACKPOOL, NEWTOWN = "E08000035", "E06000009", "E06000098"

# Leeds, mid-2024 (the seeds stop at mid-2022, when Leeds had 822,483 residents).
POPULATION_2024 = csv_bytes("code,population\nE08000035,850000\nE06000009,142000\n")
# An IoD2025 edition of two districts (the cleaned CSV layout, 2024 codes): it
# replaces the seed's 296 districts of IoD2025 whole.
IOD2025 = csv_bytes(
    "ltla24_code,ltla24_name,imd_average_score,imd_rank_of_average_score,"
    "imd_proportion_of_lso_as_in_most_deprived_10_percent_nationally\n"
    "E08000035,Leeds,50.5,1,0.4\n"
    "E06000009,Blackpool,45.25,2,0.5\n"
)
# The ONS LAD-to-region lookup with a district no seed knows.
LOOKUP = csv_bytes(
    "LAD25CD,LAD25NM,RGN25CD,RGN25NM\nE06000098,Newtown,E12000003,Yorkshire and The Humber\n"
)
# A negative population on sheet row 3.
NEGATIVE = csv_bytes("code,population\nE08000035,850000\nE06000009,-5\n")


def ledger(warehouse: Warehouse) -> list[tuple]:
    with warehouse.connect() as connection:
        return [
            tuple(row)
            for row in connection.exec_driver_sql(
                "select original_path, file_kind, status, final_location, submitter "
                "from raw.submissions order by submission_id"
            )
        ]


def count(warehouse: Warehouse, table: str) -> int:
    with warehouse.connect() as connection:
        return connection.exec_driver_sql(f"select count(*) from {table}").scalar_one()


@pytest.fixture
def bucket(tmp_path: Path) -> Bucket:
    return Bucket(str(tmp_path / "bucket"))


def test_each_kind_loads_into_its_raw_table_and_is_archived(
    bucket: Bucket, seeded_warehouse: Warehouse
) -> None:
    bucket.write("reference/population/population_2024.csv", POPULATION_2024)
    bucket.write("reference/deprivation/imd.csv", IOD2025)
    bucket.write("reference/geography/LAD25_RGN25_EN_LU.csv", LOOKUP)
    ingest(bucket, seeded_warehouse)
    assert sorted(ledger(seeded_warehouse)) == [
        (
            "reference/deprivation/imd.csv",
            "reference_deprivation",
            "loaded",
            "archive/reference/deprivation/imd.csv",
            None,
        ),
        (
            "reference/geography/LAD25_RGN25_EN_LU.csv",
            "reference_geography",
            "loaded",
            "archive/reference/geography/LAD25_RGN25_EN_LU.csv",
            None,
        ),
        (
            "reference/population/population_2024.csv",
            "reference_population",
            "loaded",
            "archive/reference/population/population_2024.csv",
            None,
        ),
    ]
    with seeded_warehouse.connect() as connection:
        population = connection.exec_driver_sql(
            "select source_row, place_code, population_year, population "
            "from raw.reference_population order by source_row"
        ).all()
        geography = connection.exec_driver_sql(
            "select place_code, place_name, current_place_code, is_current, region_code, "
            "country_code, layout from raw.reference_geography"
        ).all()
    assert [tuple(r) for r in population] == [
        (2, LEEDS, 2024, 850000),
        (3, BLACKPOOL, 2024, 142000),
    ]
    assert [tuple(r) for r in geography] == [
        (NEWTOWN, "Newtown", NEWTOWN, True, "E12000003", "E92000001", "lad_to_region")
    ]
    assert count(seeded_warehouse, "raw.reference_deprivation") == 2
    assert bucket.pending(0) == []


def test_a_bad_file_is_rejected_whole_with_its_row_in_the_report(
    bucket: Bucket, seeded_warehouse: Warehouse
) -> None:
    bucket.write("reference/population/population_2024.csv", NEGATIVE)
    ingest(bucket, seeded_warehouse)
    assert ledger(seeded_warehouse) == [
        (
            "reference/population/population_2024.csv",
            "reference_population",
            "rejected",
            "rejected/reference/population/population_2024.csv",
            None,
        )
    ]
    report = json.loads(
        bucket.read("rejected/reference/population/population_2024.csv.errors.json")
    )
    assert [(e["row"], e["column"], e["value"]) for e in report["errors"]] == [
        (3, "population", "-5")
    ]
    assert bucket.exists("rejected/reference/population/population_2024.csv.errors.xlsx")
    assert count(seeded_warehouse, "raw.reference_population") == 0


def test_the_gate_refuses_what_the_reader_lets_through(
    bucket: Bucket, seeded_warehouse: Warehouse
) -> None:
    """The reader takes any year from 1900; the GX suite only 1981 to next year."""
    bucket.write(
        "reference/population/old.csv",
        csv_bytes("code,population,year\nE08000035,500000,1975\nE06000009,1,2024\n"),
    )
    ingest(bucket, seeded_warehouse)
    report = json.loads(bucket.read("rejected/reference/population/old.csv.errors.json"))
    assert [(e["row"], e["column"], e["value"]) for e in report["errors"]] == [
        (2, "population_year", "1975")
    ]
    assert "outside 1981 to" in report["errors"][0]["message"]
    assert count(seeded_warehouse, "raw.reference_population") == 0


def test_files_outside_the_kind_folders_are_rejected_naming_them(
    bucket: Bucket, seeded_warehouse: Warehouse
) -> None:
    bucket.write("reference/population_2024.csv", POPULATION_2024)
    bucket.write("reference/unknown/population_2024.csv", POPULATION_2024)
    bucket.write("incoming/reference/q1.csv", LEEDS_Q1)
    ingest(bucket, seeded_warehouse)
    assert sorted((path, kind, final) for path, kind, _, final, _ in ledger(seeded_warehouse)) == [
        ("incoming/reference/q1.csv", "return", "rejected/incoming/reference/q1.csv"),
        ("reference/population_2024.csv", "reference", "rejected/reference/population_2024.csv"),
        (
            "reference/unknown/population_2024.csv",
            "reference",
            "rejected/reference/unknown/population_2024.csv",
        ),
    ]
    for rejected in ("reference/population_2024.csv", "reference/unknown/population_2024.csv"):
        message = json.loads(bucket.read(f"rejected/{rejected}.errors.json"))["errors"][0]
        assert (
            "reference/geography/, reference/population/, reference/deprivation/"
            in (message["message"])
        )
    reserved = json.loads(bucket.read("rejected/incoming/reference/q1.csv.errors.json"))
    assert "'reference' is reserved" in reserved["errors"][0]["message"]
    assert count(seeded_warehouse, "raw.reference_population") == 0


def test_the_same_file_dropped_twice_is_a_duplicate(
    bucket: Bucket, seeded_warehouse: Warehouse
) -> None:
    for _ in range(2):
        bucket.write("reference/population/population_2024.csv", POPULATION_2024)
        ingest(bucket, seeded_warehouse)
    assert [row[2:4] for row in ledger(seeded_warehouse)] == [
        ("loaded", "archive/reference/population/population_2024.csv"),
        ("duplicate", "archive/reference/population/population_2024_2.csv"),
    ]
    assert count(seeded_warehouse, "raw.reference_population") == 2


def test_reference_files_go_before_returns_received_earlier(
    bucket: Bucket, seeded_warehouse: Warehouse
) -> None:
    bucket.write("reference/geography/LAD25_RGN25_EN_LU.csv", LOOKUP)
    bucket.write("incoming/leeds-council/q1.csv", LEEDS_Q1)
    old = time.time() - 3600
    os.utime(Path(bucket.root) / "incoming/leeds-council/q1.csv", (old, old))
    ingest(bucket, seeded_warehouse)
    assert [row[1] for row in ledger(seeded_warehouse)] == ["reference_geography", "return"]


def test_an_existing_ledger_gains_file_kind_and_its_rows_are_returns(tmp_path: Path) -> None:
    """A warehouse from before file kinds: raw.submissions without the column."""
    old_ddl = RAW_DDL.split("alter table")[0]
    location = DuckDBFile(tmp_path / "old.duckdb")
    with open_warehouse(location) as warehouse:
        with warehouse.begin() as connection:
            connection.exec_driver_sql(old_ddl)
            connection.exec_driver_sql(
                "insert into raw.submissions (submission_id, original_path, sha256, "
                "size_bytes, received_at, processed_at, status, line_count, error_count, "
                "final_location) values (1, 'incoming/a/q1.csv', 'x', 1, now(), now(), "
                "'loaded', 1, 0, 'archive/a/q1.csv')"
            )
        ensure_raw_tables(warehouse)
        ensure_raw_tables(warehouse)  # idempotent
        with warehouse.connect() as connection:
            kinds = connection.exec_driver_sql("select file_kind from raw.submissions").all()
    assert kinds == [(FileKind.RETURN,)]


# --- a crash after the commit, before the move -----------------------------------------

_KILL_BEFORE_REFERENCE_MOVE = """
import os
import ingest.bucket as target
original = target.Bucket.move
def patched(self, source, destination, sha):
    if destination.startswith("archive/reference/"):
        os._exit(137)
    return original(self, source, destination, sha)
target.Bucket.move = patched
"""


def test_a_crash_before_the_move_is_finished_by_the_next_pass(
    new_seeded_location, tmp_path: Path
) -> None:
    location = new_seeded_location("killed")
    bucket = Bucket(str(tmp_path / "bucket"))
    bucket.write("reference/population/population_2024.csv", POPULATION_2024)
    script = _KILL_BEFORE_REFERENCE_MOVE + textwrap.dedent(f"""
        from pathlib import Path
        from configuration import DuckDBFile, PostgresDatabase
        from ingest.bucket import Bucket
        from ingest.pipeline import Ingestor
        from warehouse import open_warehouse
        with open_warehouse({location_code(location)}) as warehouse:
            Ingestor(Bucket({bucket.url!r}), warehouse, default_edition={EDITION!r},
                     max_file_bytes=10**7).run(0)
        os._exit(0)
    """)
    killed = subprocess.run([sys.executable, "-c", script], env=os.environ.copy(), timeout=600)
    assert killed.returncode == 137
    with open_warehouse(location) as warehouse:
        # Committed: the rows and the ledger row are there; the file is still pending.
        assert count(warehouse, "raw.reference_population") == 2
        assert bucket.pending(0) != []
        ingest(bucket, warehouse)
        with warehouse.connect() as connection:
            rows = connection.execute(
                sa.text("select status, final_location, moved_at is not null from raw.submissions")
            ).all()
        assert [tuple(r) for r in rows] == [
            ("loaded", "archive/reference/population/population_2024.csv", True)
        ]
        assert count(warehouse, "raw.reference_population") == 2
    assert bucket.pending(0) == []
    assert bucket.read("archive/reference/population/population_2024.csv") == POPULATION_2024


# --- whole runs ------------------------------------------------------------------------

# Spent with Leeds' small firms in FY 2024-25 (NT14, GBP 1 a unit) and in Newtown.
RETURN_2024_25 = csv_bytes(
    "organisation_id,organisation_name,sector,period_start,period_end,measure_code,"
    "quantity,place_code,contract_ref\n"
    "GB-COH-01,Supplier 1,private,2024-04-01,2025-03-31,NT14,4250000,E08000035,C1\n"
    "GB-COH-01,Supplier 1,private,2024-04-01,2025-03-31,NT14,1000,E06000098,C1\n"
)


def _drop_reference_and_return(settings: Settings) -> Bucket:
    bucket = Bucket(settings.bucket_url, settings.s3_endpoint_url)
    # The return is written first (received earlier), yet read after the reference files.
    bucket.write("incoming/north-cc/2024-25.csv", RETURN_2024_25)
    bucket.write("reference/population/population_2024.csv", POPULATION_2024)
    bucket.write("reference/deprivation/IoD2025_districts.csv", IOD2025)
    bucket.write("reference/geography/LAD25_RGN25_EN_LU.csv", LOOKUP)
    return bucket


def _assert_marts_use_the_loaded_files(settings: Settings) -> None:
    # Leeds, FY 2024-25: 4,250,000 over its 850,000 residents at mid-2024 = 5.00 a head
    # (on the seeds it would be mid-2022's 822,483, the latest earlier year). IoD2025 is
    # the loaded edition of two districts: Leeds' 50.5 ranks 1, decile floor(0) + 1 = 1.
    assert served_rows(
        settings,
        "select population, population_year, population_basis, social_value_per_head_gbp, "
        "imd_edition, imd_score, imd_rank, imd_decile from marts.place_need "
        f"where place_code = '{LEEDS}' and financial_year = '2024-25'",
    ) == [(850000, 2024, "own_year", 5.0, "IoD2025", 50.5, 1, 1)]
    # The new district has its name in the same run as the return that uses it.
    assert served_rows(
        settings,
        "select place_name, region_name, social_value_gbp from marts.fct_place_totals "
        f"where place_code = '{NEWTOWN}'",
    ) == [("Newtown", "Yorkshire and The Humber", 1000.0)]
    assert sorted(
        served_rows(
            settings,
            "select file_kind, status, current_line_count from marts.fct_submissions",
        )
    ) == [
        ("reference_deprivation", "loaded", 0),
        ("reference_geography", "loaded", 0),
        ("reference_population", "loaded", 0),
        ("return", "loaded", 2),
    ]


@pytest.mark.slow
def test_loaded_reference_files_change_the_marts_in_the_same_run(
    seeded_engine_settings: Settings,
) -> None:
    bucket = _drop_reference_and_return(seeded_engine_settings)
    outcome = run_pipeline(seeded_engine_settings)
    assert outcome.success, outcome.failure
    _assert_marts_use_the_loaded_files(seeded_engine_settings)
    assert bucket.pending(0) == []
    assert [row[0] for row in raw_rows(seeded_engine_settings, _KINDS_IN_ORDER)] == [
        "reference_population",
        "reference_deprivation",
        "reference_geography",
        "return",
    ]


_KINDS_IN_ORDER = "select file_kind from raw.submissions order by submission_id"


@pytest.mark.slow
def test_reference_files_load_from_s3(seeded_s3_settings: Settings) -> None:
    bucket = _drop_reference_and_return(seeded_s3_settings)
    outcome = run_pipeline(seeded_s3_settings)
    assert outcome.success, outcome.failure
    _assert_marts_use_the_loaded_files(seeded_s3_settings)
    assert bucket.exists("archive/reference/population/population_2024.csv")
    assert bucket.pending(0) == []
