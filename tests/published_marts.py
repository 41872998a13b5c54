"""A small published warehouse for the export and BI-connection tests.

One ``dbt run`` of the project (tests/dbt_builds.py) over four hand-chosen lines (its
data tests are for the dbt modules and the runs), then the project's own publish
function, exactly as a run ends: on DuckDB the ``SVW_SERVING`` snapshot file, on
PostgreSQL schema ``marts`` behind the reader role.
Every line is NT14 (£1 a unit, illustrative) over a whole financial year, except
Blackpool's 100 hours of NT24 (£16.50 an hour), so the totals below are worked out
by hand:

| place | 2023-24 | 2024-25 | residents (mid-2022) |
|---|---|---|---|
| Leeds E08000035 | 4,112,415 (£5.00 a head) | 1,644,966 (£2.00) | 822,483 |
| Blackpool E06000009 | 1,415,740 (£10.00) | 1,650 (£0.01) | 141,574 |
| Cardiff W06000015 | | 372,089 (£1.00) | 372,089 |
"""

from __future__ import annotations

from datetime import date
from typing import NamedTuple

import pytest

from configuration import DuckDBFile, PostgresDatabase, Settings
from serving import publish
from tests.dbt_builds import RawRows, build, return_line, submission_row
from warehouse import open_warehouse

READER_ROLE = "svw_reader"
FY_2023_24 = (date(2023, 4, 1), date(2024, 3, 31))
FY_2024_25 = (date(2024, 4, 1), date(2025, 3, 31))

# Totals by financial year, in pounds (fct_place_totals, place_need).
YEAR_TOTALS = {"2023-24": 5_528_155.0, "2024-25": 2_018_705.0}
GRAND_TOTAL = 7_546_860.0
# Districts of today's geography, each in place_need for each year.
DISTRICTS = 361


RAW = RawRows(
    submissions=[
        submission_row(1, "north-cc", "north-cc/2023-24.csv", "2024-05-01 09:00", "loaded", 2),
        submission_row(2, "north-cc", "north-cc/2024-25.csv", "2025-05-01 09:00", "loaded", 3),
    ],
    return_lines=[
        return_line(1, 2, FY_2023_24, "NT14", 4_112_415, "E08000035"),  # Leeds
        return_line(1, 3, FY_2023_24, "NT14", 1_415_740, "E06000009"),  # Blackpool
        return_line(2, 2, FY_2024_25, "NT14", 1_644_966, "E08000035"),  # Leeds
        return_line(2, 3, FY_2024_25, "NT24", 100, "E06000009"),  # Blackpool, 100 hours
        return_line(2, 4, FY_2024_25, "NT14", 372_089, "W06000015"),  # Cardiff
    ],
)


class Published(NamedTuple):
    """A published warehouse: the settings a user would have for it."""

    engine: str
    settings: Settings


def published(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Published:
    """Build the rows above with dbt on ``request.param``, then publish for BI."""
    built = build(request, tmp_path_factory, RAW, database="svw_published_marts", data_tests=False)
    serving = tmp_path_factory.mktemp("serving") / "serving.duckdb"
    if built.duckdb_path is not None:
        location = DuckDBFile(built.duckdb_path)
        settings = _settings(location, serving)
    else:
        server = built.postgres
        location = PostgresDatabase(
            host=server["host"], port=server["port"], user=server["user"], database=server["dbname"]
        )
        settings = _settings(location, serving)
    with open_warehouse(location) as warehouse:
        if isinstance(location, PostgresDatabase):
            # dbt_builds builds straight into marts; a run builds into marts_build and
            # publishing swaps it in. Put the marts where the run would have them.
            with warehouse.begin() as connection:
                connection.exec_driver_sql("alter schema marts rename to marts_build")
        publish(warehouse, serving, READER_ROLE)
    return Published(request.param, settings)


def _settings(location: DuckDBFile | PostgresDatabase, serving) -> Settings:
    return Settings(
        bucket_url=str(serving.parent / "bucket"),
        warehouse=location,
        serving_path=serving,
        dagster_home=serving.parent / "dagster",
        reader_role=READER_ROLE,
    )
