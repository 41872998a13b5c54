"""The tables ingestion owns in the warehouse (schemas ``raw`` and ``landing``).

dbt owns every other schema and reads these as sources. Each kind of return has its
raw table (``raw.return_lines`` for delivery, ``raw.commitment_lines`` for commitments:
:class:`expectations.fields.FieldTable`) with one column per field after three of our
own; its DDL and the load statement are both derived from the field table, so a new
field cannot reach one without the other. ``raw.reference_<kind>`` hold the loaded
reference files (``reference/<kind>/`` in the bucket), one column per column of the
kind's reader (``ingest.reference_files``) after ``submission_id`` and ``source_row``;
a versioned kind's (``VERSION_KEYS``) also have ``version``, numbered here, at load.
The SQL is valid on DuckDB and PostgreSQL.
"""

from __future__ import annotations

import pyarrow as pa
import sqlalchemy as sa

from expectations.fields import DELIVERY, FIELD_TABLES, FieldTable
from expectations.rules import BATCH_FILE
from ingest.reference_files import KINDS, LOAD_SCHEMAS, VERSION_KEYS, kind_name
from warehouse import Warehouse

LANDING_SCHEMA = "landing"
SUBMISSIONS_TABLE = "raw.submissions"
RETURN_LINES_TABLE = DELIVERY.raw_table
SUBMISSION_ID_SEQUENCE = "raw.submission_id_seq"

# Each reference kind (its folder under reference/ in the bucket) -> its raw table.
REFERENCE_TABLES: dict[str, str] = {kind: f"raw.reference_{kind_name(kind)}" for kind in KINDS}
_ARROW_TO_SQL = {
    pa.string(): "varchar",
    pa.int32(): "integer",
    pa.int64(): "bigint",
    pa.float64(): "double precision",
    pa.bool_(): "boolean",
}

# Columns of raw.return_lines that come from the pipeline, not from the sender.
_LINE_PROVENANCE = (
    ("submission_id", "bigint not null"),
    ("source_row", "integer not null"),
    ("submitter", "varchar not null"),
)

_SUBMISSIONS_DDL = f"""
create table if not exists {SUBMISSIONS_TABLE} (
    submission_id bigint primary key,
    submitter varchar,
    original_path varchar not null,
    sha256 varchar not null,
    size_bytes bigint not null,
    file_format varchar,
    received_at timestamp not null,
    processed_at timestamp not null,
    status varchar not null,
    line_count integer not null,
    error_count integer not null,
    final_location varchar not null,
    report_location varchar,
    duplicate_of bigint,
    run_id varchar,
    warnings varchar,
    moved_at timestamp
);
"""

# Columns added to raw.submissions since its first version, added where missing, so an
# existing warehouse gains them on its next run. Rows from before file kinds existed
# are all returns (ingest.ledger.FileKind.RETURN).
_SUBMISSIONS_ADDED = f"""
alter table {SUBMISSIONS_TABLE} add column if not exists file_kind varchar default 'return';
"""


def _lines_ddl(field_table: FieldTable) -> str:
    columns = [f"{name} {sql}" for name, sql in _LINE_PROVENANCE] + [
        f"{field.column} {field.sql_type}{' not null' if field.always_filled else ''}"
        for field in field_table.fields
    ]
    body = ",\n    ".join(columns)
    return f"create table if not exists {field_table.raw_table} (\n    {body}\n);\n"


def _reference_ddl(kind: str) -> str:
    columns = ["submission_id bigint not null", "source_row integer not null"] + [
        f"{column.name} {_ARROW_TO_SQL[column.type]}" for column in LOAD_SCHEMAS[kind]
    ]
    if kind in VERSION_KEYS:
        columns.append("version integer not null")
    body = ",\n    ".join(columns)
    return f"create table if not exists {REFERENCE_TABLES[kind]} (\n    {body}\n);\n"


RAW_DDL = (
    "create schema if not exists raw;\n"
    f"create schema if not exists {LANDING_SCHEMA};\n"
    f"create sequence if not exists {SUBMISSION_ID_SEQUENCE} start 1;\n"
    + _SUBMISSIONS_DDL
    + _SUBMISSIONS_ADDED
    + "".join(_lines_ddl(field_table) for field_table in FIELD_TABLES.values())
    + "".join(_reference_ddl(kind) for kind in REFERENCE_TABLES)
)


def ensure_raw_tables(warehouse: Warehouse) -> None:
    """Create the raw and landing schemas and tables where missing (idempotent)."""
    with warehouse.begin() as connection:
        connection.exec_driver_sql(RAW_DDL)
        warehouse.prepare(connection)


def load_staged_lines(
    connection: sa.Connection,
    staged_table: str,
    submission_id: int,
    submitter: str,
    field_table: FieldTable = DELIVERY,
    batch_file: int = 0,
) -> None:
    """Append one staged file's lines (``batch_file`` of its staging table) to the raw
    table of its kind (``raw.return_lines`` for a delivery return): named columns,
    bound values."""
    fields = field_table.fields
    targets = ["submission_id", "source_row", "submitter", *(f.column for f in fields)]
    values = [":submission_id", "source_row", ":submitter", *(f.staged_value for f in fields)]
    connection.execute(
        sa.text(
            f"insert into {field_table.raw_table} ({', '.join(targets)}) "
            f"select {', '.join(values)} from {staged_table} "
            f"where {BATCH_FILE} = :batch_file order by source_row"
        ),
        {"submission_id": submission_id, "submitter": submitter, "batch_file": batch_file},
    )


def load_staged_reference(
    connection: sa.Connection, kind: str, staged_table: str, submission_id: int
) -> None:
    """Append a staged reference file's rows to ``raw.reference_<kind>``, all or none
    with the caller's transaction."""
    table = REFERENCE_TABLES[kind]
    columns = ["source_row", *LOAD_SCHEMAS[kind].names]
    targets, values = list(columns), [f"staged.{column}" for column in columns]
    if key := VERSION_KEYS.get(kind):
        # Numbered in the loading transaction under the run lock: no two files can
        # take the same number, and a rejected file takes none.
        targets.append("version")
        values.append(
            f"coalesce((select max(earlier.version) from {table} as earlier "
            f"where earlier.{key} = staged.{key}), 0) + 1"
        )
    connection.execute(
        sa.text(
            f"insert into {table} (submission_id, {', '.join(targets)}) "
            f"select :submission_id, {', '.join(values)} from {staged_table} as staged "
            "order by staged.source_row"
        ),
        {"submission_id": submission_id},
    )


def next_submission_id(connection: sa.Connection) -> int:
    return connection.exec_driver_sql(f"select nextval('{SUBMISSION_ID_SEQUENCE}')").scalar_one()
