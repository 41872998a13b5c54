"""The row-level rules a delivery return must pass, as code: one GX expectation per rule.

The rule builders shared by every kind of return (missing values, dates, amounts, the
organisation, catalogue and place rules) live here too; ``commitment_lines`` composes
the commitment suite from them.

Each :class:`Rule` names the canonical column the sender must fix, the GX expectation that
finds the offending rows in a staged table (``ingest.staging``), and the message that
tells the sender what is wrong and how to fix it.

Rules are declared as data (``expectations.rules``) so that this module does not import
great_expectations (about 3 s). Rules are written so that one mistake is reported once:
every rule about a value's *content* skips rows where the value is missing, and rules on
typed columns only see rows whose text could be read.

Message templates are ``str.format`` strings. ``{value}`` is the offending text as sent;
SQL rules may use any other column their query returns. A SQL rule that can suggest a
correction returns it as ``suggested`` (NULL when it has none) and says it through
``{did_you_mean}``, its ``did_you_mean`` template filled in only when there is one.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import NamedTuple

from expectations.catalogue import KNOWN_MEASURES_TABLE
from expectations.fields import ALL_FIELDS, RETURN_FIELDS, Field, Typing
from expectations.rules import BATCH_FILE, Rule, Suite
from expectations.rules import column_rule as _column_rule
from expectations.rules import literal_braces as _literal_braces
from expectations.rules import sql_rule as _sql_rule
from expectations.vocabulary import (
    ACCEPTED_DATE_FORMATS,
    CODE_NOISE_PATTERN,
    MAX_ORGANISATION_ID_LENGTH,
    PLACE_CODE_PATTERN,
    PLACES_TABLE,
    QUANTITY_PATTERN,
    TEMPLATE_HINT,
    UNIT_BY_KEY,
    unit_key,
)


def _sql_text(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def _key_sql(column: str, separator: str = "") -> str:
    """A code or a name compared on its letters and digits ("nt 1" -> "nt1")."""
    return f"trim(regexp_replace(lower({column}), '{CODE_NOISE_PATTERN}', '{separator}', 'g'))"


def _unit_key_sql(column: str) -> str:
    """The canonical unit a spelling means (as its key), else the spelling's own key."""
    squashed = f"regexp_replace(lower({column}), '\\s+', '', 'g')"
    spellings = ", ".join(
        f"({_sql_text(spelling)}, {_sql_text(unit_key(unit))})"
        for spelling, unit in UNIT_BY_KEY.items()
    )
    return (
        f"coalesce((select units.unit from (values {spellings}) as units (spelling, unit)"
        f" where units.spelling = {squashed}), {squashed})"
    )


def _place_named(column: str) -> str:
    """FROM and WHERE of the one district whose name the text is ("leeds" -> Leeds)."""
    return (
        f"from {PLACES_TABLE} as places"
        f" where {_key_sql('places.place_name', ' ')} = {_key_sql(column, ' ')}"
        " having count(distinct places.place_code) = 1"
    )


def date_rules(field: Field) -> tuple[Rule, ...]:
    """A date field's text: not a date, a date with a time of day, an Excel day number.

    Each mistake is reported once: a date with a time, or an Excel day number, is not
    also "not a date".
    """
    name = field.name
    return (
        _sql_rule(
            f"{name}_not_a_date",
            name,
            f"""
            select source_row, {BATCH_FILE}, {name} as value
            from line
            where {name} is not null
                and {field.staged_value} is null
                and {field.staged_excel_serial} is null
            """,
            f"{name} '{{value}}' is not a date. Write it as {ACCEPTED_DATE_FORMATS}, and "
            "check that the day exists in that month.",
        ),
        _sql_rule(
            f"{name}_has_a_time",
            name,
            f"""
            select source_row, {BATCH_FILE}, {name} as value, {field.staged_time} as time_of_day,
                cast({field.staged_value} as varchar) as written_date
            from line
            where {field.staged_time} is not null and {field.staged_value} is not null
            """,
            f"{name} '{{value}}' has a time of day ({{time_of_day}}) after the date. Write "
            "the date alone ({written_date}); in Excel, format the column as a date without a time "
            "(Format Cells > Date).",
        ),
        _sql_rule(
            f"{name}_excel_serial",
            name,
            f"""
            select source_row, {BATCH_FILE}, {name} as value,
                {field.staged_excel_serial} as written_date
            from line
            where {field.staged_excel_serial} is not null
            """,
            f"{name} '{{value}}' is a number, not a date: it looks like an Excel date shown "
            "without its date format ({value} is Excel's number for {written_date}). In "
            "Excel, format the column as a date (Format Cells > Date), or write the date as "
            "{written_date}.",
        ),
    )


def missing_value_rules(fields: Iterable[Field]) -> tuple[Rule, ...]:
    """A required field left empty, on each row."""
    return tuple(
        _column_rule(
            f"{field.name}_missing",
            field.name,
            "ExpectColumnValuesToNotBeNull",
            f"{field.name} is missing. Every line needs it: fill in {field.hint}.",
        )
        for field in fields
        if field.required
    )


def end_before_start_rule(start: str, end: str, what: str) -> Rule:
    """Two date fields in the wrong order; ``what`` is the period ``end`` closes."""
    return _sql_rule(
        f"{end}_before_{start}",
        end,
        f"""
        select source_row, {BATCH_FILE}, {end} as value, {start}
        from line
        where {end}_value < {start}_value
        """,
        f"{end} '{{value}}' is before {start} '{{{start}}}'. Check that the two dates are "
        f"not swapped: {end} is the last day of {what}.",
    )


class Amount(NamedTuple):
    """How the messages about an amount field speak of it."""

    label: str  # "Quantity"
    kind: str  # a sentence saying what the amounts are: "Quantities are amounts delivered"
    actual: str  # "the amount actually delivered"


def amount_rules(field: Field, amount: Amount) -> tuple[Rule, ...]:
    """An amount field's text: not a number, too large to be real, negative."""
    name = field.name
    return (
        _column_rule(
            f"{name}_not_a_number",
            name,
            "ExpectColumnValuesToMatchRegex",
            f"{amount.label} '{{value}}' is not a number. Write digits with '.' for "
            "decimals, e.g. 1250 or 1,250.50; a leading £ and commas between thousands are "
            "allowed, but not units, words or a decimal comma.",
            regex=QUANTITY_PATTERN,
        ),
        _sql_rule(
            f"{name}_not_finite",
            name,
            f"""
            select source_row, {BATCH_FILE}, {name} as value
            from line
            where {field.staged_value} is null
                and {name} ~ '{_literal_braces(QUANTITY_PATTERN)}'
            """,
            f"{amount.label} '{{value}}' is too large to be a real amount. Check it for a "
            f"typing or formula error and write {amount.actual}.",
        ),
        _column_rule(
            f"{name}_negative",
            name,
            "ExpectColumnValuesToBeBetween",
            f"{amount.label} '{{value}}' is negative. {amount.kind}: write zero or more "
            "(remove the minus sign), or leave the line out.",
            checked_column=field.staged_value,
            min_value=0,
        ),
    )


# The supplier's identity, on any kind of line.
ORGANISATION_RULES: tuple[Rule, ...] = (
    _column_rule(
        "organisation_id_too_long",
        "organisation_id",
        "ExpectColumnValueLengthsToBeBetween",
        f"organisation_id is longer than {MAX_ORGANISATION_ID_LENGTH} characters. Use a "
        "short, stable identifier, ideally an org-id such as GB-COH-01234567 (register "
        "prefix and number), not a name or a description.",
        max_value=MAX_ORGANISATION_ID_LENGTH,
    ),
    _column_rule(
        "sector_not_recognised",
        "sector",
        "ExpectColumnValuesToNotBeNull",
        "Sector '{value}' is not recognised. Write public, private or third (common names "
        "such as council, NHS, business, SME, charity, VCSE or social enterprise are also "
        "accepted).",
        checked_column="sector_value",
        only_where_given="sector",
    ),
)

# The measure and its edition, on any kind of line.
CATALOGUE_RULES: tuple[Rule, ...] = (
    _sql_rule(
        "framework_unknown",
        "framework",
        f"""
        select line.source_row, line.{BATCH_FILE}, line.framework as value,
            (select string_agg(distinct framework, ', ' order by framework)
                from {KNOWN_MEASURES_TABLE}) as known_editions
        from line
        where line.framework is not null
            and not exists (
                select 1 from {KNOWN_MEASURES_TABLE} as known
                where known.framework = line.framework_value
            )
        """,
        "Framework '{value}' is not an edition of the measure catalogue (nor a crosswalk "
        "family loaded in the warehouse). Write one of: {known_editions}, or leave "
        "framework empty to use the current edition.",
    ),
    _sql_rule(
        "measure_code_unknown",
        "measure_code",
        f"""
        select line.source_row, line.{BATCH_FILE}, line.measure_code as value,
            line.framework_value as edition,
            (select min(known.measure_code) from {KNOWN_MEASURES_TABLE} as known
                where known.framework = line.framework_value
                    and {_key_sql("known.measure_code")} = {_key_sql("line.measure_code")}
            ) as suggested
        from line
        where line.measure_code is not null
            and exists (
                select 1 from {KNOWN_MEASURES_TABLE} as known
                where known.framework = line.framework_value
            )
            and not exists (
                select 1 from {KNOWN_MEASURES_TABLE} as known
                where known.framework = line.framework_value
                    and known.measure_code = line.measure_code_value
            )
        """,
        "Measure code '{value}' is not in the {edition} edition of the measure catalogue."
        "{did_you_mean} "
        f"Use a code listed on {TEMPLATE_HINT} (e.g. NT1), or set framework to the edition "
        "the code comes from.",
        did_you_mean=" Did you mean {suggested}?",
    ),
)

_UNIT_RULE = _sql_rule(
    "unit_mismatch",
    "unit",
    f"""
        select line.source_row, line.{BATCH_FILE}, line.unit as value, known.measure_code,
            known.unit as expected_unit
        from line, {KNOWN_MEASURES_TABLE} as known
        where known.framework = line.framework_value
            and known.measure_code = line.measure_code_value
            and line.unit is not null
            and {_unit_key_sql("line.unit")} <> {_unit_key_sql("known.unit")}
        """,
    "Unit '{value}' does not match measure {measure_code}, which is counted in "
    "'{expected_unit}'. Give the quantity in {expected_unit}, or leave unit empty.",
)

PLACE_RULE = _sql_rule(
    "place_code_not_a_district",
    "place_code",
    f"""
        select line.source_row, line.{BATCH_FILE}, line.place_code as value,
            (select min(places.place_code) {_place_named("line.place_code")}) as suggested,
            (select min(places.place_name) {_place_named("line.place_code")}) as place_name
        from line
        where line.place_code is not null
            and not (line.place_code_value ~ '{_literal_braces(PLACE_CODE_PATTERN)}')
        """,
    "Place code '{value}' is not a local authority district GSS code.{did_you_mean} "
    "Write the 9-character code of the district where the value was delivered: E06, "
    "E07, E08, E09, W06, S12 or N09 followed by 6 digits (e.g. E08000003 for "
    "Manchester).",
    did_you_mean=" {place_name} is {suggested}.",
)

RULES: tuple[Rule, ...] = (
    *missing_value_rules(RETURN_FIELDS),
    *ORGANISATION_RULES,
    *(rule for field in RETURN_FIELDS if field.typing is Typing.DATE for rule in date_rules(field)),
    end_before_start_rule("period_start", "period_end", "the reporting period"),
    *amount_rules(
        next(field for field in RETURN_FIELDS if field.name == "quantity"),
        Amount("Quantity", "Quantities are amounts delivered", "the amount actually delivered"),
    ),
    *CATALOGUE_RULES,
    _UNIT_RULE,
    PLACE_RULE,
)


def reported_raw_columns(rules: Iterable[Rule]) -> tuple[str, ...]:
    """Raw text reported for rules that check a typed column (e.g. sector_value checks
    sector): GX returns these columns beside source_row for every failing row it lists."""
    return tuple(
        dict.fromkeys(
            rule.column for rule in rules if rule.checked_column not in (None, rule.column)
        )
    )


REPORTED_RAW_COLUMNS: tuple[str, ...] = reported_raw_columns(RULES)

SUITE = Suite(
    name="return_lines",
    rules=RULES,
    reported_columns=REPORTED_RAW_COLUMNS,
    column_order=ALL_FIELDS,
)
