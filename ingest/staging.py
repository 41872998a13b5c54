"""Per-file staging tables in schema ``landing``: raw text plus typed columns, built in SQL.

A submitted file arrives as an Arrow table of text (see :func:`stage_lines`). Parsing
happens inside DuckDB so that a million-line file stages in seconds; the quality gate
(``expectations``) then checks the staged table, and dbt loads it once it passes.

Every typed column is NULL when its text cannot be read. The gate reports those rows to
the sender, so the rules of reading (the patterns below) are shared with it.
"""

from __future__ import annotations

import re
from pathlib import Path

import pyarrow as pa
import pyarrow.csv as pa_csv
import sqlalchemy as sa

from ingest.schema import ALL_FIELDS
from ingest.warehouse import duckdb_connection
from svw.settings import MEASURE_CATALOGUE_SEED, PLACES_SEED

LANDING_SCHEMA = "landing"
REFERENCE_SCHEMA = "reference"
MEASURE_CATALOGUE_TABLE = f"{REFERENCE_SCHEMA}.measure_catalogue"
PLACES_TABLE = f"{REFERENCE_SCHEMA}.places"

# Table names are interpolated into SQL, so only plain lower-case identifiers are accepted.
_TABLE_NAME = re.compile(r"[a-z_][a-z0-9_]{0,62}")

# The spellings senders use, compared after lower-casing and turning every run of
# punctuation or spaces into one space ("Not-for-profit" -> "not for profit").
SECTOR_SYNONYMS: dict[str, tuple[str, ...]] = {
    "public": (
        "public",
        "public sector",
        "government",
        "central government",
        "local government",
        "council",
        "nhs",
        "local authority",
        "public body",
    ),
    "private": (
        "private",
        "private sector",
        "business",
        "company",
        "commercial",
        "sme",
        "corporate",
        "for profit",
    ),
    "third": (
        "third",
        "third sector",
        "vcse",
        "vcfse",
        "vcs",
        "voluntary",
        "voluntary sector",
        "charity",
        "charitable",
        "community",
        "social enterprise",
        "community interest company",
        "cic",
        "not for profit",
        "non profit",
        "nonprofit",
    ),
}

# Dates: ISO (also the midnight datetime text spreadsheets export) or UK day-first. The
# shape is checked before parsing because strptime alone accepts two-digit years.
ISO_DATE_PATTERN = r"^\d{4}-\d{2}-\d{2}([ T]00:00(:00(\.0+)?)?)?$"
UK_DATE_PATTERN = r"^\d{1,2}/\d{1,2}/\d{4}$"
ACCEPTED_DATE_FORMATS = "yyyy-mm-dd (e.g. 2026-03-31) or dd/mm/yyyy (e.g. 31/03/2026)"

# A quantity: optional sign and leading £, digits with ',' or ' ' only between groups of
# three (so a decimal comma such as "1,5" is refused rather than read as 15), '.' decimal.
QUANTITY_PATTERN = (
    r"^(?:[+-]£?|£?[+-]?)\s*((?:\d{1,3}(?:[, ]\d{3})+|\d+)(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$"
)

# Local authority districts (GSS): English unitary, non-metropolitan, metropolitan and
# London boroughs, Welsh and Scottish councils, Northern Irish districts.
PLACE_CODE_PATTERN = r"^(E06|E07|E08|E09|W06|S12|N09)\d{6}$"

_CATALOGUE_TYPES: dict[str, pa.DataType] = {
    "edition": pa.string(),
    "measure_code": pa.string(),
    "theme": pa.string(),
    "outcome": pa.string(),
    "description": pa.string(),
    "unit": pa.string(),
    "proxy_value_gbp": pa.float64(),
    "is_illustrative": pa.bool_(),
    "source": pa.string(),
    "licence": pa.string(),
}
_PLACES_TYPES: dict[str, pa.DataType] = {
    name: pa.string()
    for name in (
        "place_code",
        "place_name",
        "region_code",
        "region_name",
        "country_code",
        "country_name",
    )
}


class StagingError(RuntimeError):
    """Staging cannot run: a problem with the warehouse or configuration, not the file."""


def landing_table(table_name: str) -> str:
    """The qualified staging table for a caller's name such as ``file_123``."""
    if not _TABLE_NAME.fullmatch(table_name):
        raise ValueError(
            f"staging table name {table_name!r} must be a lower-case SQL identifier "
            "(letters, digits, underscores; at most 63 characters)"
        )
    return f"{LANDING_SCHEMA}.{table_name}"


def _sql_text(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def _sector_sql(column: str) -> str:
    key = f"trim(regexp_replace(lower({column}), '[^a-z0-9]+', ' ', 'g'))"
    branches = " ".join(
        f"when {key} in ({', '.join(_sql_text(s) for s in synonyms)}) then {_sql_text(sector)}"
        for sector, synonyms in SECTOR_SYNONYMS.items()
    )
    return f"case {branches} end"


def _date_sql(column: str) -> str:
    return (
        f"case when regexp_full_match({column}, {_sql_text(ISO_DATE_PATTERN)})"
        f" then cast(try_strptime(left({column}, 10), '%Y-%m-%d') as date)"
        f" when regexp_full_match({column}, {_sql_text(UK_DATE_PATTERN)})"
        f" then cast(try_strptime({column}, '%d/%m/%Y') as date) end"
    )


def _quantity_sql(column: str) -> str:
    number = f"try_cast(regexp_replace({column}, '[£, ]', '', 'g') as double)"
    # Overflow ("1e400") parses to infinity; only finite numbers count as a quantity.
    return (
        f"case when regexp_full_match({column}, {_sql_text(QUANTITY_PATTERN)})"
        f" and isfinite({number}) then {number} end"
    )


def _staging_sql(qualified_table: str, present: set[str]) -> str:
    raw_columns = ", ".join(
        f"cast({field} as varchar) as {field}"
        if field in present
        else f"cast(null as varchar) as {field}"
        for field in ALL_FIELDS
    )
    edition = "coalesce(editions.edition, line.framework, $default_edition)"
    # The catalogue is de-duplicated on the matching key so that a case-variant duplicate
    # in a seed can never multiply a sender's rows.
    return f"""
create or replace table {qualified_table} as
with line as (
    select cast(source_row as bigint) as source_row, {raw_columns} from incoming_lines
),
editions as (
    select distinct edition, lower(edition) as edition_key from {MEASURE_CATALOGUE_TABLE}
),
catalogue as (
    select edition, lower(measure_code) as code_key, measure_code, unit
    from {MEASURE_CATALOGUE_TABLE}
    qualify row_number() over (
        partition by edition, lower(measure_code) order by measure_code
    ) = 1
)
select
    line.*,
    {_sector_sql("line.sector")} as sector_value,
    {_date_sql("line.period_start")} as period_start_value,
    {_date_sql("line.period_end")} as period_end_value,
    {_quantity_sql("line.quantity")} as quantity_value,
    {edition} as edition_value,
    catalogue.measure_code as measure_code_value,
    upper(trim(line.place_code)) as place_code_value,
    catalogue.unit as catalogue_unit
from line
left join editions on editions.edition_key = lower(line.framework)
left join catalogue
    on catalogue.edition = {edition}
    and catalogue.code_key = lower(trim(line.measure_code))
order by line.source_row
"""


def _check_reference(connection: sa.Connection, default_edition: str) -> None:
    duck = duckdb_connection(connection)
    found = duck.execute(
        "select count(*) from information_schema.tables"
        " where table_schema = ? and table_name = 'measure_catalogue'",
        [REFERENCE_SCHEMA],
    ).fetchone()
    if not found or found[0] == 0:
        raise StagingError(
            f"{MEASURE_CATALOGUE_TABLE} is missing: run `dbt seed` (or call "
            "ensure_reference_tables) before staging files"
        )
    known = duck.execute(
        f"select count(*) from {MEASURE_CATALOGUE_TABLE} where edition = ?", [default_edition]
    ).fetchone()
    if not known or known[0] == 0:
        # Otherwise every line without a framework would silently skip the catalogue check.
        raise StagingError(
            f"default edition {default_edition!r} is not in {MEASURE_CATALOGUE_TABLE}; "
            "fix SVW_DEFAULT_EDITION or the catalogue seed"
        )


def stage_lines(engine: sa.Engine, table_name: str, lines: pa.Table, default_edition: str) -> str:
    """Create (or replace) ``landing.<table_name>`` from one file's lines; return its name.

    ``lines`` has ``source_row`` and one text column per canonical field present in the
    file. The staged table has ``source_row``, every canonical field as text (absent ones
    NULL) and the typed columns ``sector_value``, ``period_start_value``,
    ``period_end_value``, ``quantity_value``, ``edition_value``, ``measure_code_value``,
    ``place_code_value`` and ``catalogue_unit``.
    """
    qualified = landing_table(table_name)
    if "source_row" not in lines.column_names:
        raise ValueError("lines must have a source_row column")
    present = {name for name in lines.column_names if name in ALL_FIELDS}
    with engine.begin() as connection:
        _check_reference(connection, default_edition)
        duck = duckdb_connection(connection)
        duck.execute(f"create schema if not exists {LANDING_SCHEMA}")
        # Registering the Arrow table lets DuckDB scan it in place: no row-by-row inserts.
        duck.register("incoming_lines", lines)
        try:
            duck.execute(_staging_sql(qualified, present), {"default_edition": default_edition})
        finally:
            duck.unregister("incoming_lines")
    return qualified


def drop_staged(engine: sa.Engine, table_name: str) -> None:
    qualified = landing_table(table_name)
    with engine.begin() as connection:
        duckdb_connection(connection).execute(f"drop table if exists {qualified}")


def clear_landing(engine: sa.Engine) -> None:
    """Drop every staging table (e.g. left behind by a crashed run)."""
    with engine.begin() as connection:
        duck = duckdb_connection(connection)
        duck.execute(f"create schema if not exists {LANDING_SCHEMA}")
        names = duck.execute(
            "select table_name from information_schema.tables where table_schema = ?",
            [LANDING_SCHEMA],
        ).fetchall()
        for (name,) in names:
            duck.execute(f'drop table if exists {LANDING_SCHEMA}."{name}"')


def _read_seed(path: Path, types: dict[str, pa.DataType]) -> pa.Table:
    options = pa_csv.ConvertOptions(
        column_types=types, include_columns=list(types), strings_can_be_null=True
    )
    return pa_csv.read_csv(path, convert_options=options)


def ensure_reference_tables(connection: sa.Connection) -> None:
    """Create ``reference.measure_catalogue`` and ``reference.places`` from the seed CSVs.

    dbt seeds them in the pipeline; this is for tests and offline validation, and leaves
    existing tables alone.
    """
    duck = duckdb_connection(connection)
    duck.execute(f"create schema if not exists {REFERENCE_SCHEMA}")
    for qualified, seed, types in (
        (MEASURE_CATALOGUE_TABLE, MEASURE_CATALOGUE_SEED, _CATALOGUE_TYPES),
        (PLACES_TABLE, PLACES_SEED, _PLACES_TYPES),
    ):
        duck.register("seed_rows", _read_seed(seed, types))
        try:
            duck.execute(f"create table if not exists {qualified} as select * from seed_rows")
        finally:
            duck.unregister("seed_rows")
