"""One ingestion pass without Dagster or dbt, on each engine: locations, duplicates,
size, received order, and small files staged and gated together in batches."""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

import pytest

from expectations.errors import MAX_REPORTED_ERRORS
from expectations.gate import ValidatorError
from ingest import pipeline
from ingest.bucket import Bucket
from ingest.pipeline import Ingestor
from tests.returns import (
    BAD_CSV,
    LEEDS_Q1,
    LEEDS_Q1_CORRECTED,
    VCSE_JSON,
    VCSE_PARQUET,
    XLSX_HEADER,
)
from warehouse import Warehouse, open_warehouse


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


# --- small files staged and gated together ------------------------------------------------

# 1,200 lines, each with a negative quantity: more errors than a report lists.
MANY_BAD = (
    b"organisation_id,organisation_name,sector,period_start,period_end,measure_code,"
    b"quantity,place_code\n"
    + b"GB-COH-07654321,Brick Ltd,private,2025-04-01,2025-06-30,NT1,-1,E08000003\n"
    * 1200
)
# Received in this order (modification times a minute apart).
BATCHED = {
    "incoming/leeds-council/q1.csv": LEEDS_Q1,  # 2 good lines
    "incoming/acme-build/bad.csv": BAD_CSV,  # rows 3 and 4 wrong
    "incoming/vcse-network/lunch-club.json": VCSE_JSON,  # 1 line, a place-code warning
    "incoming/brick-co/many-bad.csv": MANY_BAD,
    "incoming/vcse-network/q3.parquet": VCSE_PARQUET,  # 2 good lines
}
UNKNOWN_PLACE_WARNING = (
    "Place code E06000999 is not a UK district code: its totals are kept, without a "
    "place name or region."
)


def drop_in_order(bucket: Bucket, files: dict[str, bytes]) -> None:
    now = time.time()
    for number, (path, data) in enumerate(files.items()):
        bucket.write(path, data)
        modified = now - 600 + 60 * number
        os.utime(Path(bucket.root) / path, (modified, modified))


@pytest.mark.parametrize(
    "bound",
    [
        pytest.param({}, id="one-batch"),
        pytest.param({"BATCH_FILES": 2}, id="batches-of-two-files"),
        # Every file alone: the 1,200-line one is over the bound, gated as one file.
        pytest.param({"BATCH_LINES": 3, "BATCH_BYTES": 100}, id="batches-of-one"),
    ],
)
def test_files_gated_together_each_get_their_own_verdict_and_report(
    bucket: Bucket,
    seeded_warehouse: Warehouse,
    new_seeded_location,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    bound: dict[str, int],
) -> None:
    for name, value in bound.items():
        monkeypatch.setattr(pipeline, name, value)
    drop_in_order(bucket, BATCHED)
    ingest(bucket, seeded_warehouse)

    with seeded_warehouse.connect() as connection:
        ledger = [
            (path, status, lines, errors, json.loads(warnings))
            for path, status, lines, errors, warnings in connection.exec_driver_sql(
                "select original_path, status, line_count, error_count, warnings "
                "from raw.submissions order by submission_id"
            )
        ]
        loaded = [
            tuple(row)
            for row in connection.exec_driver_sql(
                "select submissions.original_path, lines.submitter, lines.source_row, "
                "lines.measure_code, lines.quantity "
                "from raw.return_lines as lines join raw.submissions as submissions "
                "on submissions.submission_id = lines.submission_id "
                "order by lines.submission_id, lines.source_row"
            )
        ]
    assert ledger == [
        ("incoming/leeds-council/q1.csv", "loaded", 2, 0, []),
        ("incoming/acme-build/bad.csv", "rejected", 3, 2, []),
        ("incoming/vcse-network/lunch-club.json", "loaded", 1, 0, [UNKNOWN_PLACE_WARNING]),
        ("incoming/brick-co/many-bad.csv", "rejected", 1200, 1200, []),
        ("incoming/vcse-network/q3.parquet", "loaded", 2, 0, []),
    ]
    # 5 lines, counted by hand from the three good files; none of the rejected ones.
    assert loaded == [
        ("incoming/leeds-council/q1.csv", "leeds-council", 2, "NT24", 100.0),
        ("incoming/leeds-council/q1.csv", "leeds-council", 3, "NT10", 12.0),
        ("incoming/vcse-network/lunch-club.json", "vcse-network", 1, "NT28", 40.0),
        ("incoming/vcse-network/q3.parquet", "vcse-network", 1, "NT14", 5000.0),
        ("incoming/vcse-network/q3.parquet", "vcse-network", 2, "NT17", 1500.0),
    ]

    bad = json.loads(bucket.read("rejected/acme-build/bad.csv.errors.json"))
    assert [(e["row"], e["column"], e["value"], e["message"]) for e in bad["errors"]] == [
        (
            3,
            "quantity",
            "-5",
            "Quantity '-5' is negative. Quantities are amounts delivered: write zero or more "
            "(remove the minus sign), or leave the line out.",
        ),
        (
            4,
            "measure_code",
            "NT999",
            "Measure code 'NT999' is not in the svw-illustrative-2026 edition of the measure "
            "catalogue. Use a code listed on the Measures sheet of the xlsx return template "
            "(e.g. NT1), or set framework to the edition the code comes from.",
        ),
    ]
    many = json.loads(bucket.read("rejected/brick-co/many-bad.csv.errors.json"))
    assert [(e["row"], e["column"], e["value"]) for e in many["errors"]] == [
        (row, "quantity", "-1") for row in range(2, 2 + MAX_REPORTED_ERRORS)
    ]
    assert bucket.pending(0) == []

    # Each rejected file's report is the one it gets when it is checked alone.
    for path, report in {
        "incoming/acme-build/bad.csv": bad,
        "incoming/brick-co/many-bad.csv": many,
    }.items():
        alone = Bucket(str(tmp_path / f"alone-{len(path)}"))
        alone.write(path, BATCHED[path])
        with open_warehouse(new_seeded_location(f"alone_{len(path)}")) as warehouse:
            ingest(alone, warehouse)
        rejected = path.replace("incoming/", "rejected/", 1)
        assert json.loads(alone.read(f"{rejected}.errors.json")) == report


def test_a_validator_failure_leaves_every_file_of_its_batch_pending(
    bucket: Bucket, seeded_warehouse: Warehouse, monkeypatch: pytest.MonkeyPatch
) -> None:
    import expectations.gate

    def broken(*arguments: object) -> None:
        raise RuntimeError("the validation engine is down")

    monkeypatch.setattr(expectations.gate, "_run_suite", broken)
    drop_in_order(bucket, BATCHED)
    with pytest.raises(ValidatorError, match="the validation engine is down"):
        ingest(bucket, seeded_warehouse)

    assert sorted(file.path for file in bucket.pending(0)) == sorted(BATCHED)
    assert fates(seeded_warehouse) == []
    with seeded_warehouse.connect() as connection:
        assert connection.exec_driver_sql("select count(*) from raw.return_lines").scalar() == 0
    assert not bucket.exists("rejected")
