"""One ingestion pass without Dagster or dbt, on each engine: locations, duplicates,
size, received order."""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

import pytest

from ingest.bucket import Bucket
from ingest.pipeline import Ingestor
from tests.returns import LEEDS_Q1, LEEDS_Q1_CORRECTED, XLSX_HEADER
from warehouse import Warehouse


def ingest(bucket: Bucket, warehouse: Warehouse, max_file_bytes: int = 10_000_000):
    return Ingestor(
        bucket, warehouse, default_edition="svw-illustrative-2026", max_file_bytes=max_file_bytes
    ).run(settle_seconds=0)


def fates(warehouse: Warehouse) -> list[tuple]:
    with warehouse.connect() as connection:
        return [
            tuple(row)
            for row in connection.exec_driver_sql(
                "select original_path, status, final_location, duplicate_of is not null "
                "from raw.submissions order by submission_id"
            )
        ]


@pytest.fixture
def bucket(tmp_path: Path) -> Bucket:
    return Bucket(str(tmp_path / "bucket"))


def test_missing_local_bucket_is_created(tmp_path: Path) -> None:
    Bucket(str(tmp_path / "new" / "bucket"))
    assert (tmp_path / "new" / "bucket" / "incoming").is_dir()


def test_bad_locations_are_rejected_with_a_reason(
    bucket: Bucket, seeded_warehouse: Warehouse
) -> None:
    bucket.write("incoming/loose.csv", LEEDS_Q1)
    bucket.write("incoming/Leeds Council/q1.csv", LEEDS_Q1)
    ingest(bucket, seeded_warehouse)
    assert sorted(fates(seeded_warehouse)) == [
        ("incoming/Leeds Council/q1.csv", "rejected", "rejected/Leeds Council/q1.csv", False),
        ("incoming/loose.csv", "rejected", "rejected/loose.csv", False),
    ]
    loose = json.loads(bucket.read("rejected/loose.csv.errors.json"))
    assert [(e["row"], e["value"], e["message"]) for e in loose["errors"]] == [
        (
            None,
            "incoming/loose.csv",
            "The file is not inside a submitter folder. Upload it to incoming/<submitter>/, "
            "where <submitter> is your organisation's short name in lowercase letters, digits "
            "and hyphens (for example incoming/leeds-city-council/).",
        )
    ]
    misnamed = json.loads(bucket.read("rejected/Leeds Council/q1.csv.errors.json"))
    assert [e["message"] for e in misnamed["errors"]] == [
        'The folder name "Leeds Council" is not allowed: submitter folders are named in '
        "lowercase letters, digits and hyphens, without spaces. Upload it to "
        "incoming/leeds-council/ instead."
    ]
    # The human report sits beside the machine one, and the ledger points to it.
    assert bucket.exists("rejected/Leeds Council/q1.csv.errors.xlsx")
    with seeded_warehouse.connect() as connection:
        locations = connection.exec_driver_sql(
            "select report_location from raw.submissions order by report_location"
        ).scalars()
        assert list(locations) == [
            "rejected/Leeds Council/q1.csv.errors.xlsx",
            "rejected/loose.csv.errors.xlsx",
        ]


def test_same_bytes_under_any_name_or_sender_is_a_duplicate(
    bucket: Bucket, seeded_warehouse: Warehouse
) -> None:
    bucket.write("incoming/leeds-council/q1.csv", LEEDS_Q1)
    ingest(bucket, seeded_warehouse)
    bucket.write("incoming/other-sender/renamed.csv", LEEDS_Q1)
    bucket.write("incoming/leeds-council/q1.csv", LEEDS_Q1)  # same name again
    ingest(bucket, seeded_warehouse)
    assert fates(seeded_warehouse) == [
        ("incoming/leeds-council/q1.csv", "loaded", "archive/leeds-council/q1.csv", False),
        (
            "incoming/other-sender/renamed.csv",
            "duplicate",
            "archive/other-sender/renamed.csv",
            True,
        ),
        ("incoming/leeds-council/q1.csv", "duplicate", "archive/leeds-council/q1_2.csv", True),
    ]
    assert bucket.read("archive/leeds-council/q1.csv") == LEEDS_Q1


def test_rejected_file_sent_again_is_rejected_again(
    bucket: Bucket, seeded_warehouse: Warehouse
) -> None:
    bad = LEEDS_Q1.replace(b"NT24", b"NT999")
    for _ in range(2):
        bucket.write("incoming/leeds-council/q1.csv", bad)
        ingest(bucket, seeded_warehouse)
    assert [f[1:3] for f in fates(seeded_warehouse)] == [
        ("rejected", "rejected/leeds-council/q1.csv"),
        ("rejected", "rejected/leeds-council/q1_2.csv"),
    ]
    assert bucket.exists("rejected/leeds-council/q1_2.csv.errors.json")


def test_oversized_file_is_rejected_unread(bucket: Bucket, seeded_warehouse: Warehouse) -> None:
    bucket.write("incoming/leeds-council/q1.csv", LEEDS_Q1)
    ingest(bucket, seeded_warehouse, max_file_bytes=100)
    report = json.loads(bucket.read("rejected/leeds-council/q1.csv.errors.json"))
    assert "over the" in report["errors"][0]["message"]


def test_files_are_received_in_modification_time_order(
    bucket: Bucket, seeded_warehouse: Warehouse
) -> None:
    # Written in one order, modified in the other: the later modification time wins.
    bucket.write("incoming/leeds-council/a-corrected.csv", LEEDS_Q1_CORRECTED)
    bucket.write("incoming/leeds-council/b-original.csv", LEEDS_Q1)
    now = time.time()
    root = Path(bucket.root) / "incoming" / "leeds-council"
    os.utime(root / "b-original.csv", (now - 60, now - 60))
    os.utime(root / "a-corrected.csv", (now - 30, now - 30))
    ingest(bucket, seeded_warehouse)
    assert [f[0] for f in fates(seeded_warehouse)] == [
        "incoming/leeds-council/b-original.csv",
        "incoming/leeds-council/a-corrected.csv",
    ]


def test_file_sent_again_with_its_old_modification_time_is_a_new_drop(
    bucket: Bucket, seeded_warehouse: Warehouse
) -> None:
    """Tools like `rsync -t` keep the modification time: the second send still counts."""
    mtime = time.time() - 120
    path = Path(bucket.root) / "incoming" / "leeds-council" / "q1.csv"
    for _ in range(2):
        bucket.write("incoming/leeds-council/q1.csv", LEEDS_Q1)
        os.utime(path, (mtime, mtime))
        ingest(bucket, seeded_warehouse)
    assert [f[1:3] for f in fates(seeded_warehouse)] == [
        ("loaded", "archive/leeds-council/q1.csv"),
        ("duplicate", "archive/leeds-council/q1_2.csv"),
    ]
    assert bucket.pending(0) == []


def test_a_workbook_report_names_the_sheet_the_header_row_and_each_cell(
    bucket: Bucket, seeded_warehouse: Warehouse
) -> None:
    import io

    import openpyxl

    workbook = openpyxl.Workbook()
    cover = workbook.active
    cover.title = "Instructions"
    cover["A1"] = "Fill in the Q1 sheet, one row per measure."
    sheet = workbook.create_sheet("Q1")
    sheet["A1"] = "Acme Ltd social value return"
    sheet.append([])
    sheet.append([*XLSX_HEADER[:7], "Place"])
    good = ["GB-1", "Acme", "private", "2025-04-01", "2025-06-30", "NT1", 3, "E08000035"]
    sheet.append(good)
    sheet.append([*good[:5], "nt 1", -2, "Leeds"])
    buffer = io.BytesIO()
    workbook.save(buffer)
    bucket.write("incoming/acme-build/q1.xlsx", buffer.getvalue())

    ingest(bucket, seeded_warehouse)

    report = openpyxl.load_workbook(
        io.BytesIO(bucket.read("rejected/acme-build/q1.xlsx.errors.xlsx"))
    ).active
    listed = [tuple(row) for row in report.iter_rows(values_only=True)]
    assert listed[:5] == [
        ("File", "incoming/acme-build/q1.xlsx", None, None, None, None),
        ("Sheet read", "Q1", None, None, None, None),
        ("Header row", 3, None, None, None, None),
        ("Errors", 3, None, None, None, None),
        ("Result", "Nothing from this file was loaded.", None, None, None, None),
    ]
    assert [row[:5] for row in listed[8:]] == [
        ("F5", 5, "measure_code", "TOMs ref", "nt 1"),
        ("G5", 5, "quantity", "Qty", "-2"),
        ("H5", 5, "place_code", "Place", "Leeds"),
    ]
    assert "Did you mean NT1?" in listed[8][5]
    assert "Leeds is E08000035." in listed[10][5]
