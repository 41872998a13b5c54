"""Not collected by the suite (no ``test_`` prefix): tests/test_work_units.py runs it.

A module-scoped fixture made per engine, as the dbt and pipeline test modules make
theirs; each making is written to the file ``SVW_PROBE_LOG`` names, with the worker.
"""

import os

import pytest


@pytest.fixture(scope="module", params=["duckdb", "postgres"])
def built(request: pytest.FixtureRequest) -> str:
    with open(os.environ["SVW_PROBE_LOG"], "a", encoding="utf-8") as log:
        log.write(f"{request.param} {os.environ.get('PYTEST_XDIST_WORKER', '-')}\n")
    return request.param


def test_one(built: str) -> None:
    assert built


def test_two(built: str) -> None:
    assert built


def test_three(built: str) -> None:
    assert built
