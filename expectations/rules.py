"""How a row-level rule is declared, and a suite of them: the shape every GX suite shares.

Owns :class:`Rule` (one check, the column the sender must fix, and the message telling
them how), :class:`Suite` (the rules of one kind of staged file) and turning a suite
into GX expectations. Rules are data (expectation class name + arguments) so that the
modules declaring them (``return_lines``, ``reference_rules``) do not import
great_expectations (about 3 s); :func:`build_expectations` does, when the gate runs.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from great_expectations.expectations import Expectation

UNEXPECTED_ROWS = "UnexpectedRowsExpectation"

# The staged column numbering the files of a batch staged together (``ingest.staging``):
# the gate tells which file a failing row is from by it. A return's SQL rule selects it
# beside ``source_row``, and keeps any comparison between rows inside one file.
BATCH_FILE = "batch_file"


@dataclass(frozen=True)
class Rule:
    """One row-level check.

    ``column`` is the canonical field reported to the sender. ``checked_column`` is the
    column the expectation runs on (a typed column such as ``sector_value``, or the raw
    field itself). ``only_where_given`` restricts the check to rows where that raw field
    is not empty, so a missing value is left to the "missing" rule.
    """

    name: str
    column: str
    expectation: str
    arguments: Mapping[str, Any]
    message: str
    only_where_given: str | None = None
    checked_column: str | None = None
    did_you_mean: str = ""  # for a SQL rule returning ``suggested``: how to say it

    @property
    def is_sql(self) -> bool:
        return self.expectation == UNEXPECTED_ROWS

    @property
    def query(self) -> str:
        """The SQL of a SQL rule, with ``{batch}`` standing for the staged table."""
        return str(self.arguments["unexpected_rows_query"])


@dataclass(frozen=True)
class Suite:
    """The rules one kind of staged file must pass.

    ``reported_columns`` are listed by GX beside ``source_row`` for each failing row of
    a column rule; ``column_order`` sorts a row's errors the way the sender reads them.
    """

    name: str
    rules: tuple[Rule, ...]
    reported_columns: tuple[str, ...] = ()
    column_order: tuple[str, ...] = ()


def _frozen(**arguments: Any) -> Mapping[str, Any]:
    return MappingProxyType(arguments)


def column_rule(
    name: str,
    column: str,
    expectation: str,
    message: str,
    *,
    checked_column: str | None = None,
    only_where_given: str | None = None,
    **arguments: Any,
) -> Rule:
    checked = checked_column or column
    return Rule(
        name=name,
        column=column,
        expectation=expectation,
        arguments=_frozen(column=checked, **arguments),
        message=message,
        only_where_given=only_where_given,
        checked_column=checked,
    )


def sql_rule(name: str, column: str, query: str, message: str, did_you_mean: str = "") -> Rule:
    """A rule as SQL over the staged rows, called ``line``.

    The query returns ``source_row``, ``value`` (the offending text) and any other field
    its message uses; a return's rule also ``batch_file`` (:data:`BATCH_FILE`), and
    compares a row only with rows of the same ``batch_file``. GX renders ``{batch}`` as a
    table name, an aliased subquery or a bare one depending on the query; naming it once
    in a CTE keeps the SQL valid in every case.
    Write joins with a comma, never the JOIN keyword: with one, GX leaves ``{batch}``
    without the alias PostgreSQL 15 requires of a subquery.
    """
    full_query = "with line as (select * from {batch})\n" + query.strip()
    return Rule(
        name=name,
        column=column,
        expectation=UNEXPECTED_ROWS,
        arguments=_frozen(unexpected_rows_query=full_query),
        message=message,
        did_you_mean=did_you_mean,
    )


def literal_braces(pattern: str) -> str:
    # GX fills {batch} with str.format, so a regex quantifier such as {6} must be doubled.
    return pattern.replace("{", "{{").replace("}", "}}")


def build_expectations(suite: Suite) -> list[Expectation]:
    """The GX expectations of a suite, each tagged with its rule name in ``meta``."""
    import great_expectations.expectations as gxe
    from great_expectations.expectations.row_conditions import Column

    expectations: list[Expectation] = []
    for rule in suite.rules:
        arguments = dict(rule.arguments)
        if rule.only_where_given:
            arguments["row_condition"] = Column(rule.only_where_given).is_not_null()
        expectation_class = getattr(gxe, rule.expectation)
        expectations.append(expectation_class(**arguments, meta={"rule": rule.name}))
    return expectations
