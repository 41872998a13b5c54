"""The rules a loaded reference file must pass: one GX suite per kind of file.

A reference file (``reference/<kind>/`` in the bucket) is read by its kind's reader in
``ingest.reference_files``, which already refuses most mistakes with the row that holds
them; these suites check the staged table once more, in the warehouse, before anything
from it can replace the reference data every place total depends on. Each staged table
has the reader's columns plus ``source_row``, the sheet row a value was read from.

Rules are SQL (``UnexpectedRowsExpectation``) on the staged rows, called ``line``, and
name the reader's column; messages say what is wrong and what to fix.
"""

from __future__ import annotations

from types import MappingProxyType

from expectations.rules import Rule, Suite, literal_braces, sql_rule

# A GSS statistical code: a country letter and eight digits (district E06000001...).
GSS_CODE_PATTERN = r"^[EWSN][0-9]{8}$"
FIRST_POPULATION_YEAR = 1981  # the first year of ONS district estimates on today's series


def _code_rule(kind: str, column: str = "place_code") -> Rule:
    return sql_rule(
        f"{kind}_{column}_not_gss",
        column,
        f"""
        select source_row, {column} as value
        from line
        where {column} is null or not ({column} ~ '{literal_braces(GSS_CODE_PATTERN)}')
        """,
        "'{value}' is not a GSS district code: expected a letter E, W, S or N and eight "
        "digits, such as E08000035. Correct the code.",
    )


def _repeated_rule(kind: str, key: tuple[str, ...], what: str) -> Rule:
    """Every row after the first with the same ``key``, with the first one's row."""
    columns = ", ".join(key)
    shown = " || ' ' || ".join(f"coalesce(cast({c} as varchar), '')" for c in key)
    return sql_rule(
        f"{kind}_repeated",
        "place_code",
        f"""
        select source_row, value, first_row
        from (
            select
                source_row,
                {shown} as value,
                min(source_row) over (partition by {columns}) as first_row
            from line
        ) as keyed
        where source_row > first_row
        """,
        f"{{value}} is also on row {{first_row}}; each {what} must appear once. Remove "
        "the repeated row.",
    )


GEOGRAPHY = Suite(
    name="reference_geography",
    rules=(
        _code_rule("geography"),
        _repeated_rule("geography", ("place_code",), "district code"),
        sql_rule(
            "geography_name_missing",
            "place_name",
            "select source_row, place_name as value from line where place_name is null",
            "The district name is blank. Fill it in as published.",
        ),
        sql_rule(
            "geography_successor_not_current",
            "current_place_code",
            """
            select source_row, current_place_code as value
            from line
            where not exists (
                select 1 from line as current
                where current.place_code = line.current_place_code and current.is_current
            )
            """,
            "'{value}' is not a current district of this file: the code a district is "
            "covered by today must be on a row of its own marked current. Correct the code.",
        ),
    ),
)

POPULATION = Suite(
    name="reference_population",
    rules=(
        _code_rule("population"),
        _repeated_rule("population", ("place_code", "population_year"), "district and year"),
        sql_rule(
            "population_not_a_count",
            "population",
            """
            select source_row, cast(population as varchar) as value
            from line
            where population is null or not (cast(population as varchar) ~ '^[0-9]+$')
            """,
            "'{value}' is not a number of people: expected a whole number, 0 or more. "
            "Correct the value.",
        ),
        sql_rule(
            "population_year_out_of_range",
            "population_year",
            f"""
            select source_row, cast(population_year as varchar) as value,
                cast(extract(year from current_date) as integer) + 1 as last_year
            from line
            where population_year is null
                or population_year < {FIRST_POPULATION_YEAR}
                or population_year > cast(extract(year from current_date) as integer) + 1
            """,
            f"Year '{{value}}' is outside {FIRST_POPULATION_YEAR} to {{last_year}}: give the "
            "mid-year the estimates are for, such as 2024.",
        ),
    ),
)

DEPRIVATION = Suite(
    name="reference_deprivation",
    rules=(
        _code_rule("deprivation"),
        _repeated_rule("deprivation", ("imd_edition", "place_code"), "district of an edition"),
        sql_rule(
            "deprivation_rank_not_1_to_n",
            "imd_rank_of_average_score",
            """
            select source_row, cast(given_rank as varchar) as value, districts
            from (
                select
                    source_row,
                    imd_rank_of_average_score as given_rank,
                    count(*) over (partition by imd_edition) as districts,
                    row_number() over (
                        partition by imd_edition, imd_rank_of_average_score
                        order by source_row
                    ) as seen
                from line
            ) as ranked
            where given_rank is null or given_rank < 1 or given_rank > districts or seen > 1
            """,
            "Rank '{value}' is not one of 1 to {districts}, each given once: the file ranks "
            "{districts} districts from 1, the most deprived. Correct the rank.",
        ),
        sql_rule(
            "deprivation_proportion_outside_0_1",
            "imd_proportion_most_deprived_10pct",
            """
            select source_row, cast(imd_proportion_most_deprived_10pct as varchar) as value
            from line
            where imd_proportion_most_deprived_10pct is null
                or imd_proportion_most_deprived_10pct < 0
                or imd_proportion_most_deprived_10pct > 1
            """,
            "Proportion '{value}' is not between 0 and 1: give the share of the district's "
            "small areas in the most deprived 10% as a fraction (0.25, not 25%).",
        ),
        sql_rule(
            "deprivation_score_missing",
            "imd_average_score",
            """
            select source_row, cast(imd_average_score as varchar) as value
            from line
            where imd_average_score is null or imd_average_score < 0
            """,
            "Score '{value}' is not an IMD average score (a number, 0 or more). Correct it.",
        ),
    ),
)

# kind (the reference/<kind>/ folder) -> its suite
SUITES: MappingProxyType[str, Suite] = MappingProxyType(
    {"geography": GEOGRAPHY, "population": POPULATION, "deprivation": DEPRIVATION}
)
