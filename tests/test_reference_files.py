"""The reference readers (ingest/reference_files) and the seeds made from them.

Two kinds of test. Against the real publications in ../shared/reference (never
committed; skipped with the reason where the folder is absent, as in a CI clone), the
figures checked are the published ones or were read from the files by hand. Against
small files written here, sums are worked by hand, and each bad file's rejection must
name the row, the column and what to fix.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from pathlib import Path

import openpyxl
import pyarrow as pa
import pytest

from configuration import DBT_PROJECT_DIR, PLACES_SEED, PROJECT_ROOT
from expectations.errors import FileRejected, ReturnError
from ingest.reference_files import read_deprivation, read_geography, read_population
from scripts.generate_reference_seeds import build_seeds

REFERENCE = PROJECT_ROOT.parent / "shared" / "reference"
real_files = pytest.mark.skipif(
    not REFERENCE.is_dir(),
    reason=f"the official reference files are not at {REFERENCE} (they are never committed)",
)
MYE22 = "population/mye22final.xlsx"
MYE21 = "population/ukpopestimatesmid2021on2021geographyfinal.xls"
IOD2019 = "deprivation/File_10_-_IoD2019_Local_Authority_District_Summaries__lower-tier__.xlsx"
IOD2025 = "deprivation/imd2025_england_ltla24.csv"

Reader = Callable[[str, bytes], pa.Table]


def _read(reader: Reader, relative: str) -> pa.Table:
    path = REFERENCE / relative
    return reader(path.name, path.read_bytes())


def _by_code(table: pa.Table) -> dict[str, dict[str, object]]:
    return {row["place_code"]: row for row in table.to_pylist()}


def _xlsx(sheets: dict[str, list[list[object]]]) -> bytes:
    workbook = openpyxl.Workbook()
    workbook.remove(workbook.active)
    for title, rows in sheets.items():
        sheet = workbook.create_sheet(title)
        for row in rows:
            sheet.append(row)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def _csv(text: str) -> bytes:
    return text.encode("utf-8")


def _rejection(reader: Reader, name: str, data: bytes) -> list[ReturnError]:
    with pytest.raises(FileRejected) as caught:
        reader(name, data)
    return caught.value.errors


# --- the real publications ------------------------------------------------------------


@real_files
def test_committed_seeds_equal_a_fresh_generator_run() -> None:
    for name, text in build_seeds(REFERENCE).items():
        committed = (DBT_PROJECT_DIR / "seeds" / name).read_text(encoding="utf-8")
        assert committed == text, f"{name} is stale: run scripts/generate_reference_seeds.py"


@real_files
def test_geography_has_361_current_districts_and_their_successors() -> None:
    districts = _by_code(_read(read_geography, "geography/la_all_codes.csv"))
    assert len(districts) == 415
    current = {code for code, row in districts.items() if row["is_current"]}
    assert len(current) == 361
    # April 2023: Allerdale became part of Cumberland; Barnsley got a new code.
    assert districts["E07000026"]["current_place_code"] == "E06000063"
    assert districts["E08000016"]["current_place_code"] == "E08000038"
    assert all(districts[code]["current_place_code"] == code for code in current)
    assert districts["W06000015"]["region_code"] is None
    assert districts["W06000015"]["country_name"] == "Wales"


@real_files
def test_places_seed_is_every_current_district_as_ons_lists_it() -> None:
    """Compared with the ONS list read by the csv module, not by the reader under test."""
    with (REFERENCE / "geography" / "la_all_codes.csv").open(encoding="utf-8-sig") as f:
        official = {row["LADCD"]: row for row in csv.DictReader(f) if row["Current"] == "TRUE"}
    with Path(PLACES_SEED).open(newline="", encoding="utf-8") as f:
        places = list(csv.DictReader(f))
    assert [place["place_code"] for place in places] == sorted(official)
    for place in places:
        district = official[place["place_code"]]
        for seed_column, ons_column in (
            ("place_name", "LADNM"),
            ("utla_code", "UTLACD"),
            ("combined_authority_code", "CAUTHCD"),
            ("region_code", "RGNCD"),
            ("region_name", "RGNNM"),
            ("country_code", "CTRYCD"),
            ("country_name", "CTRYNM"),
        ):
            assert place[seed_column] == district[ons_column], (place, seed_column)
        assert (place["region_code"] == "") == (place["country_code"] != "E92000001")


@real_files
def test_mid_2022_districts_sum_to_the_published_uk_and_england_totals() -> None:
    population = _read(read_population, MYE22)
    rows = _by_code(population)
    assert len(rows) == 361
    assert set(population.column("population_year").to_pylist()) == {2022}
    assert sum(row["population"] for row in rows.values()) == 67_596_281
    england = [row["population"] for code, row in rows.items() if code.startswith("E")]
    assert sum(england) == 57_106_398
    assert rows["E08000035"] == {
        "place_code": "E08000035",
        "place_name": "Leeds",
        "population_year": 2022,
        "population": 822_483,
    }
    assert population.schema.field("population").type == pa.int64()


@real_files
def test_mid_2022_long_myeb1_sheet_sums_to_the_same_figures() -> None:
    path = REFERENCE / MYE22
    population = read_population(path.name, path.read_bytes(), sheet="MYEB1")
    by_year: dict[int, dict[str, int]] = {}
    for row in population.to_pylist():
        by_year.setdefault(row["population_year"], {})[row["place_code"]] = row["population"]
    assert sorted(by_year) == [2011, 2022]
    assert len(by_year[2022]) == 361
    assert sum(by_year[2022].values()) == 67_596_281
    assert by_year[2022]["E08000035"] == 822_483


@real_files
def test_mid_2021_legacy_xls_is_read_exactly() -> None:
    rows = _by_code(_read(read_population, MYE21))
    assert len(rows) == 374
    assert {row["population_year"] for row in rows.values()} == {2021}
    leeds = rows["E08000035"]["population"]
    assert leeds == 809_036 and isinstance(leeds, int)  # stored as the double 809036.0
    england = [row["population"] for code, row in rows.items() if code.startswith("E")]
    assert sum(england) == 56_536_419
    assert "E07000026" in rows and "E06000063" not in rows  # 2021 districts


@real_files
def test_iod2019_file_10_ranks_as_published() -> None:
    deprivation = _read(read_deprivation, IOD2019)
    rows = _by_code(deprivation)
    assert len(rows) == 317
    assert set(deprivation.column("imd_edition").to_pylist()) == {"IoD2019"}
    # Read by hand from sheet IMD: (average score, rank of average score, proportion).
    for code, (score, rank, proportion) in {
        "E06000009": (45.039, 1, 0.4149),  # Blackpool
        "E06000002": (40.46, 5, 0.4884),  # Middlesbrough
        "E08000035": (27.301, 55, 0.2365),  # Leeds
        "E09000030": (27.913, 50, 0.0139),  # Tower Hamlets
        "E07000026": (22.938, 104, 0.1167),  # Allerdale
    }.items():
        row = rows[code]
        assert (
            row["imd_average_score"],
            row["imd_rank_of_average_score"],
            row["imd_proportion_most_deprived_10pct"],
        ) == (score, rank, proportion), code
    ranks = sorted(row["imd_rank_of_average_score"] for row in rows.values())
    assert ranks == list(range(1, 318))


@real_files
def test_iod2025_cleaned_csv() -> None:
    deprivation = _read(read_deprivation, IOD2025)
    rows = _by_code(deprivation)
    assert len(rows) == 296
    assert set(deprivation.column("imd_edition").to_pylist()) == {"IoD2025"}
    blackpool, leeds = rows["E06000009"], rows["E08000035"]
    assert (blackpool["imd_average_score"], blackpool["imd_rank_of_average_score"]) == (43.467, 1)
    assert (leeds["imd_average_score"], leeds["imd_rank_of_average_score"]) == (24.115, 86)
    assert rows["E06000002"]["imd_average_score"] == 40.037  # Middlesbrough, second


# --- population layouts, written here -------------------------------------------------

_MYE2_TITLES: list[list[object]] = [
    ["MYE2: Persons by single year of age and sex for local authorities in the UK, mid-2023"],
    ["This worksheet contains one table. "],
    [],
    ["Please choose from the links presented in the cells below:"],
    ["This met my needs, please produce it next year"],
    ["I need something slightly different (please specify)"],
    ["This is not what I need at all (please specify)"],
]
_MYE2_HEADER: list[object] = ["Code", "Name", "Geography", "All ages", "0", "1"]


def test_mye2_sheet_keeps_districts_below_the_title_rows() -> None:
    body: list[list[object]] = [
        ["K02000001", "UNITED KINGDOM", "Country", 2_000_000],
        ["E92000001", "ENGLAND", "Country", 1_500_000],
        ["E12000002", "NORTH WEST", "Region", 700_000],
        ["E10000006", "Cumbria", "County", 500_000],
        ["E07000026", "Allerdale", "Non-metropolitan District", 97_000],
        ["E11000003", "Merseyside", "Metropolitan County", 1_400_000],
        ["E08000035", "Leeds", "Metropolitan District", 822_483.0],  # a double, as in .xls
        ["E06000001", "Hartlepool", "Unitary Authority", 92_571],
        ["E09000001", "City of London", "London Borough", 8_600],
        ["S12000049", "Glasgow City", "Council Area", 622_820],
        ["N09000003", "Belfast", "Local Government District", 345_000],
        [],
        ["Source: Office for National Statistics"],
    ]
    data = _xlsx({"Contents": [["MYE2"]], "MYE2 - Persons": _MYE2_TITLES + [_MYE2_HEADER] + body})
    table = read_population("persons.xlsx", data)
    assert table.column("place_code").to_pylist() == [
        "E07000026",
        "E08000035",
        "E06000001",
        "E09000001",
        "S12000049",
        "N09000003",
    ]
    assert set(table.column("population_year").to_pylist()) == {2023}  # from the title
    assert _by_code(table)["E08000035"]["population"] == 822_483
    assert table.schema == pa.schema(
        [
            ("place_code", pa.string()),
            ("place_name", pa.string()),
            ("population_year", pa.int32()),
            ("population", pa.int64()),
        ]
    )


def test_mye2_year_from_the_file_name_when_the_title_has_none() -> None:
    rows = [
        ["Persons by local authority"],
        _MYE2_HEADER,
        ["E08000035", "Leeds", "Metropolitan District", 5],
    ]
    table = read_population("mye19final.xlsx", _xlsx({"MYE2 - Persons": rows}))
    assert table.column("population_year").to_pylist() == [2019]


def test_myeb1_long_table_sums_sex_and_age_per_district_and_year() -> None:
    data = _csv(
        "code,name,geography,sex,age,population_2011,population_2022\n"
        "E12000003,YORKSHIRE AND THE HUMBER,Region,M,0,100,110\n"
        "E08000035,Leeds,Metropolitan District,M,0,10,11\n"
        "E08000035,Leeds,Metropolitan District,M,1,20,21\n"
        "E08000035,Leeds,Metropolitan District,F,0,30,31\n"
        "E08000035,Leeds,Metropolitan District,F,1,40,41\n"
        "E06000001,Hartlepool,Unitary Authority,M,0,1,2\n"
        "E06000001,Hartlepool,Unitary Authority,F,90,3,4\n"
    )
    assert read_population("myeb1.csv", data).to_pylist() == [
        # Leeds 2011: 10 + 20 + 30 + 40; 2022: 11 + 21 + 31 + 41. The region is not kept.
        {
            "place_code": "E08000035",
            "place_name": "Leeds",
            "population_year": 2011,
            "population": 100,
        },
        {
            "place_code": "E08000035",
            "place_name": "Leeds",
            "population_year": 2022,
            "population": 104,
        },
        # Hartlepool 2011: 1 + 3; 2022: 2 + 4.
        {
            "place_code": "E06000001",
            "place_name": "Hartlepool",
            "population_year": 2011,
            "population": 4,
        },
        {
            "place_code": "E06000001",
            "place_name": "Hartlepool",
            "population_year": 2022,
            "population": 6,
        },
    ]


def test_myeb1_series_variant_keyed_by_ladcode() -> None:
    rows: list[list[object]] = [
        ["ladcode23", "laname23", "country", "sex", "age", "population_2011", "population_2012"],
        ["W06000015", "Cardiff", "W", "M", 0, 2000, 2100],
        ["W06000015", "Cardiff", "W", "F", 0, 1900, 2000],
        ["E06000063", "Cumberland", "E", "F", 45, 3000.0, 2950.0],
    ]
    table = read_population(
        "MYEB1_detailed_population_estimates_series_UK_(2023).xlsx", _xlsx({"MYEB1": rows})
    )
    assert [
        (r["place_code"], r["population_year"], r["population"]) for r in table.to_pylist()
    ] == [
        ("W06000015", 2011, 3900),  # 2000 + 1900
        ("W06000015", 2012, 4100),  # 2100 + 2000
        ("E06000063", 2011, 3000),
        ("E06000063", 2012, 2950),
    ]


def test_two_column_csv_takes_its_year_from_the_file_name_or_a_column() -> None:
    named = read_population("population_2024.csv", _csv("code,population\nE08000035,830000\n"))
    assert named.to_pylist() == [
        {
            "place_code": "E08000035",
            "place_name": None,
            "population_year": 2024,
            "population": 830_000,
        }
    ]
    in_column = read_population(
        "district_population.csv",
        _csv(
            'code,name,population,year\nE08000035,Leeds,"812,000",2020\nE08000035,Leeds,815000,2021\n'
        ),
    )
    assert [(r["population_year"], r["population"]) for r in in_column.to_pylist()] == [
        (2020, 812_000),
        (2021, 815_000),
    ]


def test_population_seed_reads_back_through_the_two_column_layout() -> None:
    seed = (DBT_PROJECT_DIR / "seeds" / "population.csv").read_bytes()
    table = read_population("population.csv", seed)
    with (DBT_PROJECT_DIR / "seeds" / "population.csv").open(newline="") as f:
        assert table.num_rows == sum(1 for _ in csv.DictReader(f))


# --- deprivation and geography layouts, written here ----------------------------------

# Three rows of the IoD 2025 cleaned CSV, in the File 10 workbook layout (IMD sheet,
# '(2024)' key headers, trailing spaces as published).
_IOD2025_ROWS = """\
E06000009,Blackpool,26536.86,1,43.467,1,0.4043,6
E06000002,Middlesbrough,23840.54,21,40.037,2,0.5,1
E07000117,Burnley,25410.62,4,38.681,3,0.4,7
"""
_FILE_10_HEADER = [
    "Local Authority District code (2024)",
    "Local Authority District name (2024)",
    "IMD - Average rank ",
    "IMD - Rank of average rank ",
    "IMD - Average score ",
    "IMD - Rank of average score ",
    "IMD - Proportion of LSOAs in most deprived 10% nationally ",
    "IMD - Rank of proportion of LSOAs in most deprived 10% nationally ",
]


def _file_10(header: list[str], rows_text: str = _IOD2025_ROWS) -> bytes:
    rows = [
        [cells[0], cells[1], *(float(cell) for cell in cells[2:])]
        for cells in csv.reader(io.StringIO(rows_text))
    ]
    return _xlsx({"Notes": [["Notes"]], "IMD": [header, *rows], "Income": [["x"]]})


def test_file_10_workbook_in_the_iod2025_layout() -> None:
    table = read_deprivation(
        "File_10_-_IoD2025_Local_Authority_District_Summaries.xlsx", _file_10(_FILE_10_HEADER)
    )
    assert table.to_pylist()[1] == {
        "imd_edition": "IoD2025",  # from '(2024)' in the key header
        "place_code": "E06000002",
        "place_name": "Middlesbrough",
        "imd_average_score": 40.037,
        "imd_rank_of_average_score": 2,
        "imd_proportion_most_deprived_10pct": 0.5,
    }
    assert table.column("imd_rank_of_average_score").to_pylist() == [1, 2, 3]


def test_lad_to_region_lookup_with_bom_and_object_id() -> None:
    data = (
        "\ufeffLAD25CD,LAD25NM,RGN25CD,RGN25NM,ObjectId\r\n"
        "E08000035,Leeds,E12000003,Yorkshire and The Humber,1\r\n"
        "W06000015,Cardiff,W92000004,Wales,2\r\n"
        "S12000049,Glasgow City,,,3\r\n"
        "N09000003,Belfast,,,4\r\n"
    ).encode()
    rows = _by_code(read_geography("LAD25_RGN25_UK_LU.csv", data))
    assert rows["E08000035"] == {
        "place_code": "E08000035",
        "place_name": "Leeds",
        "current_place_code": "E08000035",
        "is_current": True,
        "utla_code": None,
        "utla_name": None,
        "combined_authority_code": None,
        "combined_authority_name": None,
        "region_code": "E12000003",
        "region_name": "Yorkshire and The Humber",
        "country_code": "E92000001",
        "country_name": "England",
        "vintage": "LAD25",
    }
    assert (rows["W06000015"]["region_code"], rows["W06000015"]["country_name"]) == (None, "Wales")
    assert rows["S12000049"]["country_code"] == "S92000003"
    assert rows["N09000003"]["country_name"] == "Northern Ireland"


_ALL_CODES_HEADER = (
    "LADCD,LADNM,LADCD_ACTIVE,LADNM_ACTIVE,UTLACD,UTLANM,CAUTHCD,CAUTHNM,RGNCD,RGNNM,"
    "CTRYCD,CTRYNM,Current\n"
)


def _all_codes_row(
    code: str, name: str, successor: str, utla: str, utla_name: str, current: str
) -> str:
    """A North West district of England, without a combined authority."""
    return (
        f"{code},{name},{successor},Cumberland,{utla},{utla_name},,,E12000002,North West,"
        f"E92000001,England,{current}\n"
    )


def test_all_codes_layout_vintage_from_the_file_name() -> None:
    data = _csv(
        _ALL_CODES_HEADER
        + _all_codes_row("E06000063", "Cumberland", "E06000063", "E06000063", "Cumberland", "TRUE")
        + _all_codes_row("E07000026", "Allerdale", "E06000063", "E10000006", "Cumbria", "FALSE")
    )
    rows = _by_code(read_geography("lad23_codes.csv", data))
    assert rows["E07000026"]["is_current"] is False
    assert rows["E07000026"]["current_place_code"] == "E06000063"
    assert rows["E07000026"]["utla_name"] == "Cumbria"
    assert {row["vintage"] for row in rows.values()} == {"LAD23"}


# --- bad files --------------------------------------------------------------------------


def test_negative_and_fractional_populations_are_refused_at_their_sheet_rows() -> None:
    body: list[list[object]] = [
        ["E92000001", "ENGLAND", "Country", 1000],
        ["E12000002", "NORTH WEST", "Region", 600],
        ["E08000003", "Manchester", "Metropolitan District", 550_000],
        ["E08000012", "Liverpool", "Metropolitan District", -5],  # sheet row 12
        ["E06000009", "Blackpool", "Unitary Authority", 141_000.5],  # sheet row 13
    ]
    errors = _rejection(
        read_population,
        "mye23.xlsx",
        _xlsx({"MYE2 - Persons": _MYE2_TITLES + [_MYE2_HEADER] + body}),
    )
    assert [(e.row, e.column, e.value) for e in errors] == [
        (12, "All ages", "-5"),
        (13, "All ages", "141000.5"),
    ]
    assert errors[0].message.startswith("Row 12 of sheet \"MYE2 - Persons\", column 'All ages': ")
    assert "-5 is negative; expected a whole number of people, 0 or more" in errors[0].message
    assert "141000.5 is not a whole number" in errors[1].message


def test_a_repeated_district_is_refused_with_both_rows() -> None:
    data = _csv(
        "ltla24_code,ltla24_name,imd_average_score,imd_rank_of_average_score,"
        "imd_proportion_of_lso_as_in_most_deprived_10_percent_nationally\n"
        "E06000009,Blackpool,43.467,1,0.4043\n"
        "E06000002,Middlesbrough,40.037,2,0.5\n"
        "E06000009,Blackpool,43.467,3,0.4043\n"
    )
    errors = _rejection(read_deprivation, "imd2025_england_ltla24.csv", data)
    assert [(e.row, e.column, e.value) for e in errors] == [(4, "ltla24_code", "E06000009")]
    assert "E06000009 is also on row 2; each district must appear once" in errors[0].message


def test_ranks_outside_1_to_n_and_repeated_ranks_are_refused() -> None:
    rows = """\
E06000009,Blackpool,26536.86,1,43.467,1,0.4043,6
E06000002,Middlesbrough,23840.54,21,40.037,5,0.5,1
E07000117,Burnley,25410.62,4,38.681,1,0.4,7
"""
    errors = _rejection(read_deprivation, "file10.xlsx", _file_10(_FILE_10_HEADER, rows))
    assert [(e.row, e.column, e.value) for e in errors] == [
        (3, "IMD - Rank of average score", "5"),
        (4, "IMD - Rank of average score", "rank 1"),
    ]
    assert "rank 5 is outside 1 to 3 (the file has 3 districts" in errors[0].message
    assert "rank 1 is also on row 2; each rank must appear once" in errors[1].message


def test_a_score_that_is_not_a_number_is_refused() -> None:
    row = ["E06000009", "Blackpool", 26536.86, 1, "n/a", 1, 0.4043, 6]
    (error,) = _rejection(read_deprivation, "file10.xlsx", _xlsx({"IMD": [_FILE_10_HEADER, row]}))
    assert (error.row, error.column, error.value) == (2, "IMD - Average score", "n/a")
    assert "'n/a' is not a number; expected the IMD average score" in error.message


def test_a_missing_key_header_names_what_the_first_rows_hold() -> None:
    header = [h for h in _FILE_10_HEADER if h != "IMD - Rank of average score "]
    (error,) = _rejection(read_deprivation, "File_10_IoD2025.xlsx", _xlsx({"IMD": [header]}))
    assert error.row == 1
    assert error.message.startswith(
        'Row 1 of sheet "IMD" looks like the header of the IoD File 10 IMD sheet but has no '
        "'IMD - Rank of average score' column (it has: 'local authority district code (2024)'"
    )

    (error,) = _rejection(
        read_geography, "districts.csv", _csv("\nDistrict,Area code\nLeeds,E08000035\n")
    )
    assert error.row is None
    assert error.message.startswith("No header row was found in the first 30 rows of the CSV file.")
    assert "LADyyCD, LADyyNM, RGNyyCD, RGNyyNM" in error.message  # what was expected
    assert "row 2: 'district', 'area code'; row 3: 'leeds', 'e08000035'" in error.message

    (error,) = _rejection(read_population, "pop.xlsx", _xlsx({"Data": [["Area", "People"]]}))
    assert 'of sheet "Data" (the workbook\'s sheets: Data)' in error.message


def test_geography_refuses_bad_flags_codes_and_successors() -> None:
    data = _csv(
        _ALL_CODES_HEADER
        + _all_codes_row("E06000063", "Cumberland", "E06000063", "E06000063", "Cumberland", "TRUE")
        + _all_codes_row("E07000026", "Allerdale", "E06000099", "E10000006", "Cumbria", "FALSE")
        + _all_codes_row("E07000028", "Carlisle", "E06000063", "E10000006", "Cumbria", "maybe")
        + _all_codes_row("X123", "Nowhere", "E06000063", "", "", "FALSE")
    )
    errors = _rejection(read_geography, "la_all_codes.csv", data)
    assert [(e.row, e.column, e.value) for e in errors] == [
        (4, "Current", "maybe"),
        (5, "LADCD", "X123"),
        (3, "LADCD_ACTIVE", "E06000099"),
    ]
    assert "expected TRUE or FALSE" in errors[0].message
    assert "expected a district's GSS code" in errors[1].message
    assert "expected the code of a current district" in errors[2].message


def test_files_that_cannot_be_read_at_all() -> None:
    (error,) = _rejection(read_population, "population.csv", _csv("code,population\nE08000035,5\n"))
    assert "Put the year in the file name, for example population_2022.csv" in error.message

    (error,) = _rejection(read_deprivation, "imd.xlsx", b"PK\x03\x04 not really a zip")
    assert "could not be opened as an Excel workbook" in error.message

    (error,) = _rejection(read_geography, "lookup.csv", b"")
    assert error.message == "lookup.csv is empty. Send the file as published."

    counties_only = [_MYE2_HEADER, ["E10000006", "Cumbria", "County", 500_000]]
    (error,) = _rejection(read_population, "mye22.xlsx", _xlsx({"MYE2 - Persons": counties_only}))
    assert error.message.startswith(
        'Sheet "MYE2 - Persons" has no rows for local authority districts'
    )
