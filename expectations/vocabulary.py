"""The vocabulary of what is valid in a return: sectors, dates, quantities, place codes.

One home for these rules of reading. Staging (``ingest.staging``) turns them into typed
SQL columns; the gate (``return_lines``) reports the rows where they failed; the docs
(docs/return-format.md) describe them to senders.
"""

from __future__ import annotations

from types import MappingProxyType

# Reference tables the rules look values up in; dbt seeds them (dbt_project/seeds).
MEASURE_CATALOGUE_TABLE = "reference.measure_catalogue"
PLACES_TABLE = "reference.places"

# The spellings senders use, compared after lower-casing and turning every run of
# punctuation or spaces into one space ("Not-for-profit" -> "not for profit").
SECTOR_SYNONYMS = MappingProxyType(
    {
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
)

# Every pattern is anchored (^...$): DuckDB's and PostgreSQL's `~` are regex searches,
# so an anchored pattern means the same full match on both engines.

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
# What is removed from a quantity's text before it is read as a number.
QUANTITY_NOISE_PATTERN = "[£, ]"

# Local authority districts (GSS): English unitary, non-metropolitan, metropolitan and
# London boroughs, Welsh and Scottish councils, Northern Irish districts.
PLACE_CODE_PATTERN = r"^(E06|E07|E08|E09|W06|S12|N09)\d{6}$"

MAX_ORGANISATION_ID_LENGTH = 100

# The xlsx template's sheets: the return itself, and the measure list beside it. A
# workbook's data is read from a sheet named like RETURN_SHEET when it has one.
RETURN_SHEET = "Return"
MEASURES_SHEET = "Measures"
TEMPLATE_HINT = f"the {MEASURES_SHEET} sheet of the xlsx return template"
