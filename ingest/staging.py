"""Staging tables in schema ``landing``: the sender's text plus typed columns.

A staging table holds one file, or a batch of small files staged by one statement
(:func:`stage_batch`) so that the quality gate checks them together; ``batch_file``
(:data:`expectations.rules.BATCH_FILE`) numbers a batch's files 0, 1, ... (always 0
for a file staged alone) and ``source_row`` is the sender's row within its file.

A submitted file arrives as Arrow batches of text (``ingest.readers``). It is typed in
SQL, inside the warehouse, as the batches arrive, so that a million-line file stages in
seconds, in bounded memory, and the quality gate (``expectations.gate``) can then check
it where it lies.

For each field of the return's field table (:mod:`expectations.fields`) the staged table has the
text as sent and, for a typed field, ``<field>_value``: the value read by the rules of
:mod:`expectations.vocabulary`, NULL when the text cannot be read. The gate reports
those rows to the sender. The SQL is portable; the two spellings that differ between
engines (reading a date or a number without raising) come from the warehouse.
"""

from __future__ import annotations

from collections.abc import Iterator

import pyarrow as pa
import sqlalchemy as sa

from expectations.catalogue import KNOWN_MEASURES_SQL, KNOWN_MEASURES_TABLE
from expectations.fields import DELIVERY, Field, FieldTable, Typing
from expectations.rules import BATCH_FILE
from expectations.vocabulary import (
    DATE_WITH_TIME_PATTERN,
    EXCEL_SERIAL_EPOCH,
    EXCEL_SERIAL_PATTERN,
    ISO_DATE_PATTERN,
    MEASURE_CATALOGUE_TABLE,
    MIDNIGHT_PATTERN,
    PLACE_CODE_SUCCESSORS_TABLE,
    PLACES_TABLE,
    QUANTITY_NOISE_PATTERN,
    QUANTITY_PATTERN,
    SECTOR_SYNONYMS,
    UK_DATE_PATTERN,
)
from ingest.raw_tables import LANDING_SCHEMA
from warehouse import Warehouse
from warehouse.base import checked_identifier

# Values the staging SQL binds (never interpolated: some hold ':' or quotes).
_PATTERNS = {
    "iso_date_pattern": ISO_DATE_PATTERN,
    "uk_date_pattern": UK_DATE_PATTERN,
    "date_with_time_pattern": DATE_WITH_TIME_PATTERN,
    "midnight_pattern": MIDNIGHT_PATTERN,
    "excel_serial_pattern": EXCEL_SERIAL_PATTERN,
    "quantity_pattern": QUANTITY_PATTERN,
    "quantity_noise": QUANTITY_NOISE_PATTERN,
}


# Lines staged by one statement when a file is read in pieces (tens of MB of text).
STAGE_ROWS = 200_000


class StagingError(RuntimeError):
    """Staging cannot run: a problem with the warehouse or configuration, not the file."""


def landing_table(table_name: str) -> str:
    """The qualified staging table for a caller's name such as ``file_123``."""
    return f"{LANDING_SCHEMA}.{checked_identifier(table_name)}"


def _sql_text(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def _sector_sql(column: str) -> str:
    key = f"trim(regexp_replace(lower({column}), '[^a-z0-9]+', ' ', 'g'))"
    branches = " ".join(
        f"when {key} in ({', '.join(_sql_text(s) for s in synonyms)}) then {_sql_text(sector)}"
        for sector, synonyms in SECTOR_SYNONYMS.items()
    )
    return f"case {branches} end"


def _date_parts(column: str) -> tuple[str, str]:
    """SQL for the date text and the time text of a date with an optional time."""
    spaced = f"replace({column}, 'T', ' ')"
    return f"split_part({spaced}, ' ', 1)", f"split_part({spaced}, ' ', 2)"


def _date_sql(warehouse: Warehouse, column: str) -> str:
    """The date, whatever time of day follows it (a time is reported by its own rule)."""
    day, _ = _date_parts(column)
    return (
        f"case when {column} ~ :date_with_time_pattern then case"
        f" when {day} ~ :iso_date_pattern then {warehouse.try_date(day, day_first=False)}"
        f" when {day} ~ :uk_date_pattern then {warehouse.try_date(day, day_first=True)}"
        " end end"
    )


def _time_of_day_sql(column: str) -> str:
    _, time = _date_parts(column)
    return (
        f"case when {column} ~ :date_with_time_pattern and {time} <> ''"
        f" and not ({time} ~ :midnight_pattern) then {time} end"
    )


def _excel_serial_sql(column: str) -> str:
    # The pattern allows digits and one '.', so the cast cannot fail.
    days = f"cast(split_part({column}, '.', 1) as integer)"
    return (
        f"case when {column} ~ :excel_serial_pattern"
        f" then cast(date '{EXCEL_SERIAL_EPOCH}' + {days} as varchar) end"
    )


def _quantity_sql(warehouse: Warehouse, column: str) -> str:
    digits = f"regexp_replace({column}, :quantity_noise, '', 'g')"
    return f"case when {column} ~ :quantity_pattern then {warehouse.try_double(digits)} end"


def _typed_sql(warehouse: Warehouse, field: Field) -> str:
    column = f"line.{field.name}"
    match field.typing:
        case Typing.SECTOR:
            return _sector_sql(column)
        case Typing.DATE:
            return _date_sql(warehouse, column)
        case Typing.QUANTITY:
            return _quantity_sql(warehouse, column)
        case Typing.EDITION:
            return f"coalesce(editions.edition, {column}, :default_edition)"
        case Typing.MEASURE_CODE:
            return "catalogue.measure_code"
        case Typing.PLACE_CODE:
            return f"upper(trim({column}))"
    raise ValueError(f"field {field.name} has no typed value")


def _edition_field(field_table: FieldTable) -> Field:
    (edition,) = field_table.of_typing(Typing.EDITION)
    return edition


def _staging_select(
    warehouse: Warehouse, source: str, present: set[str], field_table: FieldTable
) -> str:
    """The typed lines of ``source`` (``present``: the fields it has, text), with the
    file's number in its batch (``batch_file``, 0 when it is not given)."""
    fields = field_table.fields
    batch_file = BATCH_FILE if BATCH_FILE in present else "0"
    raw_columns = ", ".join(
        f"cast({f.name} as varchar) as {f.name}"
        if f.name in present
        else f"cast(null as varchar) as {f.name}"
        for f in fields
    )
    typed = ",\n    ".join(
        [
            f"{_typed_sql(warehouse, f)} as {f.staged_value}"
            for f in fields
            if f.typing is not Typing.TEXT
        ]
        + [
            f"{sql(f'line.{f.name}')} as {column}"
            for f in fields
            if f.typing is Typing.DATE
            for sql, column in (
                (_time_of_day_sql, f.staged_time),
                (_excel_serial_sql, f.staged_excel_serial),
            )
        ]
    )
    edition = _typed_sql(warehouse, _edition_field(field_table))
    # The catalogue is de-duplicated on the matching key so that a case-variant duplicate
    # in a seed can never multiply a sender's rows.
    return f"""
with line as (
    select cast(source_row as bigint) as source_row, cast({batch_file} as integer) as {BATCH_FILE},
        {raw_columns}
    from {source}
),
editions as (
    select distinct framework as edition, lower(framework) as edition_key
    from {KNOWN_MEASURES_TABLE}
),
catalogue as (
    select edition, code_key, measure_code, unit from (
        select
            framework as edition, lower(measure_code) as code_key, measure_code, unit,
            row_number() over (
                partition by framework, lower(measure_code) order by measure_code
            ) as rank_in_key
        from {KNOWN_MEASURES_TABLE}
    ) as ranked
    where rank_in_key = 1
)
select
    line.*,
    {typed},
    catalogue.unit as catalogue_unit
from line
left join editions on editions.edition_key = lower(line.{_edition_field(field_table).name})
left join catalogue
    on catalogue.edition = {edition}
    and catalogue.code_key = lower(trim(line.measure_code))
order by line.{BATCH_FILE}, line.source_row
"""


def _count(connection: sa.Connection, sql: str, **params: object) -> int:
    return int(connection.execute(sa.text(sql), params).scalar_one())


def _check_reference(connection: sa.Connection, default_edition: str) -> None:
    schema, table = MEASURE_CATALOGUE_TABLE.split(".")
    found = _count(
        connection,
        "select count(*) from information_schema.tables"
        " where table_schema = :schema and table_name = :table",
        schema=schema,
        table=table,
    )
    if found == 0:
        raise StagingError(
            f"{MEASURE_CATALOGUE_TABLE} is missing: run `dbt seed` before staging files"
        )
    refresh_known_measures(connection)
    known = _count(
        connection,
        f"select count(*) from {KNOWN_MEASURES_TABLE} where framework = :edition",
        edition=default_edition,
    )
    if known == 0:
        # Otherwise every line without a framework would silently skip the catalogue check.
        raise StagingError(
            f"default edition {default_edition!r} is neither in {MEASURE_CATALOGUE_TABLE} "
            "nor a loaded edition; fix SVW_DEFAULT_EDITION, the catalogue seed, or load "
            "the edition into reference/frameworks/"
        )


def refresh_known_measures(connection: sa.Connection) -> None:
    """Rebuild the catalogue in force (``expectations.catalogue``) from the seed and the
    editions and crosswalks loaded so far, this run's included."""
    connection.execute(sa.text(f"drop table if exists {KNOWN_MEASURES_TABLE}"))
    connection.execute(sa.text(f"create table {KNOWN_MEASURES_TABLE} as {KNOWN_MEASURES_SQL}"))


def stage_lines(
    warehouse: Warehouse,
    table_name: str,
    lines: pa.Table | pa.RecordBatchReader,
    default_edition: str,
    field_table: FieldTable = DELIVERY,
) -> str:
    """Create (or replace) ``landing.<table_name>`` from one file's lines; return its name.

    ``lines`` has ``source_row`` and one text column per field of ``field_table``
    present in the file; a reader's batches are staged as they come (read once).
    """
    qualified = landing_table(table_name)
    if "source_row" not in lines.schema.names:
        raise ValueError("lines must have a source_row column")
    present = {name for name in lines.schema.names if name != "source_row"}
    with warehouse.begin() as connection:
        _check_reference(connection, default_edition)
        connection.execute(sa.text(f"drop table if exists {qualified}"))
    # One transaction per part: DuckDB holds a transaction's own appends in memory, so
    # one transaction for a large file grew with it. A staging table is scratch: a run
    # that dies half-way leaves one that the next run clears (clear_landing).
    statement = f"create table {qualified} as"
    for part in _parts(lines):
        with (
            warehouse.begin() as connection,
            warehouse.arrow_relation(connection, part, f"incoming_{table_name}") as source,
        ):
            select = _staging_select(warehouse, source, present, field_table)
            connection.execute(
                sa.text(f"{statement} {select}"),
                {**_PATTERNS, "default_edition": default_edition},
            )
        statement = f"insert into {qualified}"  # parts come in source_row order
    return qualified


def _parts(lines: pa.Table | pa.RecordBatchReader) -> Iterator[pa.Table]:
    """A reader's batches gathered into tables of about STAGE_ROWS lines (at least one,
    perhaps empty, so that the table is created); a table as it is.

    Each part is staged by its own statement: DuckDB, left to pull a whole large
    stream in one statement, held it in memory past its memory limit.
    """
    if isinstance(lines, pa.Table):
        yield lines
        return
    gathered: list[pa.RecordBatch] = []
    rows, parts = 0, 0
    for batch in lines:
        gathered.append(batch)
        rows += batch.num_rows
        if rows >= STAGE_ROWS:
            yield pa.Table.from_batches(gathered, lines.schema)
            gathered, rows, parts = [], 0, parts + 1
    if gathered or parts == 0:
        yield pa.Table.from_batches(gathered, lines.schema)


def stage_batch(
    warehouse: Warehouse,
    table_name: str,
    files: list[pa.Table],
    default_edition: str,
    field_table: FieldTable = DELIVERY,
) -> str:
    """Stage several files' lines (each as :func:`stage_lines` takes them, read whole)
    into one table by one statement, ``batch_file`` numbering them in list order.

    A field missing from one file is NULL in its rows, as it is when staged alone.
    """
    numbered = [
        lines.append_column(BATCH_FILE, pa.array([number] * lines.num_rows, pa.int32()))
        for number, lines in enumerate(files)
    ]
    together = pa.concat_tables(numbered, promote_options="default")
    return stage_lines(warehouse, table_name, together, default_edition, field_table)


def stage_table(warehouse: Warehouse, table_name: str, rows: pa.Table) -> str:
    """Create (or replace) ``landing.<table_name>`` as ``rows`` are, already typed (a
    reference file, read by ``ingest.reference_files``); return its name."""
    qualified = landing_table(table_name)
    with (
        warehouse.begin() as connection,
        warehouse.arrow_relation(connection, rows, f"incoming_{table_name}") as source,
    ):
        # A crosswalk or local proxies file is checked against the editions in force.
        refresh_known_measures(connection)
        connection.execute(sa.text(f"drop table if exists {qualified}"))
        connection.execute(
            sa.text(f"create table {qualified} as select * from {source} order by source_row")
        )
    return qualified


def place_code_warnings(warehouse: Warehouse, staged_table: str) -> dict[int, list[str]]:
    """What a sender should know about the place codes of staged (valid) files, by
    ``batch_file`` (a file without any is left out).

    A code that has never been a district keeps its totals without a name; a code of
    a district merged or recoded since counts under today's code. Neither rejects
    the file: old codes are right for old periods, and new codes may outrun the seed.
    """
    with warehouse.connect() as connection:
        rows = connection.execute(
            sa.text(
                f"select distinct staged.{BATCH_FILE}, staged.place_code_value, "
                "known.place_name, known.current_place_code, places.place_name "
                f"from {staged_table} as staged "
                f"left join {PLACE_CODE_SUCCESSORS_TABLE} as known "
                "on staged.place_code_value = known.place_code "
                f"left join {PLACES_TABLE} as places "
                "on known.current_place_code = places.place_code "
                "where known.place_code is null "
                "or known.current_place_code <> known.place_code "
                "order by 1, 2"
            )
        ).all()
    warnings: dict[int, list[str]] = {}
    for file, code, name, current, current_name in rows:
        warnings.setdefault(file, []).append(
            f"Place code {code} is not a UK district code: its totals are kept, "
            "without a place name or region."
            if current is None
            else f"Place code {code} ({name}) is no longer in use: its value counts under "
            f"{current} ({current_name}), the district that covers it today."
        )
    return warnings


def counting_warnings(
    warehouse: Warehouse, staged_table: str, field_table: FieldTable = DELIVERY
) -> dict[int, list[str]]:
    """Lines of one return (the field table's identity: organisation, contract, and for
    delivery the period) whose measures the edition in force says must not be counted
    together (its ``excludes``), by ``batch_file``. Not an error: the totals count both
    as sent, and ``marts.counting_warnings`` lists them too."""
    same_return = " ".join(
        f"and line.{column} is not distinct from other.{column}"
        for column in (field_table.by_name(name).staged_value for name in field_table.identity)
    )
    with warehouse.connect() as connection:
        rows = connection.execute(
            sa.text(
                f"select line.{BATCH_FILE}, line.source_row, line.measure_code_value, "
                "other.source_row, other.measure_code_value, known.to_edition, "
                "known.to_code, other_known.to_code "
                f"from {staged_table} as line, {staged_table} as other, "
                f"{KNOWN_MEASURES_TABLE} as known, {KNOWN_MEASURES_TABLE} as other_known "
                f"where line.{BATCH_FILE} = other.{BATCH_FILE} "
                "and known.framework = line.framework_value "
                "and known.measure_code = line.measure_code_value "
                "and other_known.framework = other.framework_value "
                "and other_known.measure_code = other.measure_code_value "
                "and known.to_edition = other_known.to_edition "
                "and ' ' || lower(known.excludes) || ' ' "
                "like '% ' || lower(other_known.to_code) || ' %' "
                f"{same_return} "
                "order by 1, 2, 4"
            )
        ).all()
    warnings: dict[int, list[str]] = {}
    for file, row, code, other_row, other_code, edition, measure, other_measure in rows:
        warnings.setdefault(file, []).append(
            f"Row {row} ({code}) and row {other_row} ({other_code}) report the same return, "
            f"but edition {edition} does not count {measure} with {other_measure} (double "
            "counting). Both are counted as sent: check that nothing is reported twice."
        )
    return warnings


def drop_staged(warehouse: Warehouse, table_name: str) -> None:
    with warehouse.begin() as connection:
        connection.execute(sa.text(f"drop table if exists {landing_table(table_name)}"))


def clear_landing(warehouse: Warehouse) -> None:
    """Drop every staging table (e.g. left behind by a crashed run)."""
    with warehouse.begin() as connection:
        connection.execute(sa.text(f"create schema if not exists {LANDING_SCHEMA}"))
        names = connection.execute(
            sa.text(
                "select table_name from information_schema.tables where table_schema = :schema"
            ),
            {"schema": LANDING_SCHEMA},
        ).scalars()
        for name in list(names):
            connection.execute(sa.text(f'drop table if exists {LANDING_SCHEMA}."{name}"'))
