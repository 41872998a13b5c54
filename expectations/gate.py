"""The quality gate: validate staged files with GX and turn failures into ReturnErrors.

One GX validation checks one staged table: a single file's, or a batch of small files
staged together (``ingest.staging``: column ``batch_file`` numbers the files 0, 1, ...),
so that GX's fixed cost per validation (about a second) is paid once per batch instead
of once per file. Every failing row of a batch is listed with its ``batch_file``, and
the results are split back into one :class:`GateResult` per file, exactly as the file
alone would have had.

GX runs in an ephemeral context (nothing written to disk) on a SQL datasource over the
warehouse itself, so every check is pushed down to DuckDB or PostgreSQL as SQL; no
DataFrame is built.

Two outcomes must never be confused: a rule that finds bad rows is the sender's problem
(:class:`GateResult` with errors); a rule that could not be evaluated is ours
(:class:`ValidatorError`), and must never be reported to the sender as a rejection.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa

from expectations import commitment_lines, return_lines
from expectations.errors import MAX_REPORTED_ERRORS, ReturnError
from expectations.fields import COMMITMENTS, DELIVERY
from expectations.rules import BATCH_FILE, Rule, Suite, build_expectations
from warehouse import Warehouse

if TYPE_CHECKING:
    from great_expectations.core import ExpectationValidationResult
    from great_expectations.datasource.fluent import SQLDatasource


# The suite each kind of return (expectations.fields.FieldTable.kind) is checked with.
LINE_SUITES: dict[str, Suite] = {
    DELIVERY.kind: return_lines.SUITE,
    COMMITMENTS.kind: commitment_lines.SUITE,
}


class ValidatorError(RuntimeError):
    """The gate could not check the file: an infrastructure failure, not the sender's fault.

    The file must be retried, never rejected, when this is raised.
    """

    def __init__(self, detail: str):
        super().__init__(
            f"quality gate failed to run (infrastructure error, not a problem with the "
            f"sender's file): {detail}"
        )


@dataclass(frozen=True)
class ExpectationSummary:
    """One rule's outcome, e.g. for Dagster asset-check metadata."""

    name: str
    column: str
    expectation_type: str
    success: bool
    unexpected_count: int


@dataclass(frozen=True)
class GateResult:
    """Errors sorted by row then column (field order), capped at MAX_REPORTED_ERRORS."""

    errors: list[ReturnError]
    total_errors: int
    rows_checked: int
    expectations: list[ExpectationSummary]

    @property
    def passed(self) -> bool:
        return self.total_errors == 0


def _result_format(suite: Suite, listed_rows: int, batched: bool) -> dict[str, Any]:
    # SUMMARY keeps every GX query bounded by partial_unexpected_count (COMPLETE would
    # fetch all unexpected values), and still lists the failing rows' index columns. A
    # rule on a raw column also listed here selects it twice; GX maps columns by
    # position, so both copies carry the same value. A batch lists every failing row
    # (``listed_rows`` is its row count): each file's count is then read from the list.
    file_column = [BATCH_FILE] if batched else []
    return {
        "result_format": "SUMMARY",
        "partial_unexpected_count": listed_rows,
        "unexpected_index_column_names": ["source_row", *file_column, *suite.reported_columns],
        "return_unexpected_index_query": False,
    }


def _split_table(qualified_table: str) -> tuple[str, str]:
    schema, _, table = qualified_table.partition(".")
    if not schema or not table:
        raise ValueError(f"expected a schema-qualified table, got {qualified_table!r}")
    return schema, table


def _raised_exception(exception_info: Mapping[str, Any] | None) -> str | None:
    """The error message if GX could not evaluate an expectation, else None.

    GX reports either one flat record or one record per failed metric; any record that
    is not an explicit "raised_exception: False" means the rule was not evaluated.
    """
    if not exception_info:
        return None
    if "raised_exception" in exception_info:
        if not exception_info["raised_exception"]:
            return None
        return str(exception_info.get("exception_message") or "unknown error")
    messages = [
        str(record.get("exception_message") or "unknown error")
        if isinstance(record, Mapping)
        else str(record)
        for record in exception_info.values()
    ]
    return "; ".join(messages) or "unknown error"


def _error(rule: Rule, row: int, value: object, extra: Mapping[str, object]) -> ReturnError:
    text = None if value is None else str(value)
    fields = {key: "" if item is None else item for key, item in extra.items()}
    fields["value"] = text
    suggested = extra.get("suggested") is not None
    fields["did_you_mean"] = rule.did_you_mean.format(**fields) if suggested else ""
    return ReturnError(
        row=row,
        column=rule.column,
        value=text,
        message=rule.message.format(**fields),
    )


# A failing row and the file of its batch it belongs to.
_Listed = tuple[int, ReturnError]


def _file_of(rule: Rule, record: Mapping[str, Any], batched: bool) -> int:
    if not batched:
        return 0
    if BATCH_FILE not in record:
        raise ValidatorError(f"rule {rule.name} does not say which file a row is from")
    return int(record[BATCH_FILE])


def _column_rule_errors(rule: Rule, result: Mapping[str, Any], batched: bool) -> list[_Listed]:
    return [
        (
            _file_of(rule, record, batched),
            _error(rule, int(record["source_row"]), record.get(rule.column), {}),
        )
        for record in result.get("partial_unexpected_index_list") or []
    ]


def _sql_rule_errors(
    rule: Rule, warehouse: Warehouse, qualified_table: str, count: int, batched: bool
) -> list[_Listed]:
    # GX's UnexpectedRowsExpectation returns at most 200 rows (MAX_RESULT_RECORDS) and none
    # in SUMMARY format, so the rows are fetched here with the rule's own SQL: a file's
    # first rows, or every failing row of a batch (at most a few per line of it).
    if count == 0:
        return []
    failing = f"select * from ({rule.query.format(batch=qualified_table)}) as failing"
    listing = (
        f"{failing} order by {BATCH_FILE}, source_row"
        if batched
        else f"{failing} order by source_row limit {MAX_REPORTED_ERRORS}"
    )
    with warehouse.connect() as connection:
        rows = connection.execute(sa.text(listing)).mappings().all()
    extra = ("source_row", "value", BATCH_FILE)
    return [
        (
            _file_of(rule, row, batched),
            _error(
                rule,
                int(row["source_row"]),
                row["value"],
                {key: item for key, item in row.items() if key not in extra},
            ),
        )
        for row in rows
    ]


def _unexpected_count(rule: Rule, result: Mapping[str, Any]) -> int:
    key = "observed_value" if rule.is_sql else "unexpected_count"
    count = result.get(key)
    if not isinstance(count, int):
        raise ValidatorError(f"rule {rule.name} returned no {key}")
    return count


def _release(datasource: SQLDatasource) -> None:
    # GX keeps pooled connections, and so DuckDB's file lock, for as long as its engines
    # live; the datasource and its execution engine each build one.
    datasource.get_execution_engine().engine.dispose()
    datasource.get_engine().dispose()


@contextmanager
def _gx_datasource(warehouse: Warehouse) -> Iterator[SQLDatasource]:
    import great_expectations as gx
    from great_expectations.data_context.types.base import ProgressBarsConfig

    from expectations import duckdb_compat

    duckdb_compat.apply()
    context = gx.get_context(mode="ephemeral")
    context.variables.progress_bars = ProgressBarsConfig(globally=False)
    name = f"svw_gate_{uuid.uuid4().hex}"
    datasource = context.data_sources.add_sql(
        name=name,
        connection_string=warehouse.connection_url,
        create_temp_table=False,
    )
    try:
        yield datasource
    finally:
        _release(datasource)
        context.data_sources.delete(name)


def _run_suite(
    warehouse: Warehouse, qualified_table: str, suite: Suite, result_format: dict[str, Any]
) -> list[ExpectationValidationResult]:
    import great_expectations as gx

    schema, table = _split_table(qualified_table)
    with _gx_datasource(warehouse) as datasource:
        asset = datasource.add_table_asset(name=table, table_name=table, schema_name=schema)
        batch = asset.add_batch_definition_whole_table("whole_file").get_batch()
        gx_suite = gx.ExpectationSuite(
            name=f"{suite.name}_{table}", expectations=build_expectations(suite)
        )
        outcome = batch.validate(gx_suite, result_format=result_format)
    return list(outcome.results)


def _results_by_rule(
    results: list[ExpectationValidationResult], suite: Suite
) -> dict[str, ExpectationValidationResult]:
    """Each rule's result; ValidatorError if any rule could not be evaluated."""
    by_rule: dict[str, ExpectationValidationResult] = {}
    failures: list[str] = []
    for result in results:
        rule_name = str((result.expectation_config.meta or {}).get("rule"))
        failure = _raised_exception(result.exception_info)
        if failure is not None:
            failures.append(f"rule {rule_name}: {failure.strip().splitlines()[0]}")
        by_rule[rule_name] = result
    if failures:
        raise ValidatorError("; ".join(failures))
    missing = [rule.name for rule in suite.rules if rule.name not in by_rule]
    if missing:
        raise ValidatorError(f"no result for rules {', '.join(missing)}")
    return by_rule


def _counts_by_file(rule: Rule, listed: list[_Listed], count: int, files: int) -> list[int]:
    """Each file's failing rows for one rule: a lone file's count is GX's; a batch's
    are read from its complete listing, which must add up to GX's count."""
    if files == 1:
        return [count]
    counts = [0] * files
    for file, _ in listed:
        counts[file] += 1
    if sum(counts) != count:
        raise ValidatorError(f"rule {rule.name}: {count} failing rows, {sum(counts)} listed")
    return counts


def _file_result(
    errors: list[ReturnError], summaries: list[ExpectationSummary], rows: int, suite: Suite
) -> GateResult:
    # Each rule listed its own first rows (staged tables are in source_row order), so the
    # first rows overall are among them. The sort is stable: ties keep rule order.
    order = {name: position for position, name in enumerate(suite.column_order)}
    errors.sort(key=lambda e: (e.row or 0, order.get(e.column or "", len(order))))
    return GateResult(
        errors=errors[:MAX_REPORTED_ERRORS],
        total_errors=sum(summary.unexpected_count for summary in summaries),
        rows_checked=rows,
        expectations=summaries,
    )


def _gate_results(
    results: list[ExpectationValidationResult],
    warehouse: Warehouse,
    qualified_table: str,
    suite: Suite,
    rows_by_file: list[int] | None,
) -> list[GateResult]:
    """One GateResult per file of the table (``rows_by_file`` None: one lone file)."""
    by_rule = _results_by_rule(results, suite)
    files = 1 if rows_by_file is None else len(rows_by_file)
    batched = rows_by_file is not None
    errors: list[list[ReturnError]] = [[] for _ in range(files)]
    summaries: list[list[ExpectationSummary]] = [[] for _ in range(files)]
    rows_checked = 0
    for rule in suite.rules:
        result = by_rule[rule.name]
        details: Mapping[str, Any] = result.result or {}
        count = _unexpected_count(rule, details)
        if bool(result.success) != (count == 0):
            raise ValidatorError(f"rule {rule.name}: success={result.success} with {count} rows")
        # Rules with a row condition count only the rows they looked at; the largest
        # element_count is the whole table.
        rows_checked = max(rows_checked, int(details.get("element_count") or 0))
        listed = (
            _sql_rule_errors(rule, warehouse, qualified_table, count, batched)
            if rule.is_sql
            else _column_rule_errors(rule, details, batched)
        )
        for file, error in listed:
            errors[file].append(error)
        for file, file_count in enumerate(_counts_by_file(rule, listed, count, files)):
            summaries[file].append(
                ExpectationSummary(
                    name=rule.name,
                    column=rule.column,
                    expectation_type=result.expectation_config.type,
                    success=file_count == 0,
                    unexpected_count=file_count,
                )
            )
    rows = rows_by_file if rows_by_file is not None else [rows_checked]
    return [_file_result(errors[file], summaries[file], rows[file], suite) for file in range(files)]


def _rows_by_file(warehouse: Warehouse, qualified_table: str, files: int) -> list[int]:
    with warehouse.connect() as connection:
        counted = connection.execute(
            sa.text(f"select {BATCH_FILE}, count(*) from {qualified_table} group by {BATCH_FILE}")
        ).all()
    rows = [0] * files
    for file, count in counted:
        rows[int(file)] = int(count)
    return rows


def _checked(check: Callable[[], list[GateResult]]) -> list[GateResult]:
    """Any failure to run the gate is ours, never the sender's: a ValidatorError."""
    try:
        return check()
    except ValidatorError:
        raise
    except Exception as exc:  # noqa: BLE001 - any failure to run is ours, not the sender's
        raise ValidatorError(f"{type(exc).__name__}: {exc}") from exc


def validate_batch(
    warehouse: Warehouse, qualified_table: str, suite: Suite, files: int
) -> list[GateResult]:
    """Check ``files`` files staged together in one table (their rows told apart by
    ``batch_file``, 0 to files - 1) with one GX validation; one result per file, in
    ``batch_file`` order, each what the file checked alone would get.

    Every failing row of the batch is fetched (a batch is a bounded number of lines).
    Raises :class:`ValidatorError` if any rule could not be evaluated, or does not say
    which file a failing row is from: no file of the batch then has a verdict.
    """
    _split_table(qualified_table)
    if files == 1:
        return [validate_staged(warehouse, qualified_table, suite)]

    def check() -> list[GateResult]:
        rows = _rows_by_file(warehouse, qualified_table, files)
        result_format = _result_format(suite, max(sum(rows), 1), batched=True)
        results = _run_suite(warehouse, qualified_table, suite, result_format)
        return _gate_results(results, warehouse, qualified_table, suite, rows)

    return _checked(check)


def validate_staged(
    warehouse: Warehouse, qualified_table: str, suite: Suite = return_lines.SUITE
) -> GateResult:
    """Check a staged file (``landing.<name>``) against every rule of ``suite`` (by
    default a return's, ``return_lines``).

    Raises :class:`ValidatorError` if any rule could not be evaluated. Leaves no
    connection of its own open: once the caller disposes the warehouse, another process
    can open a DuckDB file.
    """
    _split_table(qualified_table)

    def check() -> list[GateResult]:
        result_format = _result_format(suite, MAX_REPORTED_ERRORS, batched=False)
        results = _run_suite(warehouse, qualified_table, suite, result_format)
        return _gate_results(results, warehouse, qualified_table, suite, None)

    (result,) = _checked(check)
    return result


__all__ = [
    "LINE_SUITES",
    "ExpectationSummary",
    "GateResult",
    "ValidatorError",
    "validate_batch",
    "validate_staged",
]
