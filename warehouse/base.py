"""What every warehouse engine provides; see the package docstring."""

from __future__ import annotations

import re
from abc import ABC, abstractmethod
from contextlib import AbstractContextManager
from typing import ClassVar

import pyarrow as pa
import sqlalchemy as sa

from configuration import WarehouseLocation

# Names interpolated into SQL: only plain lower-case identifiers, optionally qualified.
_IDENTIFIER = re.compile(r"[a-z_][a-z0-9_]{0,62}")


class WarehouseBusy(RuntimeError):
    """Another run holds the warehouse's run lock for longer than we may wait."""


def checked_identifier(name: str) -> str:
    """``name`` if it is safe to write into SQL as an identifier, else ValueError."""
    if not all(_IDENTIFIER.fullmatch(part) for part in name.split(".")) or name.count(".") > 1:
        raise ValueError(
            f"{name!r} must be a lower-case SQL identifier (letters, digits, underscores; "
            "at most 63 characters), optionally schema-qualified"
        )
    return name


class Warehouse(ABC):
    """One warehouse database. ``engine`` is a SQLAlchemy engine on it."""

    dialect: ClassVar[str]  # "duckdb" | "postgres": the dbt target and GX dialect
    location: WarehouseLocation
    engine: sa.Engine

    def begin(self) -> AbstractContextManager[sa.Connection]:
        """A connection in a transaction that commits on success, rolls back on error."""
        return self.engine.begin()

    def connect(self) -> AbstractContextManager[sa.Connection]:
        return self.engine.connect()

    def dispose(self) -> None:
        self.engine.dispose()

    @property
    def connection_url(self) -> str:
        """The URL another client (Great Expectations) opens the same database with."""
        return self.engine.url.render_as_string(hide_password=False)

    @abstractmethod
    def arrow_relation(
        self, connection: sa.Connection, table: pa.Table | pa.RecordBatchReader, name: str
    ) -> AbstractContextManager[str]:
        """Make ``table`` readable in SQL on ``connection`` for a block; yields its name.

        Bulk, never row by row, batch by batch: a reader's batches are never all held
        at once (it can be read only once: use the name in one statement). The relation
        is gone after the block.
        """

    @abstractmethod
    def run_lock(self, timeout_seconds: float) -> AbstractContextManager[None]:
        """Held for a whole run, so two runs never interleave their writes here.

        Raises :class:`WarehouseBusy` after ``timeout_seconds``.
        """

    @abstractmethod
    def try_date(self, text_sql: str, day_first: bool) -> str:
        """SQL for the date ``text_sql`` spells (yyyy-mm-dd, or dd/mm/yyyy when
        ``day_first``), NULL when no such day exists. The shape is checked beforehand."""

    @abstractmethod
    def try_double(self, text_sql: str) -> str:
        """SQL for the finite double ``text_sql`` spells, NULL when it is not one."""

    def prepare(self, connection: sa.Connection) -> None:  # noqa: B027 - optional hook
        """Create what this engine needs before the portable SQL runs (e.g. functions)."""
