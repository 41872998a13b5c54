"""Make Great Expectations 1.x compute metrics on DuckDB through SQLAlchemy (duckdb-engine).

Out of the box every metric silently fails on DuckDB (upstream issues 10738 and 11579):
expectations come back ``success: false`` with the real error hidden in
``exception_info``. Two patches fix it; both touch only the ``duckdb`` dialect and leave
every other backend on GX's own code:

1. Buffer result rows before the connection is released. ``execute_query`` returns the
   cursor *after* its ``with engine.connect()`` block has closed the connection; closing
   ends the auto-begun transaction (a rollback), which discards DuckDB's pending result,
   so every fetch yields ``[]`` (``IndexError: list index out of range`` in
   ``resolve_metric_bundle``). We fetch inside the block and return a frozen copy. The
   cost is that a query's whole result is held in memory: in SUMMARY format GX limits
   its map-metric queries, but UnexpectedRowsExpectation's rows are all fetched (about
   2 s more for a million-line file in which every line breaks one such rule).
2. Give the duckdb dialect GX's PostgreSQL dialect module. GX picks regex/LIKE SQL by
   dialect module and has none for DuckDB ("not supported for dialect duckdb"). DuckDB's
   ``~`` / ``!~`` are regex *searches* and its LIKE/ESCAPE match PostgreSQL's, so the
   PostgreSQL renderings are correct here.

Not patched, and therefore not to be used: ``ExpectColumnQuantileValuesToBeBetween``
(crashes the run on a numpy bool that is not JSON-serialisable, on any backend).

The patches reach into GX internals, so they are pinned to one GX version and raise
:class:`DuckDBCompatError` rather than guess when the internals are not what they expect.
"""

from __future__ import annotations

import functools
from typing import Any

SUPPORTED_GX_VERSION = "1.24.1"
DUCKDB_DIALECT = "duckdb"
_MARKER = "__svw_duckdb_compat__"


class DuckDBCompatError(RuntimeError):
    """GX is not the version (or shape) this compatibility layer was written for."""


def _require(owner: object, attribute: str) -> Any:
    value = getattr(owner, attribute, None)
    if value is None:
        raise DuckDBCompatError(
            f"great_expectations internals changed: {getattr(owner, '__name__', owner)}."
            f"{attribute} not found; review expectations/duckdb_compat.py before upgrading GX"
        )
    return value


def _buffered(result: Any) -> Any:
    # Statements without rows have nothing to lose when the connection goes back.
    if not result.returns_rows:
        return result
    return result.freeze()()


def apply() -> None:
    """Install the patches (idempotent). Call before building any GX datasource."""
    import great_expectations
    from great_expectations.execution_engine import sqlalchemy_execution_engine as engine_module

    if great_expectations.__version__ != SUPPORTED_GX_VERSION:
        raise DuckDBCompatError(
            f"expectations/duckdb_compat.py is written for great_expectations "
            f"{SUPPORTED_GX_VERSION}, found {great_expectations.__version__}; check whether "
            "upstream issues 10738/11579 are fixed and re-validate each patch before upgrading"
        )
    engine_class = _require(engine_module, "SqlAlchemyExecutionEngine")
    original_execute_query = _require(engine_class, "execute_query")
    if getattr(original_execute_query, _MARKER, False):
        return
    original_init = _require(engine_class, "__init__")
    _require(engine_class, "get_connection")
    _require(engine_class, "_execute_query_with_recovery")
    _require(engine_class, "dialect_name")

    from sqlalchemy.dialects import postgresql

    @functools.wraps(original_execute_query)
    def execute_query(self: Any, query: Any) -> Any:
        if self.dialect_name != DUCKDB_DIALECT:
            return original_execute_query(self, query)
        with self.get_connection() as connection:
            return _buffered(self._execute_query_with_recovery(connection, query))

    @functools.wraps(original_init)
    def __init__(self: Any, *args: Any, **kwargs: Any) -> None:  # noqa: N807 - replaces __init__
        original_init(self, *args, **kwargs)
        if not hasattr(self, "dialect_module"):
            raise DuckDBCompatError(
                "great_expectations internals changed: SqlAlchemyExecutionEngine has no "
                "dialect_module; review expectations/duckdb_compat.py"
            )
        if self.dialect_name == DUCKDB_DIALECT and self.dialect_module is None:
            self.dialect_module = postgresql

    setattr(execute_query, _MARKER, True)
    setattr(__init__, _MARKER, True)
    engine_class.execute_query = execute_query
    engine_class.__init__ = __init__
