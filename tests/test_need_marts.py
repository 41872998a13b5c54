"""The needs-based view on the shipped seeds: real districts, population and deprivation.

One ``dbt build`` per engine over a few hand-chosen lines, then the marts compared
with figures worked out by hand from the published statistics (ONS mid-year
estimates, English Indices of Deprivation 2019 and 2025), quoted beside each
expectation. Quantities are chosen so that per-head values come out round: Leeds'
£4,112,415 over its 822,483 residents (mid-2022) is exactly £5.00 a head.

The lines: Blackpool (IoD 2025 rank 1), Leeds, Allerdale (merged into Cumberland in
2023) and Carlisle (likewise, in an earlier year), Barnsley on its pre-2025 code,
Cardiff (Wales: no English index) and a code that never existed. Every line is
NT14 (£1 a unit) except Barnsley's 100 hours of NT24 (16.50 an hour: £1,650).
"""

from __future__ import annotations

import csv
from datetime import date
from decimal import Decimal

import pytest

from configuration import DuckDBFile, PostgresDatabase
from svw.runner import need_headlines
from tests.dbt_builds import (
    DBT_PROJECT_DIR,
    BuiltWarehouse,
    RawRows,
    build,
    return_line,
    rows,
    submission_row,
)
from warehouse import open_warehouse

pytestmark = pytest.mark.slow

FY_2023_24 = (date(2023, 4, 1), date(2024, 3, 31))
FY_2021_22 = (date(2021, 4, 1), date(2022, 3, 31))


RAW = RawRows(
    submissions=[
        submission_row(1, "north-cc", "north-cc/2023-24.csv", "2024-05-01 09:00", "loaded", 6),
        submission_row(2, "north-cc", "north-cc/2021-22.csv", "2024-05-02 09:00", "loaded", 1),
    ],
    return_lines=[
        return_line(1, 2, FY_2023_24, "NT14", 1_415_740, "E06000009"),  # Blackpool
        return_line(1, 3, FY_2023_24, "NT14", 4_112_415, "E08000035"),  # Leeds
        return_line(1, 4, FY_2023_24, "NT14", 550_780, "E07000026"),  # Allerdale
        return_line(1, 5, FY_2023_24, "NT24", 100, "E08000016"),  # Barnsley, old code
        return_line(1, 6, FY_2023_24, "NT14", 372_089, "W06000015"),  # Cardiff
        return_line(1, 7, FY_2023_24, "NT14", 1_000, "E06000099"),  # never a district
        return_line(2, 2, FY_2021_22, "NT14", 547_630, "E07000028"),  # Carlisle
    ],
)


@pytest.fixture(scope="module", params=["duckdb", "postgres"])
def warehouse(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> BuiltWarehouse:
    return build(request, tmp_path_factory, RAW, database="svw_need_marts")


def test_old_codes_count_under_their_successor(warehouse: BuiltWarehouse) -> None:
    assert rows(
        warehouse,
        """
        select submitted_place_code, place_code from marts.fct_social_value
        where submitted_place_code <> place_code order by line_id
        """,
    ) == [
        ("E07000026", "E06000063"),  # Allerdale -> Cumberland (April 2023)
        ("E08000016", "E08000038"),  # Barnsley recoded (2025)
        ("E07000028", "E06000063"),  # Carlisle -> Cumberland
    ]


def test_place_need_per_head_population_and_deprivation(warehouse: BuiltWarehouse) -> None:
    actual = rows(
        warehouse,
        """
        select place_code, place_name, financial_year, social_value_gbp, population,
               population_year, population_basis, social_value_per_head_gbp,
               imd_edition, imd_rank, imd_decile, imd_method, imd_status
        from marts.place_need
        where place_code in ('E06000009', 'E08000035', 'E06000063', 'E08000038',
                             'W06000015')
        order by place_code, financial_year
        """,
    )
    # Deciles of IoD 2025's 296 districts: floor((rank - 1) x 10 / 296) + 1.
    assert actual == [
        # Blackpool: 1,415,740 / 141,574 (mid-2022) = 10.00; IoD 2025 rank 1
        ("E06000009", "Blackpool", "2021-22", Decimal("0.00"), 140954, 2021,
         "own_year", Decimal("0.00"), "IoD2025", 1, 1, "as_published", "available"),
        ("E06000009", "Blackpool", "2023-24", Decimal("1415740.00"), 141574, 2022,
         "latest_earlier_year", Decimal("10.00"), "IoD2025", 1, 1, "as_published", "available"),
        # Cumberland in 2021-22: Carlisle's 547,630 over Allerdale + Carlisle + Copeland
        # at mid-2021, 96,384 + 110,255 + 67,176 = 273,815: 2.00 a head
        ("E06000063", "Cumberland", "2021-22", Decimal("547630.00"), 273815, 2021,
         "own_year", Decimal("2.00"), "IoD2025", 95, 4, "as_published", "available"),
        # 2023-24: Allerdale's 550,780 over Cumberland's 275,390 (mid-2022) = 2.00
        ("E06000063", "Cumberland", "2023-24", Decimal("550780.00"), 275390, 2022,
         "latest_earlier_year", Decimal("2.00"), "IoD2025", 95, 4, "as_published", "available"),
        # Leeds: 4,112,415 / 822,483 = 5.00; IoD 2025 rank 86, decile 3
        ("E08000035", "Leeds", "2021-22", Decimal("0.00"), 809036, 2021,
         "own_year", Decimal("0.00"), "IoD2025", 86, 3, "as_published", "available"),
        ("E08000035", "Leeds", "2023-24", Decimal("4112415.00"), 822483, 2022,
         "latest_earlier_year", Decimal("5.00"), "IoD2025", 86, 3, "as_published", "available"),
        # Barnsley, published on E08000016 (population 246,482; IoD 2025 rank 40):
        # 1,650 / 246,482 = 0.0067 -> 0.01 a head
        ("E08000038", "Barnsley", "2021-22", Decimal("0.00"), 244893, 2021,
         "own_year", Decimal("0.00"), "IoD2025", 40, 2, "recoded", "available"),
        ("E08000038", "Barnsley", "2023-24", Decimal("1650.00"), 246482, 2022,
         "latest_earlier_year", Decimal("0.01"), "IoD2025", 40, 2, "recoded", "available"),
        # Cardiff: 372,089 / 372,089 = 1.00; Wales has its own index
        ("W06000015", "Cardiff", "2021-22", Decimal("0.00"), 359512, 2021,
         "own_year", Decimal("0.00"), None, None, None, None, "not_available"),
        ("W06000015", "Cardiff", "2023-24", Decimal("372089.00"), 372089, 2022,
         "latest_earlier_year", Decimal("1.00"), None, None, None, None, "not_available"),
    ]  # fmt: skip


def test_every_current_district_is_in_place_need(warehouse: BuiltWarehouse) -> None:
    # 361 current districts plus the code that never existed, for each of two years
    assert rows(
        warehouse,
        "select financial_year, count(*) from marts.place_need "
        "group by financial_year order by financial_year",
    ) == [("2021-22", 362), ("2023-24", 362)]


def test_merged_districts_are_weighted_by_population_in_older_editions(
    warehouse: BuiltWarehouse,
) -> None:
    # IoD 2019 on 2019 codes: Allerdale 22.938, Carlisle 21.997, Copeland 25.012,
    # weighted by mid-2021 population (96,384, 110,255, 67,176):
    # 6,316,341.539 / 273,815 = 23.06792. Buckinghamshire's four districts merged in
    # 2020, before any estimate shipped here: a plain mean, flagged. The 317 districts
    # of 2019 are 296 today.
    buckinghamshire, cumberland = rows(
        warehouse,
        """
        select place_code, imd_score, imd_method, imd_district_count
        from intermediate.int_deprivation
        where imd_edition = 'IoD2019' and place_code in ('E06000063', 'E06000060')
        order by place_code
        """,
    )
    assert buckinghamshire[0] == "E06000060"
    assert buckinghamshire[2:] == ("unweighted_mean", 296)
    assert cumberland[0] == "E06000063"
    assert cumberland[1] == pytest.approx(23.06792, abs=1e-5)
    assert cumberland[2:] == ("population_weighted", 296)


def test_need_distribution_shares(warehouse: BuiltWarehouse) -> None:
    england = rows(
        warehouse,
        """
        select imd_decile, social_value_gbp, population, value_share
        from marts.need_distribution
        where financial_year = '2023-24' and scope_type = 'country'
        order by imd_decile
        """,
    )
    assert [decile for decile, *_ in england] == list(range(1, 11))
    # every English district is in one decile: the published England total, mid-2022
    assert sum(population for _, _, population, _ in england) == 57_106_398
    # valued English lines with a decile: Blackpool (1), Barnsley (2), Leeds (3),
    # Cumberland (4): 1,415,740 + 1,650 + 4,112,415 + 550,780 = 6,080,585
    shares = {decile: share for decile, _, _, share in england}
    assert shares[1] == pytest.approx(1_415_740 / 6_080_585)
    assert shares[3] == pytest.approx(4_112_415 / 6_080_585)
    assert sum(shares.values()) == pytest.approx(1.0)
    north_west = rows(
        warehouse,
        """
        select imd_decile, value_share from marts.need_distribution
        where financial_year = '2023-24' and scope_code = 'E12000002' and value_share > 0
        order by imd_decile
        """,
    )
    # Blackpool and Cumberland are the North West's only valued districts
    assert north_west == [
        (1, pytest.approx(1_415_740 / 1_966_520)),
        (4, pytest.approx(550_780 / 1_966_520)),
    ]


def test_area_totals_add_districts_up(warehouse: BuiltWarehouse) -> None:
    totals = dict(
        ((area_type, code), value)
        for area_type, code, value in rows(
            warehouse,
            """
            select area_type, area_code, sum(social_value_gbp)
            from marts.area_totals
            where financial_year = '2023-24'
            group by area_type, area_code
            """,
        )
    )
    assert totals[("region", "E12000003")] == 4_112_415 + 1_650  # Leeds + Barnsley
    assert totals[("region", "E12000002")] == 1_415_740 + 550_780  # Blackpool + Cumberland
    assert totals[("combined_authority", "E47000003")] == 4_112_415  # West Yorkshire
    assert totals[("utla", "E06000063")] == 550_780
    assert totals[("country", "W92000004")] == 372_089
    # England includes the code that never existed (1,000), by its first letter
    assert totals[("country", "E92000001")] == 6_080_585 + 1_000
    assert totals[("uk", "K02000001")] == 6_080_585 + 1_000 + 372_089
    assert not any(area_type == "region" and code.startswith("W") for area_type, code in totals)


def test_mission_totals(warehouse: BuiltWarehouse) -> None:
    assert rows(
        warehouse,
        """
        select framing, mission_code, mission_name, social_value_gbp
        from marts.mission_totals
        where place_code = 'E08000038' and financial_year = '2023-24'
        order by framing
        """,
    ) == [
        # NT24 (staff volunteering in local community projects)
        ("levelling_up_2022", "9", "Pride in place", 1650.0),
        ("missions_2024", "opportunity", "Break down barriers to opportunity", 1650.0),
    ]


def _population_share_of_the_most_deprived_fifth() -> float:
    """Worked out from the seeds' published figures, not through the models.

    IoD 2025 ranks 296 districts, so deciles 1-2 are ranks 1-60 (floor((rank - 1) x
    10 / 296) <= 1); IoD 2025 and mid-2022 are published on the same codes.
    """
    with open(DBT_PROJECT_DIR / "seeds" / "deprivation.csv", newline="") as f:
        fifth = {
            r["place_code"]
            for r in csv.DictReader(f)
            if r["imd_edition"] == "IoD2025" and int(r["imd_rank_of_average_score"]) <= 60
        }
    with open(DBT_PROJECT_DIR / "seeds" / "population.csv", newline="") as f:
        people = {
            r["place_code"]: int(r["population"])
            for r in csv.DictReader(f)
            if r["population_year"] == "2022"
        }
    return sum(people[code] for code in fifth) / 57_106_398


def test_the_run_summary_headline(warehouse: BuiltWarehouse) -> None:
    location = (
        DuckDBFile(warehouse.duckdb_path)
        if warehouse.duckdb_path
        else PostgresDatabase(
            host=warehouse.postgres["host"],
            port=warehouse.postgres["port"],
            user=warehouse.postgres["user"],
            database=warehouse.postgres["dbname"],
        )
    )
    with open_warehouse(location) as opened, opened.connect() as connection:
        headlines = need_headlines(connection)
    assert [(h.financial_year, h.imd_edition) for h in headlines] == [
        ("2021-22", "IoD2025"),
        ("2023-24", "IoD2025"),
    ]
    # 2021-22: only Cumberland (decile 4) had value
    assert headlines[0].value_share == 0
    # 2023-24: Blackpool (decile 1) and Barnsley (decile 2) of the 6,080,585 valued
    latest = headlines[1]
    assert latest.value_share == pytest.approx((1_415_740 + 1_650) / 6_080_585)
    assert latest.population_share == pytest.approx(_population_share_of_the_most_deprived_fifth())
    assert str(latest) == (
        f"2023-24: 23.3% of social value in England reached the most deprived fifth of "
        f"districts (IoD2025 deciles 1-2), home to {latest.population_share:.1%} of its "
        f"people: {latest.value_share / latest.population_share:.2f} x their population share"
    )
