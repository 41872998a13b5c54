"""Commitment returns through one ingestion pass, on each engine: routed by their folder,
read with their own header synonyms, checked by their own suite, loaded into
``raw.commitment_lines`` with their ledger row, or rejected whole with the rows."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from expectations.fields import COMMITMENTS, DELIVERY
from ingest.bucket import Bucket, BucketFile
from ingest.ledger import FileKind
from ingest.pipeline import Ingestor
from tests.returns import LEEDS_Q1
from warehouse import Warehouse

# Headers as a procurement team writes them: every one a synonym, none a field name.
HEADER = (
    "Supplier ID,Supplier name,Sector,Contract reference,Contract title,Contract start date,"
    "Contract end date,Contract value,Measure,Committed,Place,Commitment start,Commitment end"
)
NORTHBRIDGE = "GB-COH-01,Northbridge Ltd,private,NB-1,Ancoats build,2024-04-01,2026-03-31"
GOOD = "\n".join(
    [
        HEADER,
        f'{NORTHBRIDGE},"£1,000,000",NT1,4,E08000003,,',
        f"{NORTHBRIDGE},1000000,NT18,50000,E08000003,2024-04-01,2025-03-31",
        f"{NORTHBRIDGE},,NT24,120,E08000003,,",
    ]
).encode()
BAD = "\n".join(
    [
        HEADER,
        f'{NORTHBRIDGE},"1,000,000",NT1,4,E08000003,,',
        f"{NORTHBRIDGE},900000,NT18,50000,E08000003,,",  # row 3: another contract value
        f"{NORTHBRIDGE},1000000,NT24,120,E08000003,2025-03-31,2024-04-01",  # row 4: swapped
        f"{NORTHBRIDGE},,NT24,10,E08000003,2024-01-01,2024-12-31",  # row 5: before the contract
    ]
).encode()


def ingest(bucket: Bucket, warehouse: Warehouse) -> None:
    Ingestor(
        bucket, warehouse, default_edition="svw-illustrative-2026", max_file_bytes=10_000_000
    ).run(settle_seconds=0)


def query(warehouse: Warehouse, sql: str) -> list[tuple]:
    with warehouse.connect() as connection:
        return [tuple(row) for row in connection.exec_driver_sql(sql)]


@pytest.fixture
def bucket(tmp_path: Path) -> Bucket:
    return Bucket(str(tmp_path / "bucket"))


@pytest.mark.parametrize(
    ("path", "kind"),
    [
        ("incoming/north-cc/commitments/nb-1.csv", FileKind.COMMITMENTS),
        ("incoming/north-cc/commitments/2025/q1/nb-1.csv", FileKind.COMMITMENTS),
        ("incoming/north-cc/nb-1.csv", FileKind.RETURN),
        ("incoming/north-cc/2025/commitments/nb-1.csv", FileKind.RETURN),
        ("incoming/commitments/nb-1.csv", FileKind.RETURN),  # a submitter so named
        ("incoming/north-cc/commitments.csv", FileKind.RETURN),
    ],
)
def test_a_commitment_return_is_told_by_its_folder(path: str, kind: FileKind) -> None:
    from datetime import UTC, datetime

    assert FileKind.of(BucketFile(path, 1, datetime.now(UTC))) == kind
    assert kind.field_table == (COMMITMENTS if kind == FileKind.COMMITMENTS else DELIVERY)


def test_commitments_load_beside_delivery(bucket: Bucket, seeded_warehouse: Warehouse) -> None:
    bucket.write("incoming/north-cc/commitments/2025/nb-1.csv", GOOD)
    bucket.write("incoming/north-cc/q1.csv", LEEDS_Q1)
    ingest(bucket, seeded_warehouse)
    assert query(
        seeded_warehouse,
        "select original_path, status, final_location, file_kind, line_count "
        "from raw.submissions order by submission_id",
    ) == [
        (
            "incoming/north-cc/commitments/2025/nb-1.csv",
            "loaded",
            "archive/north-cc/commitments/2025/nb-1.csv",
            "commitments",
            3,
        ),
        ("incoming/north-cc/q1.csv", "loaded", "archive/north-cc/q1.csv", "return", 2),
    ]
    assert query(
        seeded_warehouse,
        "select source_row, submitter, organisation_id, contract_ref, contract_title, "
        "cast(contract_start as varchar), cast(contract_end as varchar), "
        "contract_value_gbp, measure_code, committed_quantity, edition, "
        "cast(commitment_start as varchar), cast(commitment_end as varchar) "
        "from raw.commitment_lines order by source_row",
    ) == [
        (2, "north-cc", "GB-COH-01", "NB-1", "Ancoats build", "2024-04-01", "2026-03-31",
         1_000_000.0, "NT1", 4.0, "svw-illustrative-2026", None, None),
        (3, "north-cc", "GB-COH-01", "NB-1", "Ancoats build", "2024-04-01", "2026-03-31",
         1_000_000.0, "NT18", 50_000.0, "svw-illustrative-2026", "2024-04-01", "2025-03-31"),
        (4, "north-cc", "GB-COH-01", "NB-1", "Ancoats build", "2024-04-01", "2026-03-31",
         None, "NT24", 120.0, "svw-illustrative-2026", None, None),
    ]  # fmt: skip
    # The delivery file went to the delivery table only.
    assert query(seeded_warehouse, "select count(*) from raw.return_lines") == [(2,)]


def test_a_bad_commitment_file_is_rejected_whole_with_its_rows(
    bucket: Bucket, seeded_warehouse: Warehouse
) -> None:
    bucket.write("incoming/north-cc/commitments/nb-1.csv", BAD)
    ingest(bucket, seeded_warehouse)
    report = json.loads(bucket.read("rejected/north-cc/commitments/nb-1.csv.errors.json"))
    assert [(e["row"], e["column"], e["value"], e["message"]) for e in report["errors"]] == [
        (
            3,
            "contract_value_gbp",
            "900000",
            "contract_value_gbp '900000' differs from '1,000,000' on row 2 for contract "
            "NB-1. A contract has one total value: write the same value on every row of the "
            "contract (or leave it empty on all but one).",
        ),
        (
            4,
            "commitment_end",
            "2024-04-01",
            "commitment_end '2024-04-01' is before commitment_start '2025-03-31'. Check that "
            "the two dates are not swapped: commitment_end is the last day of the "
            "commitment's period.",
        ),
        (
            5,
            "commitment_start",
            "2024-01-01 to 2024-12-31",
            "The commitment's period 2024-01-01 to 2024-12-31 is not inside the contract "
            "(2024-04-01 to 2026-03-31). A commitment is delivered during its contract: "
            "correct commitment_start and commitment_end, or leave them empty to use the "
            "contract's dates.",
        ),
    ]
    assert query(seeded_warehouse, "select count(*) from raw.commitment_lines") == [(0,)]


def test_a_commitment_file_without_contract_dates_names_their_headers(
    bucket: Bucket, seeded_warehouse: Warehouse
) -> None:
    without_dates = b"organisation_id,organisation_name,sector,contract_ref,measure_code,"
    without_dates += b"committed_quantity,place_code\nGB-1,A,private,C-1,NT1,1,E08000003\n"
    bucket.write("incoming/north-cc/commitments/c-1.csv", without_dates)
    ingest(bucket, seeded_warehouse)
    report = json.loads(bucket.read("rejected/north-cc/commitments/c-1.csv.errors.json"))
    assert [(e["row"], e["column"], e["message"]) for e in report["errors"]] == [
        (
            1,
            "contract_start",
            'Required column "contract_start" was not found in the header row (row 1). '
            'Accepted headers: "contract_start", "Contract start date", "Contract start", '
            '"Start date". Add a column with one of these headers and fill it in on every row.',
        ),
        (
            1,
            "contract_end",
            'Required column "contract_end" was not found in the header row (row 1). '
            'Accepted headers: "contract_end", "Contract end date", "Contract end", '
            '"End date". Add a column with one of these headers and fill it in on every row.',
        ),
    ]


def test_commitment_files_gated_together_compare_rows_only_within_a_file(
    bucket: Bucket, seeded_warehouse: Warehouse
) -> None:
    """Another submitter's file for the same contract states another value: no conflict,
    and the bad file's report is the one it gets alone (above)."""
    other = GOOD.replace('"£1,000,000"'.encode(), b"2000000").replace(b"1000000", b"2000000")
    bucket.write("incoming/north-cc/commitments/nb-1.csv", GOOD)
    bucket.write("incoming/south-cc/commitments/nb-1.csv", other)
    bucket.write("incoming/north-cc/commitments/bad.csv", BAD)
    ingest(bucket, seeded_warehouse)

    assert query(
        seeded_warehouse,
        "select original_path, status, line_count, error_count "
        "from raw.submissions order by original_path",
    ) == [
        ("incoming/north-cc/commitments/bad.csv", "rejected", 4, 3),
        ("incoming/north-cc/commitments/nb-1.csv", "loaded", 3, 0),
        ("incoming/south-cc/commitments/nb-1.csv", "loaded", 3, 0),
    ]
    assert query(
        seeded_warehouse,
        "select submitter, source_row, contract_value_gbp from raw.commitment_lines "
        "order by submitter, source_row",
    ) == [
        ("north-cc", 2, 1_000_000.0),
        ("north-cc", 3, 1_000_000.0),
        ("north-cc", 4, None),
        ("south-cc", 2, 2_000_000.0),
        ("south-cc", 3, 2_000_000.0),
        ("south-cc", 4, None),
    ]
    report = json.loads(bucket.read("rejected/north-cc/commitments/bad.csv.errors.json"))
    assert [(e["row"], e["column"]) for e in report["errors"]] == [
        (3, "contract_value_gbp"),
        (4, "commitment_end"),
        (5, "commitment_start"),
    ]
    assert report["errors"][0]["message"].startswith(
        "contract_value_gbp '900000' differs from '1,000,000' on row 2 for contract NB-1."
    )
