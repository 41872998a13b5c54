"""Catalogue editions, crosswalks and local proxies dropped in reference/, one ingestion
pass on each engine: the ledger, the raw rows and their versions, the reports of bad
files, and returns checked against what was loaded in the same pass."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from ingest.bucket import Bucket
from ingest.reference_files import read_frameworks
from tests.editions import CORRECTED_XLSX, CROSSWALK, EDITION, EDITION_XLSX, LOCAL_PROXIES
from tests.returns import csv_bytes, xlsx_bytes
from tests.test_ingest_pass import ingest
from tests.test_reference_loads import count, ledger
from warehouse import Warehouse


@pytest.fixture
def bucket(tmp_path: Path) -> Bucket:
    return Bucket(str(tmp_path / "bucket"))


def _rows(warehouse: Warehouse, sql: str) -> list[tuple]:
    with warehouse.connect() as connection:
        return [tuple(row) for row in connection.exec_driver_sql(sql)]


def _errors(bucket: Bucket, path: str) -> list[tuple]:
    report = json.loads(bucket.read(f"rejected/{path}.errors.json"))
    return [(e["row"], e["column"], e["value"], e["message"]) for e in report["errors"]]


def _drop_catalogue(bucket: Bucket) -> None:
    bucket.write("reference/frameworks/essex.xlsx", EDITION_XLSX)
    bucket.write("reference/crosswalks/ecc.csv", CROSSWALK)
    bucket.write("reference/local-proxies/nt1.csv", LOCAL_PROXIES)


def test_each_catalogue_kind_loads_with_its_version(
    bucket: Bucket, seeded_warehouse: Warehouse
) -> None:
    _drop_catalogue(bucket)
    ingest(bucket, seeded_warehouse)
    assert sorted(row[:4] for row in ledger(seeded_warehouse)) == [
        (
            "reference/crosswalks/ecc.csv",
            "reference_crosswalks",
            "loaded",
            "archive/reference/crosswalks/ecc.csv",
        ),
        (
            "reference/frameworks/essex.xlsx",
            "reference_frameworks",
            "loaded",
            "archive/reference/frameworks/essex.xlsx",
        ),
        (
            "reference/local-proxies/nt1.csv",
            "reference_local_proxies",
            "loaded",
            "archive/reference/local-proxies/nt1.csv",
        ),
    ]
    # The edition from the title cell; themes, units and value types as the
    # vocabulary reads them; the proxy of "£20.00" as 20.0; title rows counted.
    assert _rows(
        seeded_warehouse,
        "select source_row, edition, measure_code, theme, unit, proxy_value_gbp, value_type, "
        "excludes, is_illustrative, version from raw.reference_frameworks order by source_row",
    ) == [
        (5, EDITION, "NT1", "Jobs", "people FTE", None, "localised", None, False, 1),
        (6, EDITION, "NT1c", "Jobs", "people FTE", 10000.0, "proxy", "NT1", False, 1),
        (7, EDITION, "NT8", "Jobs", "weeks", None, "record_only", None, False, 1),
        (8, EDITION, "NT24", "Social", "hours", 20.0, "proxy", None, False, 1),
        (9, EDITION, "NT14", "Growth", "GBP", 1.0, "proxy", None, False, 1),
    ]
    assert _rows(
        seeded_warehouse,
        "select from_framework, from_code, to_edition, to_code, factor, version "
        "from raw.reference_crosswalks order by source_row",
    ) == [
        ("ECC", "ECC24D", EDITION, "NT24", 7.5, 1),
        ("ECC", "ECC1", EDITION, "NT1", 1.0, 1),
        ("PPN002", "SRM5", None, None, 1.0, 1),
    ]
    assert count(seeded_warehouse, "raw.reference_local_proxies") == 1


def test_a_corrected_edition_is_a_new_version_beside_the_old(
    bucket: Bucket, seeded_warehouse: Warehouse
) -> None:
    bucket.write("reference/frameworks/essex.xlsx", EDITION_XLSX)
    ingest(bucket, seeded_warehouse)
    bucket.write("reference/frameworks/essex.xlsx", CORRECTED_XLSX)
    ingest(bucket, seeded_warehouse)
    assert _rows(
        seeded_warehouse,
        "select version, proxy_value_gbp from raw.reference_frameworks "
        "where measure_code = 'NT24' order by version",
    ) == [(1, 20.0), (2, 25.0)]
    assert [row[3] for row in ledger(seeded_warehouse)] == [
        "archive/reference/frameworks/essex.xlsx",
        "archive/reference/frameworks/essex_2.xlsx",
    ]


def test_returns_are_checked_against_editions_loaded_in_the_same_pass(
    bucket: Bucket, seeded_warehouse: Warehouse
) -> None:
    _drop_catalogue(bucket)
    bucket.write(
        "incoming/essex-cc/q1.csv",
        csv_bytes(
            "organisation_id,organisation_name,sector,period_start,period_end,"
            "measure_code,quantity,place_code,framework,unit\n"
            f"GB-COH-1,A Ltd,private,2025-04-01,2025-06-30,nt24,10,E08000035,{EDITION},hours\n"
            "GB-COH-1,A Ltd,private,2025-04-01,2025-06-30,ECC24D,2,E08000035,ecc,\n"
            "GB-COH-1,A Ltd,private,2025-04-01,2025-06-30,SRM5,40,E08000035,PPN002,\n"
            f"GB-COH-1,A Ltd,private,2025-04-01,2025-06-30,NT99,1,E08000035,{EDITION},\n"
            "GB-COH-1,A Ltd,private,2025-04-01,2025-06-30,ECC2,1,E08000035,ECC,\n"
        ),
    )
    ingest(bucket, seeded_warehouse)
    assert _errors(bucket, "essex-cc/q1.csv") == [
        (
            5,
            "measure_code",
            "NT99",
            f"Measure code 'NT99' is not in the {EDITION} edition of the measure catalogue. "
            "Use a code listed on the Measures sheet of the xlsx return template (e.g. NT1), "
            "or set framework to the edition the code comes from.",
        ),
        (
            6,
            "measure_code",
            "ECC2",
            "Measure code 'ECC2' is not in the ECC edition of the measure catalogue. "
            "Use a code listed on the Measures sheet of the xlsx return template (e.g. NT1), "
            "or set framework to the edition the code comes from.",
        ),
    ]


def test_edition_and_crosswalk_errors_are_reported_by_row(
    bucket: Bucket, seeded_warehouse: Warehouse
) -> None:
    rows = [
        ["Edition: broken-2025"],
        ["Ref", "Theme", "Units", "Proxy value", "Excludes"],
        ["A1", "Jobs", "hours", 5, None],
        ["A1", "Wellbeing", "hours", 5, None],
        ["A2", "Growth", "furlongs", -1, "A9"],
    ]
    bucket.write("reference/frameworks/broken.xlsx", xlsx_bytes(rows))
    bucket.write(
        "reference/crosswalks/bad.csv",
        csv_bytes(
            "from_framework,from_code,to_edition,to_code,factor\n"
            "ECC,ECC1,svw-illustrative-2026,NT1,0\n"
            "ECC,ECC1,svw-illustrative-2026,NT1,1\n"
            "ECC,ECC3,svw-illustrative-2026,NT404,1\n"
        ),
    )
    ingest(bucket, seeded_warehouse)
    assert [row[:3] for row in _errors(bucket, "reference/frameworks/broken.xlsx")] == [
        (4, "measure_code", "broken-2025 A1"),
        (4, "theme", "Wellbeing"),
        (5, "unit", "furlongs"),
        (5, "proxy_value_gbp", "-1"),
        (5, "excludes", "A9"),
    ]
    assert [row[:3] for row in _errors(bucket, "reference/crosswalks/bad.csv")] == [
        (2, "factor", "0"),
        (3, "from_code", "ECC ECC1"),
        (4, "to_code", "NT404"),
    ]
    assert count(seeded_warehouse, "raw.reference_frameworks") == 0
    assert count(seeded_warehouse, "raw.reference_crosswalks") == 0


def test_header_synonyms_and_the_edition_from_the_file_name() -> None:
    """No edition column or title cell: the file name names the edition."""
    table = read_frameworks(
        "council-set-2024.csv",
        csv_bytes(
            "Code,Themes,Units,Proxy (£),Type,Not counted with\n"
            "CS1,Environment: Decarbonising and safeguarding our world,t CO2e,"
            '"£1,250.50",,\n'
            "CS2,Innovation,hours,,localized,CS1; CS3\n"
        ),
    )
    assert table.select(
        ["edition", "measure_code", "theme", "unit", "proxy_value_gbp", "value_type", "excludes"]
    ).to_pylist() == [
        {
            "edition": "council-set-2024",
            "measure_code": "CS1",
            "theme": "Environment",
            "unit": "tCO2e",
            "proxy_value_gbp": 1250.5,
            "value_type": "proxy",
            "excludes": None,
        },
        {
            "edition": "council-set-2024",
            "measure_code": "CS2",
            "theme": "Innovation",
            "unit": "hours",
            "proxy_value_gbp": None,
            "value_type": "localised",
            "excludes": "CS1 CS3",
        },
    ]
