"""Matching the sender's column headers to the canonical fields of a kind of return.

Every function takes the kind's field table (:class:`expectations.fields.FieldTable`;
a delivery return by default).

Senders type headers by hand, copy them from older templates and export them from
other systems, so matching is forgiving about spelling (case, spaces, punctuation,
US "organization") and knows the common synonyms. It is strict about ambiguity: two
columns that mean the same field reject the file rather than one silently winning.

It also owns finding the header row in files with title rows above it: the header is
the row, among the first :data:`HEADER_SEARCH_ROWS`, that names the most fields.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import cache

from openpyxl.utils import get_column_letter

from expectations.errors import FileRejected, ReturnError, WhereRead
from expectations.fields import DELIVERY, FieldTable

_NOT_LETTER_OR_DIGIT = re.compile(r"[\W_]+")

# Title, instructions and blank rows above the header are skipped; the header must start
# within this many rows (a sender's cover block is a few rows, never a screenful).
HEADER_SEARCH_ROWS = 20
# How many of the first rows a "no header found" message quotes back to the sender.
_ROWS_QUOTED = 5
_QUOTED_ROW_CHARS = 120


def normalise_header(text: str) -> str:
    """Reduce a header to the form used for matching: 'Org-ID ' and 'org_id' agree."""
    folded = _NOT_LETTER_OR_DIGIT.sub("", text.casefold())
    # British spelling is canonical; US senders write "organization".
    return folded.replace("organiz", "organis")


@cache
def _lookup(fields: FieldTable) -> dict[str, str]:
    lookup: dict[str, str] = {}
    for canonical in fields.names:
        for text in accepted_headers(canonical, fields):
            key = normalise_header(text)
            if lookup.setdefault(key, canonical) != canonical:
                raise ValueError(f"header synonym {text!r} is claimed by two fields")
    return lookup


def accepted_headers(canonical: str, fields: FieldTable = DELIVERY) -> tuple[str, ...]:
    """Every header text accepted for a field, canonical name first."""
    return fields.by_name(canonical).accepted_headers


def field_for_header(text: str, fields: FieldTable = DELIVERY) -> str | None:
    """The canonical field a header means, or None when it means nothing we know."""
    return _lookup(fields).get(normalise_header(text))


@dataclass(frozen=True)
class HeaderMapping:
    """Which of the sender's columns carries which canonical field."""

    columns: dict[str, str]  # canonical field -> the sender's header text
    positions: dict[str, int]  # canonical field -> 0-based position in the header list
    ignored: list[str] = field(default_factory=list)  # headers that match no field

    def column_letters(self) -> tuple[tuple[str, str], ...]:
        """(field, spreadsheet column letter) pairs, for formats laid out in columns."""
        return tuple(
            (canonical, get_column_letter(position + 1))
            for canonical, position in self.positions.items()
        )


def fields_named(cells: Sequence[str | None], fields: FieldTable = DELIVERY) -> int:
    """How many distinct fields a row's cells name as headers."""
    named = (field_for_header(cell, fields) for cell in cells if cell)
    return len({canonical for canonical in named if canonical is not None})


def best_header_row(
    rows: Iterable[tuple[int, Sequence[str | None]]], fields: FieldTable = DELIVERY
) -> tuple[int, int] | None:
    """(row number, fields named) of the row naming the most fields, the first on a tie.

    ``rows`` are (row number, cells) pairs, the first rows of a sheet or file. None when
    no row names any field.
    """
    best: tuple[int, int] | None = None
    for number, cells in rows:
        named = fields_named(cells, fields)
        if named and (best is None or named > best[1]):
            best = (number, named)
    return best


def no_header_found(
    place: str,
    first_rows: Sequence[tuple[int, Sequence[str | None]]],
    fields: FieldTable = DELIVERY,
) -> str:
    """The message for a file where no row of ``place`` names a field, quoting its rows.

    ``place`` says where the search was made: 'the file', 'sheet "Cover"'...
    """
    quoted = [
        f'row {number}: "{_row_text(cells)}"'
        for number, cells in first_rows
        if any(cell and cell.strip() for cell in cells)
    ][:_ROWS_QUOTED]
    held = "; ".join(quoted) if quoted else "nothing (they are empty)"
    required = ", ".join(fields.required)
    return (
        f"No header row was found in the first {HEADER_SEARCH_ROWS} rows of {place}: no row "
        f"has the return's column headers ({required}). The first rows hold: {held}. Put "
        "one row with these headers above the data, then one row per measure."
    )


def _row_text(cells: Sequence[str | None]) -> str:
    text = " | ".join(cell.strip() for cell in cells if cell and cell.strip())
    if len(text) > _QUOTED_ROW_CHARS:
        return text[: _QUOTED_ROW_CHARS - 3] + "..."
    return text


def _where(where: WhereRead) -> str:
    if where.header_row is None:
        return "the records"
    if where.sheet is not None:
        return f'the header row (row {where.header_row} of sheet "{where.sheet}")'
    return f"the header row (row {where.header_row})"


def _quoted(texts: list[str] | tuple[str, ...]) -> str:
    return ", ".join(f'"{text}"' for text in texts)


def _missing_field_error(canonical: str, where: WhereRead, fields: FieldTable) -> ReturnError:
    return ReturnError(
        row=where.header_row,
        column=canonical,
        value=None,
        message=(
            f'Required column "{canonical}" was not found in {_where(where)}. '
            f"Accepted headers: {_quoted(accepted_headers(canonical, fields))}. "
            f"Add a column with one of these headers and fill it in on every row."
        ),
    )


def _duplicate_field_error(
    canonical: str, headers: list[str], positions: list[int], header_row: int | None
) -> ReturnError:
    if header_row is None:  # keys or column names: no sheet columns to point at
        named = [f'"{headers[p].strip()}"' for p in positions]
    else:
        named = [f'"{headers[p].strip()}" (column {get_column_letter(p + 1)})' for p in positions]
    quantifier = "both" if len(named) == 2 else "all"
    return ReturnError(
        row=header_row,
        column=canonical,
        value=", ".join(headers[p].strip() for p in positions),
        message=(
            f"Columns {', '.join(named[:-1])} and {named[-1]} {quantifier} mean {canonical}, "
            "so it is unclear which to use. Keep one of them and delete or rename the others."
        ),
    )


def map_headers(
    headers: list[str],
    header_row: int | None,
    sheet: str | None = None,
    fields: FieldTable = DELIVERY,
) -> HeaderMapping:
    """Map the sender's headers to canonical fields, or reject the file.

    ``header_row`` is the row number the sender sees for the header line (``None`` for
    formats without one, such as JSON keys), ``sheet`` the worksheet it is on. Blank
    headers are left out of ``ignored``: the readers decide whether such a column holds
    anything worth a warning.
    """
    where = WhereRead(sheet=sheet, header_row=header_row)
    claims: dict[str, list[int]] = {}
    ignored: list[str] = []
    for position, header in enumerate(headers):
        text = header.strip()
        if not text:
            continue  # readers report unlabelled columns only when they hold values
        canonical = field_for_header(text, fields)
        if canonical is None:
            ignored.append(text)
        else:
            claims.setdefault(canonical, []).append(position)

    errors = [
        _duplicate_field_error(canonical, headers, positions, header_row)
        for canonical, positions in claims.items()
        if len(positions) > 1
    ]
    errors += [
        _missing_field_error(canonical, where, fields)
        for canonical in fields.required
        if canonical not in claims
    ]
    if errors:
        raise FileRejected(errors, where=where)

    ordered = [canonical for canonical in fields.names if canonical in claims]
    return HeaderMapping(
        columns={canonical: headers[claims[canonical][0]].strip() for canonical in ordered},
        positions={canonical: claims[canonical][0] for canonical in ordered},
        ignored=ignored,
    )
