"""The fields of each kind of return: the one table every use is derived from.

Two kinds: a delivery return (format v1, :data:`RETURN_FIELDS`: what was delivered in a
period) and a commitment return (:data:`COMMITMENT_FIELDS`: what a supplier promised at
tender for a contract). Each is a :class:`FieldTable`. Header matching
(``ingest.headers``), the templates (``ingest.template``), the "missing column" and
"missing value" rules (``return_lines``, ``commitment_lines``), the staging SQL and the
raw table DDL (``ingest.staging``, ``ingest.raw_tables``) and the named-column load all
read a field table; docs/return-format.md is tested against both.

Adding an optional field: a row here, then the dbt staging model and the marts that
show it (docs/architecture.md, "Adding a return field").
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from enum import StrEnum

from expectations.vocabulary import ACCEPTED_DATE_FORMATS, TEMPLATE_HINT


class Typing(StrEnum):
    """How a field's text is read into a typed value (``ingest.staging``)."""

    TEXT = "text"  # kept as sent
    SECTOR = "sector"  # a synonym of public, private or third
    DATE = "date"  # ISO or UK day-first
    QUANTITY = "quantity"  # a finite number, £ and thousands separators allowed
    MEASURE_CODE = "measure_code"  # a code of the edition, in the catalogue's own case
    EDITION = "edition"  # a catalogue edition; empty means the default edition
    PLACE_CODE = "place_code"  # upper-cased GSS code


# The SQL type each typing is stored as in raw.return_lines (valid on DuckDB and PostgreSQL).
SQL_TYPES: dict[Typing, str] = {
    Typing.TEXT: "varchar",
    Typing.SECTOR: "varchar",
    Typing.DATE: "date",
    Typing.QUANTITY: "double precision",
    Typing.MEASURE_CODE: "varchar",
    Typing.EDITION: "varchar",
    Typing.PLACE_CODE: "varchar",
}


@dataclass(frozen=True)
class Field:
    """One column of a return file."""

    name: str
    required: bool
    hint: str  # what to fill in, for senders: "fill in <hint>"
    synonyms: tuple[str, ...] = ()  # header texts accepted besides the name itself
    typing: Typing = Typing.TEXT
    raw_column: str | None = None  # its column in raw.return_lines, if not its name

    @property
    def column(self) -> str:
        """The column of raw.return_lines that holds this field's value."""
        return self.raw_column or self.name

    @property
    def sql_type(self) -> str:
        return SQL_TYPES[self.typing]

    @property
    def staged_value(self) -> str:
        """The staged column holding the value to load: typed if it is typed."""
        return self.name if self.typing is Typing.TEXT else f"{self.name}_value"

    @property
    def staged_time(self) -> str:
        """A date field's staged column for a time of day written after the date (other
        than midnight), which is reported: the sender may have meant another day."""
        return f"{self.name}_time"

    @property
    def staged_excel_serial(self) -> str:
        """A date field's staged column for the date a plain number such as 45748 stands
        for in Excel (an unformatted date cell), reported with the date it would be."""
        return f"{self.name}_excel_serial"

    @property
    def always_filled(self) -> bool:
        """Every loaded line has a value (an empty edition means the default one)."""
        return self.required or self.typing is Typing.EDITION

    @property
    def accepted_headers(self) -> tuple[str, ...]:
        return (self.name, *self.synonyms)


RETURN_FIELDS: tuple[Field, ...] = (
    Field(
        "organisation_id",
        required=True,
        hint="the identifier of the organisation that delivered the value, ideally an "
        "org-id such as GB-COH-01234567",
        synonyms=("Organisation ID", "Org ID", "Supplier ID"),
    ),
    Field(
        "organisation_name",
        required=True,
        hint="the name of the organisation that delivered the value",
        synonyms=("Organisation name", "Organisation", "Org name", "Supplier name"),
    ),
    Field(
        "sector",
        required=True,
        hint="the delivering organisation's sector: public, private or third",
        synonyms=("Sector type",),
        typing=Typing.SECTOR,
    ),
    Field(
        "period_start",
        required=True,
        hint=f"the first day of the reporting period, as {ACCEPTED_DATE_FORMATS}",
        synonyms=("Start date", "Period from"),
        typing=Typing.DATE,
    ),
    Field(
        "period_end",
        required=True,
        hint=f"the last day of the reporting period, as {ACCEPTED_DATE_FORMATS}",
        synonyms=("End date", "Period to"),
        typing=Typing.DATE,
    ),
    Field(
        "measure_code",
        required=True,
        hint=f"the code of the measure reported, from {TEMPLATE_HINT} (e.g. NT1)",
        synonyms=("Measure ID", "Measure", "TOMs ref", "TOMs code"),
        typing=Typing.MEASURE_CODE,
    ),
    Field(
        "quantity",
        required=True,
        hint="the amount delivered in the measure's unit, 0 or more, as a number such as "
        "12 or 1,250.50",
        synonyms=("Qty", "Amount", "Value delivered"),
        typing=Typing.QUANTITY,
    ),
    Field(
        "place_code",
        required=True,
        hint="the 9-character GSS code of the local authority district where the value "
        "was delivered, e.g. E08000003",
        synonyms=("Place", "LAD code", "Local authority code", "GSS code"),
        typing=Typing.PLACE_CODE,
    ),
    Field(
        "contract_ref",
        required=False,
        hint="your reference for the contract or grant the value was delivered under",
        synonyms=("Contract reference", "Contract ID"),
    ),
    Field(
        "unit",
        required=False,
        hint="the unit you counted in, e.g. hours; it must be the measure's unit",
        synonyms=("Units", "Unit of measure"),
    ),
    Field(
        "framework",
        required=False,
        hint="the catalogue edition the measure codes come from; empty means the default edition",
        synonyms=("Edition", "TOMs edition", "Framework version"),
        typing=Typing.EDITION,
        raw_column="edition",
    ),
    Field(
        "evidence",
        required=False,
        hint="what was done and for whom: the story behind the number",
        synonyms=("Notes", "Narrative", "Story"),
    ),
)


def _field(name: str) -> Field:
    return next(field for field in RETURN_FIELDS if field.name == name)


# A commitment shares the delivery fields that mean the same thing (their synonyms and
# typing), with hints that speak of a promise rather than of delivery.
COMMITMENT_FIELDS: tuple[Field, ...] = (
    replace(
        _field("organisation_id"),
        hint="the identifier of the supplier that made the commitment, ideally an org-id "
        "such as GB-COH-01234567",
    ),
    replace(_field("organisation_name"), hint="the name of the supplier that made the commitment"),
    replace(_field("sector"), hint="the supplier's sector: public, private or third"),
    replace(
        _field("contract_ref"),
        required=True,
        hint="your reference for the contract the commitment was made for",
        synonyms=("Contract reference", "Contract ID", "Contract number"),
    ),
    Field(
        "contract_start",
        required=True,
        hint=f"the first day of the contract, as {ACCEPTED_DATE_FORMATS}",
        synonyms=("Contract start date", "Contract start", "Start date"),
        typing=Typing.DATE,
    ),
    Field(
        "contract_end",
        required=True,
        hint=f"the last day of the contract, as {ACCEPTED_DATE_FORMATS}",
        synonyms=("Contract end date", "Contract end", "End date"),
        typing=Typing.DATE,
    ),
    _field("measure_code"),
    Field(
        "committed_quantity",
        required=True,
        hint="the amount committed over the commitment's period in the measure's unit, 0 "
        "or more, as a number such as 12 or 1,250.50",
        synonyms=("Committed", "Quantity committed", "Target", "Target quantity", "Quantity"),
        typing=Typing.QUANTITY,
    ),
    replace(
        _field("place_code"),
        hint="the 9-character GSS code of the local authority district where the value "
        "will be delivered, e.g. E08000003",
    ),
    Field(
        "contract_title",
        required=False,
        hint="the contract's title",
        synonyms=("Contract title", "Contract name", "Title"),
    ),
    Field(
        "contract_value_gbp",
        required=False,
        hint="the contract's total value in pounds, the same on every row of the contract",
        synonyms=("Contract value", "Total contract value"),
        typing=Typing.QUANTITY,
    ),
    _field("framework"),
    Field(
        "commitment_start",
        required=False,
        hint="the first day of the commitment's own period, if not the contract's, as "
        f"{ACCEPTED_DATE_FORMATS}",
        synonyms=("Commitment start date", "Commitment from", "Target start"),
        typing=Typing.DATE,
    ),
    Field(
        "commitment_end",
        required=False,
        hint="the last day of the commitment's own period, if not the contract's, as "
        f"{ACCEPTED_DATE_FORMATS}",
        synonyms=("Commitment end date", "Commitment to", "Target end"),
        typing=Typing.DATE,
    ),
    replace(_field("evidence"), hint="how the commitment will be met, and for whom"),
)


@dataclass(frozen=True)
class FieldTable:
    """The fields of one kind of return, and the raw table its lines are loaded into."""

    kind: str  # how the sender and the ledger name it: "delivery", "commitments"
    fields: tuple[Field, ...]
    raw_table: str
    # The fields that, with the submitter, identify one return: a later file with the
    # same identity replaces it (dbt's history models), and lines of one return are
    # checked together for double counting (ingest.staging.counting_warnings).
    identity: tuple[str, ...] = ()

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(field.name for field in self.fields)

    @property
    def required(self) -> tuple[str, ...]:
        return tuple(field.name for field in self.fields if field.required)

    def by_name(self, name: str) -> Field:
        return next(field for field in self.fields if field.name == name)

    def of_typing(self, typing: Typing) -> tuple[Field, ...]:
        return tuple(field for field in self.fields if field.typing is typing)


DELIVERY = FieldTable(
    "delivery",
    RETURN_FIELDS,
    "raw.return_lines",
    identity=("organisation_id", "contract_ref", "period_start", "period_end"),
)
COMMITMENTS = FieldTable(
    "commitments",
    COMMITMENT_FIELDS,
    "raw.commitment_lines",
    identity=("organisation_id", "contract_ref"),
)
FIELD_TABLES: dict[str, FieldTable] = {table.kind: table for table in (DELIVERY, COMMITMENTS)}

FIELDS_BY_NAME: dict[str, Field] = {field.name: field for field in RETURN_FIELDS}
ALL_FIELDS: tuple[str, ...] = tuple(field.name for field in RETURN_FIELDS)
REQUIRED_FIELDS: tuple[str, ...] = tuple(f.name for f in RETURN_FIELDS if f.required)
OPTIONAL_FIELDS: tuple[str, ...] = tuple(f.name for f in RETURN_FIELDS if not f.required)
