"""The vocabulary of what is valid in a return: sectors, dates, quantities, codes, units.

One home for these rules of reading. Staging (``ingest.staging``) turns them into typed
SQL columns; the gate (``return_lines``) reports the rows where they failed; the docs
(docs/return-format.md) describe them to senders.
"""

from __future__ import annotations

from types import MappingProxyType

# Reference tables the rules look values up in; dbt seeds them (dbt_project/seeds).
# The shipped (illustrative) catalogue; returns are checked against the catalogue in
# force, KNOWN_MEASURES_TABLE (expectations.catalogue), which loaded editions extend.
MEASURE_CATALOGUE_TABLE = "reference.measure_catalogue"
PLACES_TABLE = "reference.places"  # the current districts
# Every district code since 2011 and the current code covering it.
PLACE_CODE_SUCCESSORS_TABLE = "reference.place_code_successors"

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

# Dates: ISO or UK day-first, perhaps followed by a time of day (spreadsheets export date
# cells as "2025-06-30 00:00:00"). The shape is checked before parsing because strptime
# alone accepts two-digit years. A time of exactly midnight is no time at all; any other
# time is reported, as the sender may have meant another day.
ISO_DATE_PATTERN = r"^\d{4}-\d{2}-\d{2}$"
UK_DATE_PATTERN = r"^\d{1,2}/\d{1,2}/\d{4}$"
DATE_WITH_TIME_PATTERN = (
    r"^(\d{4}-\d{2}-\d{2}|\d{1,2}/\d{1,2}/\d{4})([ T]\d{1,2}:\d{2}(:\d{2}(\.\d+)?)?)?$"
)
MIDNIGHT_PATTERN = r"^0?0:00(:00(\.0+)?)?$"
ACCEPTED_DATE_FORMATS = "yyyy-mm-dd (e.g. 2026-03-31) or dd/mm/yyyy (e.g. 31/03/2026)"
# A date as Excel stores it, a day count from 30 December 1899, shown as a plain number
# when its cell is not formatted as a date: five digits cover the years 1927 to 2173.
EXCEL_SERIAL_PATTERN = r"^\d{5}(\.\d+)?$"
EXCEL_SERIAL_EPOCH = "1899-12-30"

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

# Measure codes and place names are compared on a key: lower case, letters and digits.
# "nt 1" and "NT-1" both mean NT1; "Newcastle-upon-Tyne" is "Newcastle upon Tyne".
CODE_NOISE_PATTERN = "[^a-z0-9]+"

# Units as senders spell them: each canonical unit (as in the measure catalogue) and the
# other spellings accepted for it, compared after lower-casing and removing all spaces.
# The unit check of return lines uses it, and so will the check of catalogue editions.
UNIT_SYNONYMS = MappingProxyType(
    {
        "people FTE": (
            "people (FTE)",
            "FTE",
            "FTE people",
            "people full-time equivalent",
            "full-time equivalent",
            "full time equivalent",
        ),
        "hours": ("hour", "hrs", "hr", "h"),
        "weeks": ("week", "wks", "wk"),
        "GBP": ("£", "pounds", "pound", "pounds sterling", "£ GBP"),
        "tCO2e": (
            "t CO2e",
            "tonnes CO2e",
            "tonnes of CO2e",
            "tonnes CO2 equivalent",
            "tonnes of CO2 equivalent",
            "tCO2",
        ),
        "tonnes": ("tonne", "t", "metric tonnes"),
        "miles": ("mile", "mi"),
        "devices": ("device",),
    }
)


def unit_key(text: str) -> str:
    """The form units are compared in: 'People FTE ' and 'peoplefte' agree."""
    return "".join(text.split()).lower()


def _units_by_key() -> dict[str, str]:
    by_key: dict[str, str] = {}
    for unit, spellings in UNIT_SYNONYMS.items():
        for spelling in (unit, *spellings):
            if by_key.setdefault(unit_key(spelling), unit) != unit:
                raise ValueError(f"unit spelling {spelling!r} is claimed by two units")
    return by_key


UNIT_BY_KEY = MappingProxyType(_units_by_key())


def canonical_unit(text: str) -> str | None:
    """The canonical unit a spelling means ('hrs' -> 'hours'), or None if unknown."""
    return UNIT_BY_KEY.get(unit_key(text))


def _words(text: str) -> str:
    """Lower case, every run of punctuation or spaces one space ("Jobs: Promote" -> ...)."""
    return " ".join("".join(c if c.isalnum() else " " for c in text.lower()).split())


# The five TOMs themes and the wordings editions give them (National TOMs headings,
# older and newer), compared as _words. A heading "Jobs: Promote Local Skills and
# Employment" is read by its part before the colon, else by its part after it.
THEME_SYNONYMS = MappingProxyType(
    {
        "Jobs": ("jobs", "promote local skills and employment"),
        "Growth": ("growth", "supporting growth of responsible regional business"),
        "Social": ("social", "healthier safer and more resilient communities"),
        "Environment": (
            "environment",
            "decarbonising and safeguarding our world",
            "protecting and improving our environment",
        ),
        "Innovation": ("innovation", "promoting social innovation"),
    }
)
_THEME_BY_WORDS = {spelling: theme for theme, all in THEME_SYNONYMS.items() for spelling in all}


def canonical_theme(text: str) -> str | None:
    """The TOMs theme a heading names ('Jobs: Promote Local Skills...' -> 'Jobs')."""
    before, _, after = text.partition(":")
    for part in (text, before, after):
        if theme := _THEME_BY_WORDS.get(_words(part)):
            return theme
    return None


# How an edition values a measure: a national proxy, no value at all (stored with its
# quantity), or a proxy that depends on the place (reference/local-proxies/).
VALUE_TYPES = ("proxy", "record_only", "localised")
VALUE_TYPE_SYNONYMS = MappingProxyType(
    {
        "proxy": ("proxy", "valued", "national proxy"),
        "record_only": ("record only", "record", "not valued"),
        "localised": ("localised", "localized", "local", "local proxy"),
    }
)
_VALUE_TYPE_BY_WORDS = {
    spelling: kind for kind, all in VALUE_TYPE_SYNONYMS.items() for spelling in all
}


def canonical_value_type(text: str) -> str | None:
    """'Record-only' -> 'record_only'; None when it names no value type."""
    return _VALUE_TYPE_BY_WORDS.get(_words(text))


MAX_ORGANISATION_ID_LENGTH = 100

# The xlsx template's sheets: the return itself, then how to fill it in, the measure
# list and the districts, which its drop-down lists draw on. A workbook's data is read
# from a sheet named like RETURN_SHEET when it has one.
RETURN_SHEET = "Return"
INSTRUCTIONS_SHEET = "Instructions"
MEASURES_SHEET = "Measures"
PLACES_SHEET = "Places"
TEMPLATE_HINT = f"the {MEASURES_SHEET} sheet of the xlsx return template"
