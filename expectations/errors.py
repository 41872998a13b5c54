"""The one shape every problem with a submitted file takes, whoever finds it.

Readers (``ingest``) and the gate (``expectations.gate``) both report in it, and the
rejection reports are written from it.
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


class FileRejected(Exception):  # noqa: N818 - a rejection is an outcome, not a crash
    """The file cannot be loaded as a whole; the errors say why and where."""

    def __init__(self, errors: list[ReturnError], total: int | None = None):
        self.errors = errors
        self.total = total if total is not None else len(errors)
        super().__init__("; ".join(e.message for e in errors[:3]))
