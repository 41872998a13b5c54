"""Incremental dbt builds give exactly the marts of a full build, on both engines.

One warehouse per engine is built after each of four steps, incrementally (the line
models replace only the returns new files hold, macros/incremental_lines.sql), then
rebuilt with ``--full-refresh``; every row of every mart, and of the incremental
models themselves, must be the same in both, Decimals exactly; and the build stamps
of the line models show each build recomputed only what it had to. Submitter north-cc
(and once south-cc) sends, all for contracts of private suppliers:

1. q1.csv: return R1 (GB-COH-01, C1, Q1: NT24 100, NT10 12, NT14 5000 in Leeds), R2
   (GB-COH-02, no contract, Q1: NT24 50 in Manchester), R3 (GB-COH-03, C3, January
   to June 2025, across 31 March: NT14 9000 in Leeds); south-cc's q1.csv has R1's
   organisation, contract and period (NT24 40): another submitter's return;
   commitments c-3.csv on C3.
2. q1-v2.csv replaces R1 (NT24 120, NT10 12: NT14 withdrawn) and R2 (contract ''
   is no contract: NT24 55) and adds R4 (GB-COH-01, C1, Q2: NT24 80); a rejected
   file and a duplicate reach the ledger with no lines.
3. q1-late.csv arrives last but was received between q1.csv and q1-v2.csv: its R1
   (NT24 999) is superseded on arrival, its R3 (NT14 4500) replaces q1.csv's;
   commitments c-3-v2.csv re-baselines C3.
4. A corrected edition file (version 1 of svw-illustrative-2026, NT24 at £20.00
   instead of £16.50) re-prices every NT24 line, new or not.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime
from decimal import Decimal
from typing import Any

import pytest

from tests.dbt_builds import (
    EDITION,
    BuiltWarehouse,
    RawRows,
    dbt_build,
    execute,
    load,
    new_warehouse,
    rows,
)

pytestmark = pytest.mark.slow

Q1 = (date(2025, 4, 1), date(2025, 6, 30))
Q2 = (date(2025, 7, 1), date(2025, 9, 30))
ACROSS_MARCH = (date(2025, 1, 1), date(2025, 6, 30))  # 90 days in 2024-25, 91 in 2025-26
C3_TERM = (date(2025, 4, 1), date(2026, 3, 31))
LEEDS, MANCHESTER = "E08000035", "E08000003"
# The incremental models: their rows must match too, but for when they were built.
INCREMENTAL_MODELS = (
    "intermediate.int_return_lines_history",
    "intermediate.int_return_lines_valued",
    "intermediate.int_return_lines_by_financial_year",
)
BUILD_STAMPS = {"built_at", "history_built_at"}


def ledger(sid: int, submitter: str, name: str, received: str, lines: int, status: str = "loaded",
           duplicate_of: int | None = None) -> list[Any]:  # fmt: skip
    """A ledger row in SUBMISSION_COLUMNS order."""
    at = datetime.fromisoformat(received)
    path = f"incoming/{submitter}/{name}" if submitter else name
    return [sid, submitter, path, f"sha-{sid}", 1000 + sid, "csv", at, at, status, lines,
            0 if status != "rejected" else 1, f"{status}/{path}", None, duplicate_of,
            f"run-{sid}", "[]"]  # fmt: skip


def line(sid: int, row: int, org: str, contract: str | None, period: tuple[date, date],
         code: str, qty: float, place: str = LEEDS, submitter: str = "north-cc"
         ) -> list[Any]:  # fmt: skip
    """A private supplier's line, in RETURN_LINE_COLUMNS order."""
    return [sid, row, submitter, org, f"Supplier {org}", "private", *period, code, EDITION,
            qty, None, place, contract, None]  # fmt: skip


def commitment(sid: int, row: int, code: str, qty: float) -> list[Any]:
    """A commitment on contract C3 of GB-COH-03, in COMMITMENT_LINE_COLUMNS order."""
    return [sid, row, "north-cc", "GB-COH-03", "Supplier GB-COH-03", "private", "C3",
            *C3_TERM, code, qty, LEEDS, "Contract C3", 100000, EDITION, None, None,
            None]  # fmt: skip


STEPS = [
    RawRows(
        submissions=[
            ledger(1, "north-cc", "q1.csv", "2025-07-10 09:00", 5),
            ledger(2, "south-cc", "q1.csv", "2025-07-11 09:00", 1),
            ledger(10, "north-cc", "commitments/c-3.csv", "2025-03-01 09:00", 2),
        ],
        return_lines=[
            line(1, 2, "GB-COH-01", "C1", Q1, "NT24", 100),
            line(1, 3, "GB-COH-01", "C1", Q1, "NT10", 12),
            line(1, 4, "GB-COH-01", "C1", Q1, "NT14", 5000),
            line(1, 5, "GB-COH-02", None, Q1, "NT24", 50, MANCHESTER),
            line(1, 6, "GB-COH-03", "C3", ACROSS_MARCH, "NT14", 9000),
            line(2, 2, "GB-COH-01", "C1", Q1, "NT24", 40, submitter="south-cc"),
        ],
        commitment_lines=[commitment(10, 2, "NT1", 2), commitment(10, 3, "NT24", 400)],
    ),
    RawRows(
        submissions=[
            ledger(3, "north-cc", "q1-v2.csv", "2025-07-20 09:00", 4),
            ledger(4, "north-cc", "bad.csv", "2025-07-21 09:00", 3, status="rejected"),
            ledger(5, "north-cc", "q1-v2-again.csv", "2025-07-22 09:00", 4, "duplicate", 3),
        ],
        return_lines=[
            line(3, 2, "GB-COH-01", "C1", Q1, "NT24", 120),
            line(3, 3, "GB-COH-01", "C1", Q1, "NT10", 12),
            line(3, 4, "GB-COH-02", "", Q1, "NT24", 55, MANCHESTER),
            line(3, 5, "GB-COH-01", "C1", Q2, "NT24", 80),
        ],
    ),
    RawRows(
        submissions=[
            ledger(6, "north-cc", "q1-late.csv", "2025-07-15 09:00", 2),
            ledger(11, "north-cc", "commitments/c-3-v2.csv", "2025-09-01 09:00", 1),
        ],
        return_lines=[
            line(6, 2, "GB-COH-01", "C1", Q1, "NT24", 999),
            line(6, 3, "GB-COH-03", "C3", ACROSS_MARCH, "NT14", 4500),
        ],
        commitment_lines=[commitment(11, 2, "NT1", 1)],
    ),
]
CORRECTED_EDITION_ID = 20
# Step 4: the seeded edition again as a loaded file, version 1, with NT24 re-priced.
CORRECTED_EDITION = f"""
insert into raw.reference_frameworks (
    submission_id, source_row, edition, measure_code, theme, outcome, description, unit,
    proxy_value_gbp, value_type, is_illustrative, source, licence, version)
select
    {CORRECTED_EDITION_ID}, 1 + row_number() over (order by measure_code), edition,
    measure_code, theme, outcome, description, unit,
    case when measure_code = 'NT24' then 20.0 else cast(proxy_value_gbp as double precision) end,
    case when proxy_value_gbp is null then 'record_only' else 'proxy' end,
    is_illustrative, source, licence, 1
from reference.measure_catalogue
where edition = '{EDITION}'
"""
CORRECTED_EDITION_LEDGER = RawRows(
    submissions=[
        ledger(CORRECTED_EDITION_ID, None, "reference/frameworks/svw.csv", "2025-10-01 09:00", 0)
    ],
    return_lines=[],
)

# fct_place_totals by hand (proxies: NT24 £16.50, NT10 £245, NT14 £1): after step 3,
# R1 is q1-v2.csv's (120 x 16.50 + 12 x 245), south-cc's R1 counts too (40 x 16.50),
# R4 (80 x 16.50); R2 is q1-v2.csv's (55 x 16.50); R3 is q1-late.csv's, 4500 split
# 90:91 days between 2024-25 and 2025-26 (2,237.569... and 2,262.430...).
TOTALS_AFTER_STEP_3 = [
    (LEEDS, "2024-25", "Growth", Decimal("2237.57"), 1),
    (LEEDS, "2025-26", "Growth", Decimal("2262.43"), 1),
    (LEEDS, "2025-26", "Jobs", Decimal("2940.00"), 1),
    (LEEDS, "2025-26", "Social", Decimal("3960.00"), 3),
    (MANCHESTER, "2025-26", "Social", Decimal("907.50"), 1),
]
# After step 4, the same NT24 lines at £20.00: (120 + 40 + 80) x 20 and 55 x 20.
REPRICED_SOCIAL = {LEEDS: Decimal("4800.00"), MANCHESTER: Decimal("1100.00")}
TOTALS_AFTER_STEP_4 = [
    (place, year, theme, REPRICED_SOCIAL[place] if theme == "Social" else value, lines)
    for place, year, theme, value, lines in TOTALS_AFTER_STEP_3
]
PLACE_TOTALS = """
select place_code, financial_year, theme, social_value_gbp, line_count
from marts.fct_place_totals order by place_code desc, financial_year, theme
"""


# Each line with the build that stamped it, as 1-4 (a build's stamp is its start time).
STAMPS = """
with stamps as (
    select distinct built_at from intermediate.int_return_lines_history
    union
    select distinct built_at from intermediate.int_return_lines_valued
)
select lines.line_id, cast(count(*) as integer)
from intermediate.{model} as lines
inner join stamps on stamps.built_at <= lines.built_at
group by lines.line_id
"""


def _relations(warehouse: BuiltWarehouse) -> list[str]:
    """Every mart (tables and views) and the incremental models, as schema.name."""
    marts = rows(
        warehouse,
        "select table_schema || '.' || table_name from information_schema.tables "
        "where table_schema = 'marts' order by table_name",
    )
    return [name for (name,) in marts] + list(INCREMENTAL_MODELS)


def _sort_key(row: tuple) -> tuple:
    return tuple((value is None, str(type(value)), value) for value in row)


def _contents(warehouse: BuiltWarehouse) -> dict[str, tuple[list[str], list[tuple]]]:
    """Each relation's columns (build stamps left out) and its rows, sorted."""
    contents = {}
    for relation in _relations(warehouse):
        schema, name = relation.split(".")
        columns = [
            column
            for (column,) in rows(
                warehouse,
                "select column_name from information_schema.columns "
                f"where table_schema = '{schema}' and table_name = '{name}' "
                "order by ordinal_position",
            )
            if column not in BUILD_STAMPS
        ]
        selected = rows(warehouse, f"select {', '.join(columns)} from {relation}")
        contents[relation] = (columns, sorted(selected, key=_sort_key))
    return contents


class Builds:
    """The incremental build after each step, then the full-refresh one."""

    def __init__(self, warehouse: BuiltWarehouse) -> None:
        self.warehouse = warehouse
        self.totals_after_step_3: list[tuple] = []
        self.totals_after_step_4: list[tuple] = []
        # build (1-4) that last stamped each line, history and valued, after step 4
        self.history_stamps: dict[str, int] = {}
        self.valued_stamps: dict[str, int] = {}
        self.incremental: dict[str, tuple[list[str], list[tuple]]] = {}
        self.full_refresh: dict[str, tuple[list[str], list[tuple]]] = {}


@pytest.fixture(scope="module", params=["duckdb", "postgres"])
def builds(request: pytest.FixtureRequest, tmp_path_factory) -> Iterator[Builds]:
    warehouse, env, tmp = new_warehouse(request, tmp_path_factory, "svw_incremental_builds")
    built = Builds(warehouse)
    for number, step in enumerate(STEPS, start=1):
        load(warehouse, step)
        # The line models are built incrementally at every step; the marts need only
        # the last step's state, and step 4's and the full refresh's.
        dbt_build(
            env,
            warehouse.target,
            tmp,
            data_tests=False,
            incremental_models_only=number < len(STEPS),
        )
    built.totals_after_step_3 = rows(warehouse, PLACE_TOTALS)
    load(warehouse, CORRECTED_EDITION_LEDGER)
    execute(
        warehouse,
        "update raw.submissions set file_kind = 'reference_frameworks' "
        f"where submission_id = {CORRECTED_EDITION_ID}",
    )
    execute(warehouse, CORRECTED_EDITION)
    dbt_build(env, warehouse.target, tmp)  # with the data tests, on the incremental state
    built.totals_after_step_4 = rows(warehouse, PLACE_TOTALS)
    built.history_stamps, built.valued_stamps = (
        dict(rows(warehouse, STAMPS.format(model=model)))
        for model in ("int_return_lines_history", "int_return_lines_valued")
    )
    built.incremental = _contents(warehouse)
    # Its data tests would test nothing new: its rows must equal step 4's, row for row.
    dbt_build(env, warehouse.target, tmp, full_refresh=True, data_tests=False)
    built.full_refresh = _contents(warehouse)
    yield built


def test_incremental_builds_keep_totals_exact_through_supersession(builds: Builds) -> None:
    assert builds.totals_after_step_3 == TOTALS_AFTER_STEP_3


def test_a_corrected_edition_reprices_lines_built_before_it(builds: Builds) -> None:
    assert builds.totals_after_step_4 == TOTALS_AFTER_STEP_4


def test_every_mart_row_equals_the_full_refresh_build(builds: Builds) -> None:
    assert list(builds.incremental) == list(builds.full_refresh)
    assert len(builds.incremental) > 20  # every mart, not an empty listing
    for relation, (columns, incremental_rows) in builds.incremental.items():
        full_columns, full_rows = builds.full_refresh[relation]
        assert columns == full_columns, relation
        assert incremental_rows == full_rows, relation


def test_the_history_keeps_every_loaded_line_once(builds: Builds) -> None:
    columns, history = builds.incremental["intermediate.int_return_lines_history"]
    picked = sorted(
        (row[columns.index("line_id")], row[columns.index("superseded_by_submission_id")])
        for row in history
    )
    assert picked == [
        ("1-2", 3), ("1-3", 3), ("1-4", 3), ("1-5", 3), ("1-6", 6),
        ("2-2", None),
        ("3-2", None), ("3-3", None), ("3-4", None), ("3-5", None),
        ("6-2", 3), ("6-3", None),
    ]  # fmt: skip


def test_builds_recompute_only_the_returns_new_files_hold(builds: Builds) -> None:
    # south-cc's R1 is never sent again; R2 and R4 only by q1-v2.csv (build 2); R1
    # and R3 by q1-late.csv (build 3); the corrected edition (build 4) changes no return
    assert builds.history_stamps == {
        "2-2": 1,
        "1-5": 2, "3-4": 2, "3-5": 2,
        "1-2": 3, "1-3": 3, "1-4": 3, "3-2": 3, "3-3": 3, "6-2": 3, "1-6": 3, "6-3": 3,
    }  # fmt: skip
    # but it revalues every current line
    assert builds.valued_stamps == dict.fromkeys(["2-2", "3-2", "3-3", "3-4", "3-5", "6-3"], 4)
