"""ingest.readers and ingest.headers: every format, row numbers as the sender sees them.

Expected values are typed in by hand. Files are built in memory: CSV and JSON as
literal bytes, XLSX with openpyxl, Parquet with pyarrow.
"""

from __future__ import annotations

import datetime
import io
import json
import re
import zipfile
from pathlib import Path

import openpyxl
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from expectations.errors import FileRejected
from expectations.fields import COMMITMENTS, DELIVERY, FieldTable
from ingest.headers import map_headers, normalise_header
from ingest.readers import FORMATS, ParsedFile, read_return
from tests.returns import XLSX_HEADER

MB = 1024 * 1024
DOCS = Path(__file__).resolve().parent.parent / "docs" / "return-format.md"

HEADER = (
    "organisation_id,organisation_name,sector,period_start,period_end,"
    "measure_code,quantity,place_code"
)
ROW_A = "GB-COH-01234567,Acme Ltd,private,2025-04-01,2025-06-30,NT1,3.5,E08000003"
ROW_B = "GB-CHC-1123456,Ancoats Trust,third,2025-04-01,2025-06-30,NT24,120,E08000003"
ROW_C = "GB-LAE-MAN,Manchester City Council,public,2025-04-01,2025-06-30,NT18,900,E08000003"


def read(name: str, data: bytes, max_bytes: int = 10 * MB) -> ParsedFile:
    return read_return(name, data, max_bytes)


def rejection(name: str, data: bytes, max_bytes: int = 10 * MB) -> FileRejected:
    with pytest.raises(FileRejected) as caught:
        read_return(name, data, max_bytes)
    return caught.value


def rows(parsed: ParsedFile) -> list[int]:
    return parsed.table.column("source_row").to_pylist()


def column(parsed: ParsedFile, field: str) -> list[str | None]:
    return parsed.table.column(field).to_pylist()


def crlf(*lines: str) -> bytes:
    return ("\r\n".join(lines) + "\r\n").encode()


# --- headers -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "normalised"),
    [
        ("Organisation ID", "organisationid"),
        ("organisation_id", "organisationid"),
        ("  ORG-ID ", "orgid"),
        ("Organization name", "organisationname"),
        ("TOMs ref.", "tomsref"),
        ("Quantity (£)", "quantity"),
    ],
)
def test_normalise_header(text: str, normalised: str) -> None:
    assert normalise_header(text) == normalised


def test_map_headers_returns_sender_headers_positions_and_ignored() -> None:
    headers = [
        "Supplier ID",
        "Supplier name",
        "Sector type",
        "Start date",
        "End date",
        "TOMs code",
        "Qty",
        "GSS code",
        "Officer comments",
        "",
        "Notes",
    ]
    mapping = map_headers(headers, header_row=1)
    assert mapping.columns == {
        "organisation_id": "Supplier ID",
        "organisation_name": "Supplier name",
        "sector": "Sector type",
        "period_start": "Start date",
        "period_end": "End date",
        "measure_code": "TOMs code",
        "quantity": "Qty",
        "place_code": "GSS code",
        "evidence": "Notes",
    }
    assert mapping.positions["evidence"] == 10
    assert mapping.positions["quantity"] == 6
    assert mapping.ignored == ["Officer comments"]


def test_map_headers_missing_required_one_error_per_field() -> None:
    headers = ["organisation_id", "organisation_name", "sector", "period_start", "period_end"]
    with pytest.raises(FileRejected) as caught:
        map_headers(headers, header_row=3)
    errors = caught.value.errors
    assert [(e.row, e.column) for e in errors] == [
        (3, "measure_code"),
        (3, "quantity"),
        (3, "place_code"),
    ]
    assert '"Qty"' in errors[1].message and '"Value delivered"' in errors[1].message
    assert "row 3" in errors[1].message


# --- CSV ----------------------------------------------------------------------------


def test_csv_rows_values_and_shape() -> None:
    data = crlf(
        HEADER + ",contract_ref,evidence",
        ROW_A + ',MCC-1,"  Local jobs, on site  "',
        ROW_B + ",,NA",
    )
    parsed = read("q1.csv", data)
    assert parsed.file_format == "csv"
    assert parsed.table.column_names == [
        "source_row",
        "organisation_id",
        "organisation_name",
        "sector",
        "period_start",
        "period_end",
        "measure_code",
        "quantity",
        "place_code",
        "contract_ref",
        "evidence",
    ]
    assert parsed.table.schema.field("source_row").type == pa.int64()
    assert parsed.table.schema.field("quantity").type == pa.string()
    assert rows(parsed) == [2, 3]
    assert column(parsed, "quantity") == ["3.5", "120"]
    assert column(parsed, "contract_ref") == ["MCC-1", None]
    # Surrounding spaces go; "NA" is text like any other, not a null marker.
    assert column(parsed, "evidence") == ["Local jobs, on site", "NA"]
    assert parsed.header_columns["contract_ref"] == "contract_ref"
    assert parsed.ignored_columns == []


def test_csv_blank_lines_keep_their_numbers() -> None:
    data = crlf(HEADER, ROW_A, "", ROW_B, "   ", ",,,,,,,", ROW_C, "", "")
    parsed = read("q1.csv", data)
    assert rows(parsed) == [2, 4, 7]
    assert column(parsed, "organisation_name") == [
        "Acme Ltd",
        "Ancoats Trust",
        "Manchester City Council",
    ]


def test_csv_quoted_line_break_is_one_row() -> None:
    multi_line = ROW_B.replace("Ancoats Trust", '"Ancoats\nCommunity Trust"')
    parsed = read("q1.csv", crlf(HEADER, ROW_A, multi_line, ROW_C))
    assert rows(parsed) == [2, 3, 4]
    assert column(parsed, "organisation_name")[1] == "Ancoats\nCommunity Trust"


def test_csv_blank_lines_above_the_header_count() -> None:
    parsed = read("q1.csv", crlf("", "", HEADER, ROW_A, ROW_B))
    assert rows(parsed) == [4, 5]


def test_csv_utf8_bom_is_not_part_of_the_first_header() -> None:
    parsed = read("q1.csv", b"\xef\xbb\xbf" + crlf(HEADER, ROW_A))
    assert parsed.header_columns["organisation_id"] == "organisation_id"
    assert column(parsed, "organisation_id") == ["GB-COH-01234567"]


def test_csv_windows_1252_pound_sign() -> None:
    data = (
        HEADER.encode()
        + b",evidence\r\n"
        + b'GB-1,Caf\xe9 Nord,private,2025-04-01,2025-06-30,NT18,"\xa31,250.00",E08000003,'
        + b"Donated \xa3500\r\n"
    )
    parsed = read("q3.csv", data)
    assert column(parsed, "quantity") == ["£1,250.00"]
    assert column(parsed, "organisation_name") == ["Café Nord"]
    assert column(parsed, "evidence") == ["Donated £500"]


def test_csv_utf16_with_bom() -> None:
    text = "\r\n".join([HEADER.replace(",", "\t"), ROW_A.replace(",", "\t")]) + "\r\n"
    parsed = read("q1.tsv", b"\xff\xfe" + text.encode("utf-16-le"))
    assert column(parsed, "organisation_id") == ["GB-COH-01234567"]


def test_csv_semicolon_delimiter_with_commas_in_values() -> None:
    data = crlf(
        HEADER.replace(",", ";"),
        "GB-1;Acme, Ltd;private;01/04/2025;30/06/2025;NT18;1,250.00;E08000003",
    )
    parsed = read("q3.csv", data)
    assert column(parsed, "organisation_name") == ["Acme, Ltd"]
    assert column(parsed, "quantity") == ["1,250.00"]
    assert column(parsed, "period_start") == ["01/04/2025"]


@pytest.mark.parametrize("name", ["q1.tsv", "q1.csv", "Q1.CSV"])
def test_csv_tab_delimiter(name: str) -> None:
    data = crlf(HEADER.replace(",", "\t"), ROW_A.replace(",", "\t"), ROW_B.replace(",", "\t"))
    parsed = read(name, data)
    assert rows(parsed) == [2, 3]
    assert column(parsed, "measure_code") == ["NT1", "NT24"]


def test_csv_synonyms_and_ignored_columns() -> None:
    data = crlf(
        "Org ID,Supplier name,Sector type,Period from,Period to,Measure,Value delivered,"
        "Local authority code,Contract ID,Unit of measure,Framework version,Story,"
        "Officer comments,",
        "GB-1,Acme,private,2025-04-01,2025-06-30,NT1,2,E08000003,C-1,people FTE,"
        "svw-illustrative-2026,Hired locally,checked,stray",
    )
    parsed = read("q1.csv", data)
    assert parsed.header_columns == {
        "organisation_id": "Org ID",
        "organisation_name": "Supplier name",
        "sector": "Sector type",
        "period_start": "Period from",
        "period_end": "Period to",
        "measure_code": "Measure",
        "quantity": "Value delivered",
        "place_code": "Local authority code",
        "contract_ref": "Contract ID",
        "unit": "Unit of measure",
        "framework": "Framework version",
        "evidence": "Story",
    }
    assert parsed.ignored_columns == ["Officer comments", "(column N has values but no header)"]
    assert column(parsed, "framework") == ["svw-illustrative-2026"]


def test_csv_us_spelling() -> None:
    data = crlf(
        "Organization ID,Organization name,sector,Start date,End date,TOMs ref,Amount,Place",
        ROW_A,
    )
    parsed = read("q1.csv", data)
    assert parsed.header_columns["organisation_id"] == "Organization ID"
    assert parsed.header_columns["organisation_name"] == "Organization name"


def test_csv_absent_optional_fields_are_omitted() -> None:
    parsed = read("q1.csv", crlf(HEADER, ROW_A))
    assert "evidence" not in parsed.table.column_names
    assert "contract_ref" not in parsed.header_columns


def test_csv_missing_required_column() -> None:
    header = HEADER.replace(",place_code", "")
    row = ROW_A.replace(",E08000003", "")
    errors = rejection("q1.csv", crlf(header, row)).errors
    assert len(errors) == 1
    assert (errors[0].row, errors[0].column) == (1, "place_code")
    assert '"LAD code"' in errors[0].message


def test_csv_two_headers_for_one_field() -> None:
    errors = rejection("q1.csv", crlf(HEADER + ",Qty", ROW_A + ",4")).errors
    assert len(errors) == 1
    assert (errors[0].row, errors[0].column) == (1, "quantity")
    assert '"quantity" (column G) and "Qty" (column I) both mean quantity' in errors[0].message


def test_csv_ragged_row_is_named() -> None:
    errors = rejection("q1.csv", crlf(HEADER, ROW_A, "", "GB-1,Acme,private", ROW_B)).errors
    assert [(e.row, e.column) for e in errors] == [(4, None)]
    assert "Row 4" in errors[0].message


def test_csv_one_column_header_hints_at_the_delimiter() -> None:
    errors = rejection("q1.csv", crlf(HEADER.replace(",", "|"), ROW_A.replace(",", "|"))).errors
    assert "single column" in errors[0].message


@pytest.mark.parametrize(
    "data", [b"", b"   \r\n\r\n", b"\xef\xbb\xbf", b"\xef\xbb\xbf\r\n  \r\n"], ids=repr
)
def test_csv_empty_file(data: bytes) -> None:
    errors = rejection("q1.csv", data).errors
    assert len(errors) == 1
    assert errors[0].row is None and errors[0].column is None
    assert "empty" in errors[0].message


def test_csv_header_only() -> None:
    errors = rejection("q1.csv", crlf(HEADER, "", "")).errors
    assert len(errors) == 1
    assert "no data rows" in errors[0].message


def test_csv_undecodable_bytes() -> None:
    # 0x81 is undefined in Windows-1252, and not UTF-8 either.
    errors = rejection("q1.csv", crlf(HEADER, ROW_A) + b"GB-2,Bad \x81 name\r\n").errors
    assert errors[0].row == 3
    assert "UTF-8" in errors[0].message


def test_workbook_saved_with_csv_name() -> None:
    errors = rejection("q1.csv", _xlsx_bytes([[HEADER], [ROW_A]])).errors
    assert ".xlsx" in errors[0].message


@pytest.mark.parametrize("name", ["q1.ods", "q1", "q1.csv.gz"])
def test_unknown_extension(name: str) -> None:
    errors = rejection(name, crlf(HEADER, ROW_A)).errors
    assert len(errors) == 1
    message = errors[0].message
    for accepted in (".csv", ".tsv", ".txt", ".xlsx", ".json", ".parquet"):
        assert accepted in message


def test_old_excel_format() -> None:
    errors = rejection("q1.xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 100).errors
    assert ".xlsx" in errors[0].message and "Save As" in errors[0].message


def test_too_big() -> None:
    data = crlf(HEADER, ROW_A)
    errors = rejection("q1.csv", data, max_bytes=100).errors
    assert len(errors) == 1 and errors[0].row is None
    assert "100 bytes" in errors[0].message
    assert read("q1.csv", data, max_bytes=len(data)).table.num_rows == 1


def test_csv_million_lines_all_read() -> None:
    # Speed is measured by `make bench` (docs/benchmarks.md), not asserted here.
    body = (ROW_A + ',"Local spend, with a comma"\n').encode() * 1_000_000
    data = (HEADER + ",evidence\n").encode() + body
    parsed = read("big.csv", data, max_bytes=500 * MB)
    assert parsed.table.num_rows == 1_000_000
    assert parsed.table.column("evidence").null_count == 0
    sample = parsed.table.take([0, 499_999, 999_999]).to_pylist()
    assert [record["source_row"] for record in sample] == [2, 500_001, 1_000_001]
    for record in sample:
        assert record["organisation_id"] == "GB-COH-01234567"
        assert record["quantity"] == "3.5"
        assert record["evidence"] == "Local spend, with a comma"


# --- XLSX ---------------------------------------------------------------------------


def _xlsx_bytes(sheet_rows: list[list[object]], start_row: int = 1) -> bytes:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    for offset, values in enumerate(sheet_rows):
        for position, value in enumerate(values, start=1):
            if value is not None:
                sheet.cell(row=start_row + offset, column=position, value=value)
    other = workbook.create_sheet("Other")
    other["A1"] = "not read"
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def test_xlsx_row_numbers_dates_and_numbers() -> None:
    april, june = datetime.date(2025, 4, 1), datetime.date(2025, 6, 30)
    data = _xlsx_bytes(
        [
            XLSX_HEADER,
            ["GB-1", "Acme", "private", april, june, "NT1", 12.0, "E08000003", "  jobs  "],
            [],
            ["GB-2", "Bede", "third", april, june, "NT24", 12.5, "E08000021", None],
            ["GB-3", "Cole", "public", "01/04/2025", june, "NT18", 0.1 + 0.2, "E08000035", 7],
            [
                "GB-4",
                "Dunn",
                "public",
                datetime.datetime(2025, 4, 1, 9, 30),
                june,
                "NT9",
                40,
                1,
                True,
            ],
        ],
        start_row=3,
    )
    parsed = read("q2.xlsx", data)
    assert parsed.file_format == "xlsx"
    assert rows(parsed) == [4, 6, 7, 8]
    assert column(parsed, "period_start") == [
        "2025-04-01",
        "2025-04-01",
        "01/04/2025",
        "2025-04-01 09:30:00",
    ]
    assert column(parsed, "period_end") == ["2025-06-30"] * 4
    assert column(parsed, "quantity") == ["12", "12.5", "0.3", "40"]
    assert column(parsed, "place_code") == ["E08000003", "E08000021", "E08000035", "1"]
    assert column(parsed, "evidence") == ["jobs", None, "7", "TRUE"]
    assert parsed.header_columns["measure_code"] == "TOMs ref"


def test_xlsx_stray_values_without_header_are_reported() -> None:
    header = [*XLSX_HEADER, "Officer comments"]
    data = _xlsx_bytes(
        [
            header,
            ["GB-1", "Acme", "private", "2025-04-01", "2025-06-30", "NT1", 1, "E08000003"],
            [
                "GB-2",
                "Bede",
                "third",
                "2025-04-01",
                "2025-06-30",
                "NT1",
                2,
                "E08000003",
                None,
                "ok",
                None,
                "stray",
            ],
        ]
    )
    parsed = read("q2.xlsx", data)
    assert parsed.ignored_columns == ["Officer comments", "(column L has values but no header)"]


def test_xlsx_header_only() -> None:
    errors = rejection("q2.xlsx", _xlsx_bytes([XLSX_HEADER])).errors
    assert "no data rows" in errors[0].message


def test_xlsx_empty_first_sheet() -> None:
    errors = rejection("q2.xlsx", _xlsx_bytes([])).errors
    assert "empty" in errors[0].message


def test_xlsx_missing_column_names_the_header_row() -> None:
    errors = rejection("q2.xlsx", _xlsx_bytes([XLSX_HEADER[:-2]], start_row=2)).errors
    assert [(e.row, e.column) for e in errors] == [(2, "place_code")]


def test_xlsx_corrupt() -> None:
    good = _xlsx_bytes([XLSX_HEADER, ["GB-1"]])
    for damaged in (b"PK\x03\x04 not really a zip", good[: len(good) // 2], b"hello"):
        errors = rejection("q2.xlsx", damaged).errors
        assert len(errors) == 1 and errors[0].row is None
        assert "Excel workbook" in errors[0].message


def test_xlsx_damaged_sheet_xml() -> None:
    good = _xlsx_bytes([XLSX_HEADER, ["GB-1"]])
    damaged = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(good)) as source, zipfile.ZipFile(damaged, "w") as target:
        for entry in source.infolist():
            content = source.read(entry.filename)
            if entry.filename == "xl/worksheets/sheet1.xml":
                content = content[: len(content) // 2]
            target.writestr(entry, content)
    with pytest.raises(FileRejected):
        read("q2.xlsx", damaged.getvalue())


def test_xlsx_old_binary_format_renamed() -> None:
    errors = rejection("q2.xlsx", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 100).errors
    assert "Save As" in errors[0].message


# --- JSON ---------------------------------------------------------------------------


def _json_record(**changes: object) -> dict[str, object]:
    record: dict[str, object] = {
        "organisation_id": "GB-1",
        "organisation_name": "Acme",
        "sector": "private",
        "period_start": "2025-04-01",
        "period_end": "2025-06-30",
        "measure_code": "NT1",
        "quantity": 3,
        "place_code": "E08000003",
    }
    record.update(changes)
    return record


def test_json_rows_numbers_and_nesting() -> None:
    data = (
        b"[\n"
        + json.dumps(_json_record(quantity=12)).encode()
        + b",\n"
        + json.dumps(_json_record(quantity=12.5, Notes="  told  ")).encode()
        + b",\n{},\n"
        + json.dumps(_json_record(quantity={"a": 1.5}, place_code=None, Extra=True)).encode()
        + b",\n"
        + json.dumps(_json_record(quantity="1,250", sector=False)).encode()
        + b"\n]"
    )
    parsed = read("q4.json", data)
    assert parsed.file_format == "json"
    assert rows(parsed) == [1, 2, 4, 5]
    assert column(parsed, "quantity") == ["12", "12.5", '{"a": 1.5}', "1,250"]
    assert column(parsed, "place_code") == ["E08000003", "E08000003", None, "E08000003"]
    assert column(parsed, "evidence") == [None, "told", None, None]
    assert column(parsed, "sector") == ["private", "private", "private", "false"]
    assert parsed.header_columns["evidence"] == "Notes"
    assert parsed.ignored_columns == ["Extra"]


def test_json_number_text_is_kept_as_written() -> None:
    data = b"\xef\xbb\xbf[" + json.dumps(_json_record()).encode().replace(b"3", b"1.50e2") + b"]"
    assert column(read("q4.json", data), "quantity") == ["1.50e2"]


def test_json_top_level_must_be_an_array() -> None:
    errors = rejection("q4.json", json.dumps({"rows": [_json_record()]}).encode()).errors
    assert len(errors) == 1 and errors[0].row is None
    assert "array of objects" in errors[0].message


def test_json_non_object_element_named_by_index() -> None:
    data = json.dumps([_json_record(), [1, 2], _json_record(), "x"]).encode()
    errors = rejection("q4.json", data).errors
    assert [(e.row, e.column) for e in errors] == [(2, None), (4, None)]


def test_json_invalid_syntax() -> None:
    errors = rejection("q4.json", b'[\n  {"organisation_id": "GB-1",}\n]').errors
    assert errors[0].row is None
    assert "line 2" in errors[0].message


def test_json_empty_array_and_missing_keys() -> None:
    assert "empty" in rejection("q4.json", b"[]").errors[0].message
    record = _json_record()
    del record["quantity"]
    errors = rejection("q4.json", json.dumps([record]).encode()).errors
    assert [(e.row, e.column) for e in errors] == [(None, "quantity")]


# --- Parquet ------------------------------------------------------------------------


def _parquet_bytes(table: pa.Table) -> bytes:
    buffer = io.BytesIO()
    pq.write_table(table, buffer)
    return buffer.getvalue()


def test_parquet_rows_and_types_as_text() -> None:
    table = pa.table(
        {
            "organisation_id": ["GB-1", "GB-2", None, "GB-4"],
            "Organisation name": pa.array(["Acme", "Bede", None, "Dunn"]).dictionary_encode(),
            "sector": ["private", "third", None, "public"],
            "period_start": pa.array(
                [datetime.date(2025, 4, 1), datetime.date(2025, 7, 1), None, None], pa.date32()
            ),
            "period_end": pa.array(
                [
                    datetime.datetime(2025, 6, 30),
                    datetime.datetime(2025, 9, 30, 17, 0),
                    None,
                    datetime.datetime(2025, 12, 31),
                ],
                pa.timestamp("us"),
            ),
            "measure_code": ["NT1", "NT24", None, "NT9"],
            "quantity": pa.array([12.0, 12.5, None, 7.0], pa.float64()),
            "place_code": ["E08000003", "E08000021", None, " E08000035 "],
            "contract_ref": pa.array([1, None, None, 3], pa.int64()),
        }
    )
    parsed = read("q2.parquet", _parquet_bytes(table))
    assert parsed.file_format == "parquet"
    assert rows(parsed) == [1, 2, 4]
    assert column(parsed, "organisation_name") == ["Acme", "Bede", "Dunn"]
    assert column(parsed, "period_start") == ["2025-04-01", "2025-07-01", None]
    assert column(parsed, "period_end") == ["2025-06-30", "2025-09-30 17:00:00", "2025-12-31"]
    assert column(parsed, "quantity") == ["12", "12.5", "7"]
    assert column(parsed, "place_code") == ["E08000003", "E08000021", "E08000035"]
    assert column(parsed, "contract_ref") == ["1", None, "3"]


def test_parquet_nested_values_become_json_text() -> None:
    table = pa.table(
        {
            **{field: ["x"] for field in HEADER.split(",") if field != "quantity"},
            "quantity": pa.array([[1, 2]], pa.list_(pa.int64())),
        }
    )
    assert column(read("q2.parquet", _parquet_bytes(table)), "quantity") == ["[1, 2]"]


def test_parquet_corrupt() -> None:
    good = _parquet_bytes(pa.table({"organisation_id": ["GB-1"]}))
    for damaged in (b"PAR1 not parquet", good[:-12], b"hello world"):
        errors = rejection("q2.parquet", damaged).errors
        assert len(errors) == 1 and errors[0].row is None
        assert "Parquet" in errors[0].message


def test_parquet_zero_rows_is_header_only() -> None:
    empty = pa.table({field: pa.array([], pa.string()) for field in HEADER.split(",")})
    assert "no data rows" in rejection("q2.parquet", _parquet_bytes(empty)).errors[0].message


# --- the guide agrees with the code -------------------------------------------------


def _guide_part(kind: str) -> list[str]:
    """The lines of the guide about one kind of return: delivery (format v1) first, then
    "# Commitment returns"."""
    delivery, commitments = DOCS.read_text(encoding="utf-8").split("\n# Commitment returns\n")
    return (delivery if kind == DELIVERY.kind else commitments).splitlines()


@pytest.mark.parametrize("fields", [DELIVERY, COMMITMENTS], ids=lambda fields: fields.kind)
def test_format_guide_lists_every_synonym(fields: FieldTable) -> None:
    guide = _guide_part(fields.kind)
    for field in fields.fields:
        # The synonym table has two cells per row; the fields table has more.
        synonym_rows = [
            row for row in guide if re.fullmatch(rf"\| `{field.name}` \| [^|]+ \|", row)
        ]
        assert len(synonym_rows) == 1, field.name
        listed = [text.strip() for text in synonym_rows[0].split("|")[2].split(",")]
        assert listed == list(field.synonyms), field.name


@pytest.mark.parametrize("fields", [DELIVERY, COMMITMENTS], ids=lambda fields: fields.kind)
def test_format_guide_lists_every_field_in_order_with_its_requirement(fields: FieldTable) -> None:
    guide = _guide_part(fields.kind)
    # The fields table: | `name` | yes/no | meaning | accepted values | example |
    listed = [
        (cells[1].strip().strip("`"), cells[2].strip())
        for cells in (row.split("|") for row in guide)
        if len(cells) == 7 and cells[2].strip() in ("yes", "no")
    ]
    assert listed == [(f.name, "yes" if f.required else "no") for f in fields.fields]


def test_format_guide_examples_read() -> None:
    guide = DOCS.read_text(encoding="utf-8")
    examples = dict(re.findall(r"```(csv|json)\n(.*?)```", guide, flags=re.DOTALL))
    from_csv = read("example.csv", examples["csv"].encode())
    from_json = read("example.json", examples["json"].encode())
    assert rows(from_csv) == [2, 3, 4]
    assert rows(from_json) == [1, 2]
    assert column(from_csv, "quantity") == ["3.5", "£12,500.00", "120"]
    assert column(from_json, "quantity") == ["3.5", "12500"]


def _guide_file_formats() -> list[list[str]]:
    """The extensions in each row of the guide's "File formats" table, row by row."""
    guide, heading = DOCS.read_text(encoding="utf-8"), "\n## File formats\n"
    assert heading in guide, 'the guide has no "## File formats" section'
    table = re.match(r"\s*((?:\|.*\|\n)+)", guide.split(heading, 1)[1])
    assert table, 'no table right under "## File formats"'
    body = table.group(1).splitlines()[2:]  # below the header row and the |---| row
    return [re.findall(r"`(\.[^`]+)`", line.split("|")[2]) for line in body]


def test_format_guide_lists_every_readable_extension() -> None:
    # One table row per format, in the order the refusal message lists the extensions.
    assert _guide_file_formats() == [list(file_format.extensions) for file_format in FORMATS]


# --- where the data is ------------------------------------------------------------------

ROW_VALUES: list[object] = [
    "GB-1",
    "Acme",
    "private",
    "2025-04-01",
    "2025-06-30",
    "NT1",
    3,
    "E08000003",
]


def _workbook(*sheets: tuple[str, list[tuple[int, list[object]]]]) -> openpyxl.Workbook:
    """A workbook with the given sheets: (title, [(row number, values), ...])."""
    workbook = openpyxl.Workbook()
    workbook.remove(workbook.active)
    for title, sheet_rows in sheets:
        sheet = workbook.create_sheet(title)
        for row_number, row_values in sheet_rows:
            for position, value in enumerate(row_values, start=1):
                if value is not None:
                    sheet.cell(row=row_number, column=position, value=value)
    return workbook


def _saved(workbook: openpyxl.Workbook) -> bytes:
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


DATA_ROWS = [(1, HEADER.split(",")), (2, ROW_VALUES), (3, ROW_VALUES)]
COVER = [(1, ["Social value return, Q1 2025"]), (3, ["Prepared by", "Acme Ltd"])]
MEASURES = [(1, ["Illustrative values"]), (3, ["edition", "measure_code", "unit", "theme"])]


def test_xlsx_return_sheet_is_read_wherever_it_is() -> None:
    data = _saved(_workbook(("Cover", COVER), ("Measures", MEASURES), ("Return", DATA_ROWS)))
    parsed = read("q1.xlsx", data)
    assert (parsed.where.sheet, parsed.where.header_row) == ("Return", 1)
    assert rows(parsed) == [2, 3]


def test_xlsx_without_a_return_sheet_the_first_visible_sheet_with_the_header() -> None:
    # The template's Measures sheet moved first names two fields; the data sheet names
    # all eight and wins.
    workbook = _workbook(
        ("Lists", [(1, HEADER.split(",")), (2, ROW_VALUES)]),
        ("Measures", MEASURES),
        ("Cover", COVER),
        ("Q1 data", [(4, HEADER.split(",")), (5, ROW_VALUES)]),
    )
    workbook["Lists"].sheet_state = "hidden"
    parsed = read("q1.xlsx", _saved(workbook))
    assert (parsed.where.sheet, parsed.where.header_row) == ("Q1 data", 4)
    assert rows(parsed) == [5]
    assert parsed.where.column_letters[6] == ("quantity", "G")


def test_xlsx_header_below_a_merged_title_and_a_blank_row() -> None:
    workbook = _workbook(
        (
            "Sheet1",
            [
                (1, ["Acme Ltd social value return 2025-26"]),
                *[(row + 2, values) for row, values in DATA_ROWS],
            ],
        )
    )
    workbook["Sheet1"].merge_cells("A1:H1")
    parsed = read("q1.xlsx", _saved(workbook))
    assert (parsed.where.sheet, parsed.where.header_row) == ("Sheet1", 3)
    assert rows(parsed) == [4, 5]
    assert column(parsed, "organisation_id") == ["GB-1", "GB-1"]


def test_xlsx_missing_column_names_the_sheet_and_row_read() -> None:
    header = [*HEADER.split(",")[:7], "Officer comments"]
    data = _saved(_workbook(("Cover", COVER), ("Return", [(2, ["Title"]), (4, header)])))
    caught = rejection("q1.xlsx", data)
    assert [(e.row, e.column) for e in caught.errors] == [(4, "place_code")]
    assert caught.errors[0].message.startswith(
        'Required column "place_code" was not found in the header row (row 4 of sheet '
        '"Return"). Accepted headers: "place_code", "Place", "LAD code", '
    )
    assert (caught.where.sheet, caught.where.header_row) == ("Return", 4)


def test_xlsx_with_no_header_anywhere_says_what_the_first_rows_hold() -> None:
    data = _saved(_workbook(("Cover", COVER), ("Notes", [(2, ["See the council's guide"])])))
    caught = rejection("q1.xlsx", data)
    assert [(e.row, e.column, e.message) for e in caught.errors] == [
        (
            None,
            None,
            'No header row was found in the first 20 rows of any sheet ("Cover", "Notes"): '
            "no row has the return's column headers (organisation_id, organisation_name, "
            "sector, period_start, period_end, measure_code, quantity, place_code). The "
            'first rows hold: row 1: "Social value return, Q1 2025"; row 3: "Prepared by | '
            'Acme Ltd". Put one row with these headers above the data, then one row per '
            "measure.",
        )
    ]
    assert caught.where.sheet == "Cover"


def test_xlsx_formula_without_a_saved_result_is_named_at_its_cell() -> None:
    # openpyxl, like some exporters, saves formulas without calculating them.
    formula_row = [*ROW_VALUES[:6], "=2*3", ROW_VALUES[7]]
    data = _saved(_workbook(("Return", [*DATA_ROWS, (7, formula_row)])))
    caught = rejection("q1.xlsx", data)
    assert [(e.row, e.column, e.message) for e in caught.errors] == [
        (
            7,
            "quantity",
            "Cell G7 holds a formula that was never calculated, so the file has no value "
            "for quantity there. Open the file in Excel, check the cell shows the right "
            "value, save it and send it again (Excel saves each formula's result; some "
            "other programs do not).",
        )
    ]
    assert (caught.where.sheet, caught.where.header_row) == ("Return", 1)


def test_xlsx_formula_with_its_saved_result_is_read_as_the_result() -> None:
    workbook = _workbook(("Return", DATA_ROWS))
    workbook["Return"]["G2"] = '=IF(1=1,"","x")'
    workbook["Return"]["G3"] = "=1+2"
    saved = _saved(workbook)
    # Put the results Excel would have saved beside the formulas: an empty text, and 4.
    patched = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(saved)) as source, zipfile.ZipFile(patched, "w") as target:
        for entry in source.infolist():
            content = source.read(entry.filename)
            if entry.filename == "xl/worksheets/sheet1.xml":
                assert content.count(b"<v />") == 2
                content = content.replace(b"<v />", b"<v></v>", 1).replace(b"<v />", b"<v>4</v>")
                content = content.replace(b'<c r="G2">', b'<c r="G2" t="str">')
            target.writestr(entry, content)
    assert column(read("q1.xlsx", patched.getvalue()), "quantity") == [None, "4"]


def test_xlsx_date_and_time_cells_read_as_the_sender_sees_them() -> None:
    morning = datetime.datetime(2025, 4, 1, 9, 30)
    workbook = _workbook(("Return", [*DATA_ROWS, (4, ROW_VALUES)]))
    sheet = workbook["Return"]
    sheet["D2"], sheet["D3"], sheet["D4"] = morning, morning, 45748
    sheet["D2"].number_format = "dd/mm/yyyy"  # the time is there but Excel hides it
    sheet["D3"].number_format = "dd/mm/yyyy hh:mm"  # Excel shows the time
    sheet["D4"].number_format = "General"  # a date serial shown as a number
    parsed = read("q1.xlsx", _saved(workbook))
    assert column(parsed, "period_start") == ["2025-04-01", "2025-04-01 09:30:00", "45748"]


def test_csv_header_below_title_lines() -> None:
    data = crlf("Acme Ltd social value return,,,,,,,", "", "Q1 2025-26", HEADER, ROW_A, ROW_B)
    parsed = read("q1.csv", data)
    assert (parsed.where.sheet, parsed.where.header_row) == (None, 4)
    assert rows(parsed) == [5, 6]
    assert dict(parsed.where.column_letters)["place_code"] == "H"


def test_csv_with_no_header_says_what_the_first_rows_hold() -> None:
    data = crlf("Acme Ltd return", "GB-1,Acme,private", "GB-2,Bede,third")
    errors = rejection("q1.csv", data).errors
    assert [e.message for e in errors] == [
        "No header row was found in the first 20 rows of the file: no row has the return's "
        "column headers (organisation_id, organisation_name, sector, period_start, "
        "period_end, measure_code, quantity, place_code). The first rows hold: row 1: "
        '"Acme Ltd return"; row 2: "GB-1 | Acme | private"; row 3: "GB-2 | Bede | third". '
        "Put one row with these headers above the data, then one row per measure."
    ]


def test_unicode_text_saved_as_txt_is_read() -> None:
    # Excel's "Unicode Text": UTF-16LE with a BOM, tab-separated, named .txt.
    text = "\r\n".join([HEADER.replace(",", "\t"), ROW_A.replace(",", "\t")]) + "\r\n"
    parsed = read("q1.txt", b"\xff\xfe" + text.encode("utf-16-le"))
    assert column(parsed, "organisation_name") == ["Acme Ltd"]
    assert rows(parsed) == [2]


@pytest.mark.parametrize("encoding", ["utf-16-le", "utf-16-be"])
def test_utf16_without_a_bom_is_detected(encoding: str) -> None:
    text = "\r\n".join(["Return £", HEADER, ROW_A.replace("Acme Ltd", "Café £ Ltd")]) + "\r\n"
    parsed = read("q1.csv", text.encode(encoding))
    assert column(parsed, "organisation_name") == ["Café £ Ltd"]
    assert rows(parsed) == [3]
    assert "\x00" not in "".join(parsed.table.column("organisation_id").to_pylist())


def test_xlsx_template_with_its_measures_sheet_moved_first() -> None:
    from ingest.template import xlsx_template

    workbook = openpyxl.load_workbook(io.BytesIO(xlsx_template()))
    workbook.move_sheet("Measures", offset=-2)
    workbook["Return"].append(ROW_VALUES)
    assert workbook.sheetnames == ["Measures", "Return", "Instructions", "Places"]
    parsed = read("q1.xlsx", _saved(workbook))
    assert (parsed.where.sheet, parsed.where.header_row, rows(parsed)) == ("Return", 1, [2])


def test_xlsx_values_merged_down_rows_and_uncalculated_formulas_named_at_each_cell() -> None:
    data_rows = [(row, ROW_VALUES) for row in range(5, 8)]
    workbook = _workbook(("Return", [(4, HEADER.split(",")), *data_rows]))
    sheet = workbook["Return"]
    sheet.merge_cells("B5:B7")  # "Acme" shown once for three rows
    sheet["G6"] = "=E6*2"
    sheet.merge_cells("A1:H1")  # a merged title above the header is fine
    sheet["A1"] = "Acme return"
    caught = rejection("q1.xlsx", _saved(workbook))
    merged = (
        "is part of the merged cells B5:B7, so it holds no value of its own: only B5 holds "
        "organisation_name. Unmerge the cells (Home > Merge & Center) and fill in the value "
        "on every row."
    )
    assert [(e.row, e.column, e.message) for e in caught.errors] == [
        (6, "organisation_name", f"Cell B6 {merged}"),
        (
            6,
            "quantity",
            "Cell G6 holds a formula that was never calculated, so the file has no value for "
            "quantity there. Open the file in Excel, check the cell shows the right value, "
            "save it and send it again (Excel saves each formula's result; some other "
            "programs do not).",
        ),
        (7, "organisation_name", f"Cell B7 {merged}"),
    ]
    assert (caught.total, caught.where.sheet, caught.where.header_row) == (3, "Return", 4)
