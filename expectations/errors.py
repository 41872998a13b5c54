"""The one shape every problem with a submitted file takes, whoever finds it.

Readers (``ingest``) and the gate (``expectations.gate``) both report in it, and the
rejection reports are written from it. :class:`WhereRead` says which part of the file
was read (the sheet and the header row), so that every report can say it.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

# Errors reported to a sender are capped; the total is always given.
MAX_REPORTED_ERRORS = 1000


@dataclass(frozen=True)
class ReturnError:
    """One thing the sender must fix, located the way they will look for it.

    ``row`` is the row number the sender sees (spreadsheet row for CSV/XLSX, 1-based
    index for JSON/Parquet); ``None`` when the problem concerns the whole file.
    ``column`` is the canonical field name (e.g. ``quantity``) or ``None``.
    ``message`` says what is wrong *and* how to fix it.
    """

    row: int | None
    column: str | None
    value: str | None
    message: str

    def to_dict(self) -> dict[str, object]:
        return asdict(self)


@dataclass(frozen=True)
class WhereRead:
    """The part of a file the return was read from, as the sender would find it.

    ``sheet`` is the worksheet's name (workbooks only); ``header_row`` the row number of
    the header (CSV and workbooks; ``None`` for JSON keys and Parquet column names, or
    when no header was found). ``column_letters`` maps each canonical field found to
    the spreadsheet column letter it was read from (``G``), for cell references.
    """

    sheet: str | None = None
    header_row: int | None = None
    column_letters: tuple[tuple[str, str], ...] = ()

    def cell(self, column: str | None, row: int | None) -> str | None:
        """The cell reference the sender's program shows (``G7``), where there is one."""
        letter = dict(self.column_letters).get(column or "")
        if letter is None or row is None:
            return None
        return f"{letter}{row}"

    def described(self) -> str:
        """'sheet "Return", header row 3', or '' when there is nothing to say."""
        parts = []
        if self.sheet is not None:
            parts.append(f'sheet "{self.sheet}"')
        if self.header_row is not None:
            parts.append(f"header row {self.header_row}")
        return ", ".join(parts)


class FileRejected(Exception):  # noqa: N818 - a rejection is an outcome, not a crash
    """The file cannot be loaded as a whole; the errors say why and where.

    ``where`` is what had been found of the file's layout when it was refused.
    """

    def __init__(
        self,
        errors: list[ReturnError],
        total: int | None = None,
        where: WhereRead | None = None,
    ):
        self.errors = errors
        self.total = total if total is not None else len(errors)
        self.where = where or WhereRead()
        super().__init__("; ".join(e.message for e in errors[:3]))
