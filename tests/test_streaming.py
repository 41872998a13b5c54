"""Large files in bounded memory: a CSV is read in pieces, straight into its staging
table, with the sender's row numbers and the same verdicts as a file read whole; the
warehouse's DuckDB memory is bounded; progress is reported as lines are read."""

from __future__ import annotations

import io
import logging
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
import sqlalchemy as sa

from configuration import ConfigurationError, DuckDBFile, Settings, dbt_environment
from expectations.errors import FileRejected
from ingest import pipeline, staging
from ingest.bucket import Bucket
from ingest.pipeline import Ingestor
from ingest.progress import LogProgress
from ingest.readers import Source, read_return
from ingest.readers import _table as table_module
from warehouse import Warehouse, open_warehouse

HEADER = (
    "organisation_id,organisation_name,sector,period_start,period_end,measure_code,"
    "quantity,place_code,contract_ref,evidence"
)
# Arrow parses 1 MiB blocks: this many lines make several blocks, so several batches.
LINES = 40_000
BLANK_EVERY = 7_001


def _line(n: int) -> str:
    return (
        f"GB-COH-{n % 1000:08d},Org {n},private,2025-04-01,2025-06-30,NT1,{n % 90 + 1},"
        f"E08000035,C-{n},line {n}"
    )


def large_csv() -> tuple[bytes, list[int]]:
    """A title line and a blank line above the header (line 3), then LINES lines with a
    blank line now and then; with the spreadsheet row number of each data line."""
    physical = ["Social value return", "", HEADER]
    rows = []
    for n in range(LINES):
        if n and n % BLANK_EVERY == 0:
            physical.append(",,,")
        physical.append(_line(n))
        rows.append(len(physical))  # 1-based: the line just appended
    return ("\r\n".join(physical) + "\r\n").encode(), rows


def test_a_csv_of_many_blocks_keeps_every_row_number() -> None:
    data, rows = large_csv()
    assert len(data) > 3 * 1024 * 1024
    parsed = read_return("big.csv", data, max_bytes=len(data))
    assert parsed.table.num_rows == LINES
    assert parsed.table.column("source_row").to_pylist() == rows
    assert parsed.table.column("quantity").to_pylist()[:3] == ["1", "2", "3"]
    assert parsed.where.header_row == 3


def test_a_ragged_row_far_into_the_file_rejects_it_with_its_row() -> None:
    data, rows = large_csv()
    text = data.decode().split("\r\n")
    text[34_999] = "GB-COH-1,Short row,private"  # spreadsheet row 35,000
    with pytest.raises(FileRejected) as rejection:
        read_return("big.csv", "\r\n".join(text).encode(), max_bytes=len(data))
    (error,) = rejection.value.errors
    assert (error.row, error.value) == (35_000, "GB-COH-1,Short row,private")
    assert error.message == (
        "Row 35000 has 3 fields but the header has 10. Check the row for a missing or "
        "extra comma or an unclosed quote mark."
    )


def _pound_file(encoded_name: bytes) -> bytes:
    return (
        (HEADER + "\n").encode()
        + b"GB-COH-00000001,"
        + encoded_name
        + (b",private,2025-04-01,2025-06-30,NT1,5,E08000035,C-1,x\n")
    )


@pytest.mark.parametrize("chunk", [3, 16, 17, 18, 4096])
def test_text_is_decoded_the_same_whatever_the_pieces(
    monkeypatch: pytest.MonkeyPatch, chunk: int
) -> None:
    # The header is 113 bytes; with the line's start, the £ of UTF-8 (2 bytes) or
    # UTF-16 (2 bytes) falls across a piece boundary for some of these sizes.
    monkeypatch.setattr(table_module, "CHUNK_BYTES", chunk)
    for data in (
        _pound_file("Caf\u00a3 Ltd".encode()),
        _pound_file("Caf\u00a3 Ltd".encode("cp1252")),
        _pound_file("Caf\u00a3 Ltd".encode()).decode().encode("utf-16"),
    ):
        parsed = read_return("pound.csv", data, max_bytes=10_000)
        assert parsed.table.column("organisation_name").to_pylist() == ["Caf\u00a3 Ltd"]


@pytest.mark.parametrize("chunk", [5, 4096])
def test_an_undecodable_byte_is_named_with_its_line(
    monkeypatch: pytest.MonkeyPatch, chunk: int
) -> None:
    monkeypatch.setattr(table_module, "CHUNK_BYTES", chunk)
    data = _pound_file(b"Caf\xa3") + _pound_file(b"Bad \x81 byte").split(b"\n", 1)[1]
    with pytest.raises(FileRejected) as rejection:
        read_return("bad.csv", data, max_bytes=10_000)
    (error,) = rejection.value.errors
    assert error.row == 3
    assert error.message.startswith("The file is not readable text (byte 0x81 on line 3 ")


def test_a_large_csv_is_loaded_without_being_read_whole(
    tmp_path: Path, seeded_warehouse: Warehouse, monkeypatch: pytest.MonkeyPatch
) -> None:
    data, rows = large_csv()
    bucket = Bucket(str(tmp_path / "bucket"))
    bucket.write("incoming/leeds-council/big.csv", data)

    def refuse(self: Source) -> bytes:
        raise AssertionError("a CSV return was read whole")

    monkeypatch.setattr(pipeline, "READ_WHOLE_BYTES", 1024 * 1024)  # this file is over
    monkeypatch.setattr(staging, "STAGE_ROWS", 7_000)  # staged in six parts
    monkeypatch.setattr(Source, "read_all", refuse)
    monkeypatch.setattr(Bucket, "read", refuse)
    lines_told: list[int] = []
    progress = LogProgress()
    monkeypatch.setattr(progress, "lines_read", lines_told.append)
    report = Ingestor(
        bucket,
        seeded_warehouse,
        default_edition="svw-illustrative-2026",
        max_file_bytes=len(data),
        progress=progress,
    ).run(settle_seconds=0)
    (submission,) = report.submissions
    assert (submission.status, submission.line_count) == ("loaded", LINES)
    assert sum(lines_told) == LINES and len(lines_told) > 1
    with seeded_warehouse.connect() as connection:
        loaded = connection.execute(
            sa.text("select source_row from raw.return_lines order by source_row")
        ).scalars()
        assert list(loaded) == rows


def test_progress_off_a_terminal_is_log_lines(caplog: pytest.LogCaptureFixture) -> None:
    progress = LogProgress()
    with caplog.at_level(logging.INFO, logger="ingest.progress"):
        progress.start(2)
        progress.file_started("incoming/leeds-council/q1.csv", 2_500_000)
        progress.lines_read(600_000)
        progress.lines_read(600_000)
        progress.file_done("loaded")
        progress.file_started("incoming/leeds-council/q2.csv", 1000)
    assert caplog.messages == [
        "2 files pending",
        "file 1 of 2: incoming/leeds-council/q1.csv (2.5 MB)",
        "incoming/leeds-council/q1.csv: 1200000 lines read",
        "file 2 of 2: incoming/leeds-council/q2.csv (0.0 MB)",
    ]


def test_duckdb_memory_is_bounded_as_configured(tmp_path: Path) -> None:
    settings = Settings.from_env(
        {"SVW_WAREHOUSE": str(tmp_path / "w.duckdb"), "SVW_DUCKDB_MEMORY_LIMIT": "300MB"}
    )
    assert dbt_environment(settings.warehouse)["SVW_DUCKDB_MEMORY_LIMIT"] == "300MB"
    with open_warehouse(settings.warehouse) as warehouse, warehouse.connect() as connection:
        # DuckDB shows 300 MB (10^6 bytes) in MiB.
        setting = "select current_setting('memory_limit')"
        assert connection.exec_driver_sql(setting).scalar_one() == "286.1 MiB"
        # Another engine on the same file in this process (as the quality gate opens).
        other = sa.create_engine(warehouse.connection_url)
        with other.connect() as second:
            assert second.exec_driver_sql(setting).scalar_one() == "286.1 MiB"
        other.dispose()
    assert DuckDBFile(tmp_path / "x.duckdb").memory_limit == "768MB"


def test_a_memory_limit_that_is_no_size_is_refused() -> None:
    with pytest.raises(ConfigurationError) as refused:
        Settings.from_env({"SVW_DUCKDB_MEMORY_LIMIT": "lots"})
    assert str(refused.value) == (
        "SVW_DUCKDB_MEMORY_LIMIT='lots': give a size such as 1GB, 512MB or 2GiB"
    )


def test_a_parquet_file_of_many_row_groups_keeps_every_row() -> None:
    rows = 150_000
    columns = {
        name: [_line(n).split(",")[i] for n in range(rows)]
        for i, name in enumerate(HEADER.split(","))
    }
    columns["quantity"] = [n % 90 + 1 for n in range(rows)]  # typed: read back as text
    buffer = io.BytesIO()
    pq.write_table(pa.table(columns), buffer, row_group_size=40_000)
    parsed = read_return("big.parquet", buffer.getvalue(), max_bytes=10**9)
    assert parsed.table.column("source_row").to_pylist() == list(range(1, rows + 1))
    assert parsed.table.column("quantity").to_pylist() == [str(n % 90 + 1) for n in range(rows)]
