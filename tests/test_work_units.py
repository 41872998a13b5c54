"""`make test` keeps each module's tests on one engine together on one worker.

A module's expensive fixtures (a dbt build, a pipeline run) are made once per work unit
(tests/conftest.py). If xdist stopped seeing the groups, every test would become a unit
of its own and those fixtures would be made again on each worker: nothing fails, the
suite only runs up to twice as long, so this is checked here with a real two-worker run
of tests/work_unit_probe.py, whose fixture is made per engine like theirs.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_each_engines_fixture_is_made_once_under_make_tests_options(tmp_path: Path) -> None:
    log = tmp_path / "made.log"
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            *("-n", "2", "--dist", "loadgroup", "--no-loadscope-reorder"),
            *("-p", "no:cacheprovider", "tests/work_unit_probe.py"),
        ],
        cwd=ROOT,
        env={**os.environ, "SVW_PROBE_LOG": str(log)},
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "6 passed" in result.stdout, result.stdout
    made = Counter(line.split()[0] for line in log.read_text().splitlines())
    assert made == {"duckdb": 1, "postgres": 1}, log.read_text()
