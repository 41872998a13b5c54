"""Return file format v1: the canonical fields (docs/return-format.md)."""

from __future__ import annotations

REQUIRED_FIELDS: tuple[str, ...] = (
    "organisation_id",
    "organisation_name",
    "sector",
    "period_start",
    "period_end",
    "measure_code",
    "quantity",
    "place_code",
)
OPTIONAL_FIELDS: tuple[str, ...] = ("contract_ref", "unit", "framework", "evidence")
ALL_FIELDS: tuple[str, ...] = REQUIRED_FIELDS + OPTIONAL_FIELDS

# Errors reported to a sender are capped; the total is always given.
MAX_REPORTED_ERRORS = 1000
