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

from expectations.catalogue import KNOWN_MEASURES_TABLE
from expectations.rules import Rule, Suite, literal_braces, sql_rule
from expectations.vocabulary import THEME_SYNONYMS, UNIT_SYNONYMS, VALUE_TYPES

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


def _repeated_rule(kind: str, key: tuple[str, ...], what: str, column: str = "place_code") -> Rule:
    """Every row after the first with the same ``key``, with the first one's row."""
    columns = ", ".join(key)
    shown = " || ' ' || ".join(f"coalesce(cast({c} as varchar), '')" for c in key)
    return sql_rule(
        f"{kind}_repeated",
        column,
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


def _number_text(column: str) -> str:
    """A double as both engines would show it alike: -1, not -1.0 on one and -1 on the other."""
    return (
        f"case when {column} = trunc({column}) then cast(cast({column} as bigint) as varchar) "
        f"else cast({column} as varchar) end"
    )


def _missing_rule(kind: str, column: str, what: str) -> Rule:
    return sql_rule(
        f"{kind}_{column}_missing",
        column,
        f"select source_row, {column} as value from line where {column} is null",
        f"The {what} is blank. Fill it in on every row.",
    )


def _proxy_rule(kind: str) -> Rule:
    return sql_rule(
        f"{kind}_proxy_negative",
        "proxy_value_gbp",
        f"""
        select source_row, {_number_text("proxy_value_gbp")} as value
        from line
        where proxy_value_gbp < 0
        """,
        "Proxy value '{value}' is negative: a proxy is pounds of value per unit, 0 or "
        "more. Correct the value.",
    )


FRAMEWORKS = Suite(
    name="reference_frameworks",
    rules=(
        _missing_rule("frameworks", "measure_code", "measure code"),
        _repeated_rule(
            "frameworks", ("edition", "measure_code"), "measure of an edition", "measure_code"
        ),
        sql_rule(
            "frameworks_theme_unknown",
            "theme",
            "select source_row, theme_as_written as value from line where theme is null",
            "Theme '{value}' is not one of the five TOMs themes: "
            + ", ".join(THEME_SYNONYMS)
            + " (headings such as 'Jobs: Promote Local Skills and Employment' are read "
            "too). Correct the theme.",
        ),
        sql_rule(
            "frameworks_unit_unknown",
            "unit",
            "select source_row, unit_as_written as value from line where unit is null",
            "Unit '{value}' is not a unit the warehouse knows: "
            + ", ".join(UNIT_SYNONYMS)
            + " (or a spelling of one, such as hrs or tonnes CO2e). Correct the unit.",
        ),
        sql_rule(
            "frameworks_value_type_unknown",
            "value_type",
            "select source_row, value_type_as_written as value from line where value_type is null",
            "Value type '{value}' is not one of " + ", ".join(VALUE_TYPES) + ". Correct it, "
            "or leave it blank (a measure with a proxy is then 'proxy', one without "
            "'record_only').",
        ),
        _proxy_rule("frameworks"),
        sql_rule(
            "frameworks_proxy_missing",
            "proxy_value_gbp",
            """
            select source_row, measure_code as value
            from line
            where value_type = 'proxy' and proxy_value_gbp is null
            """,
            "Measure {value} is valued by a proxy but has no proxy value. Give pounds "
            "per unit, or mark it record_only or localised.",
        ),
        sql_rule(
            "frameworks_proxy_not_used",
            "proxy_value_gbp",
            f"""
            select source_row, {_number_text("proxy_value_gbp")} as value, value_type
            from line
            where value_type in ('record_only', 'localised') and proxy_value_gbp is not null
            """,
            "A {value_type} measure has no national proxy, yet '{value}' is given. Leave "
            "it blank (a localised measure's value per place goes in "
            "reference/local-proxies/), or make the measure a proxy one.",
        ),
        sql_rule(
            "frameworks_excludes_unknown",
            "excludes",
            """
            select pairs.source_row, pairs.excluded as value, pairs.edition
            from (
                select
                    source_row, edition,
                    unnest(string_to_array(excludes, ' ')) as excluded
                from line
                where excludes is not null
            ) as pairs
            where not exists (
                select 1 from line as known
                where known.edition = pairs.edition
                    and lower(known.measure_code) = lower(pairs.excluded)
            )
            """,
            "Excluded code '{value}' is not a measure of edition {edition}: a measure "
            "can only exclude another measure of its edition. Correct the code.",
        ),
    ),
)

CROSSWALKS = Suite(
    name="reference_crosswalks",
    rules=(
        _missing_rule("crosswalks", "from_framework", "framework family (from_framework)"),
        _missing_rule("crosswalks", "from_code", "code of the family (from_code)"),
        _repeated_rule(
            "crosswalks", ("from_framework", "from_code"), "code of a family", "from_code"
        ),
        sql_rule(
            "crosswalks_factor_not_positive",
            "factor",
            f"select source_row, {_number_text('factor')} as value from line where factor <= 0",
            "Factor '{value}' is not more than 0: it converts a quantity in the family's "
            "unit into the measure's (blank means 1). Correct it.",
        ),
        sql_rule(
            "crosswalks_target_unknown",
            "to_code",
            f"""
            select line.source_row, line.to_code as value, line.to_edition
            from line
            where line.to_code is not null
                and not exists (
                    select 1 from {KNOWN_MEASURES_TABLE} as known
                    where not known.is_crosswalk
                        and known.framework = line.to_edition
                        and known.measure_code = line.to_code
                )
            """,
            "Measure '{value}' is not in edition '{to_edition}' as loaded in the "
            "warehouse. Load the edition first (reference/frameworks/), correct the "
            "code, or leave to_code blank for a code that maps to no measure.",
        ),
        sql_rule(
            "crosswalks_family_is_an_edition",
            "from_framework",
            f"""
            select line.source_row, line.from_framework as value
            from line
            where exists (
                select 1 from {KNOWN_MEASURES_TABLE} as known
                where not known.is_crosswalk and lower(known.framework) = lower(line.from_framework)
            )
            """,
            "'{value}' is the name of a catalogue edition, so a line naming it could not "
            "tell the edition from the crosswalk. Name the family (ECC, PPN002...).",
        ),
    ),
)

LOCAL_PROXIES = Suite(
    name="reference_local_proxies",
    rules=(
        _code_rule("local_proxies"),
        _repeated_rule(
            "local_proxies",
            ("edition", "measure_code", "place_code"),
            "measure of an edition in a place",
        ),
        _proxy_rule("local_proxies"),
        sql_rule(
            "local_proxies_not_localised",
            "measure_code",
            f"""
            select line.source_row, line.measure_code as value, line.edition
            from line
            where not exists (
                select 1 from {KNOWN_MEASURES_TABLE} as known
                where not known.is_crosswalk
                    and known.framework = line.edition
                    and known.measure_code = line.measure_code
                    and known.value_type = 'localised'
            )
            """,
            "'{value}' is not a localised measure of edition '{edition}' as loaded in the "
            "warehouse: only localised measures take a local proxy. Load the edition "
            "first (reference/frameworks/) or correct the edition or code.",
        ),
    ),
)

# kind (the reference/<kind>/ folder) -> its suite
SUITES: MappingProxyType[str, Suite] = MappingProxyType(
    {
        "geography": GEOGRAPHY,
        "population": POPULATION,
        "deprivation": DEPRIVATION,
        "frameworks": FRAMEWORKS,
        "crosswalks": CROSSWALKS,
        "local-proxies": LOCAL_PROXIES,
    }
)
