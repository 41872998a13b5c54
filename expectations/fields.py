"""The fields of a delivery return (format v1): the one table every use is derived from.

Header matching (``ingest.headers``), the templates (``ingest.template``), the "missing
column" and "missing value" rules (``return_lines``), the staging SQL and the raw table
DDL (``ingest.staging``, ``ingest.raw_tables``) and the named-column load all read
:data:`RETURN_FIELDS`; docs/return-format.md is tested against it.

Adding an optional field: a row here, then the dbt staging model and the marts that
show it (docs/architecture.md, "Adding a return field").
"""

from __future__ import annotations

from dataclasses import dataclass
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

FIELDS_BY_NAME: dict[str, Field] = {field.name: field for field in RETURN_FIELDS}
ALL_FIELDS: tuple[str, ...] = tuple(field.name for field in RETURN_FIELDS)
REQUIRED_FIELDS: tuple[str, ...] = tuple(f.name for f in RETURN_FIELDS if f.required)
OPTIONAL_FIELDS: tuple[str, ...] = tuple(f.name for f in RETURN_FIELDS if not f.required)
