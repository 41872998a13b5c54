"""`make test` keeps each module's tests on one engine together on one worker.

A module's expensive fixtures (a dbt build, a pipeline run) are made once per work unit
(tests/conftest.py). If xdist stopped seeing the groups, every test would become a unit
of its own and those fixtures would be made again on each worker: nothing fails, the
suite only runs twice as long, so this is checked here with a real two-worker run.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_a_modules_tests_run_on_one_worker_under_make_tests_options() -> None:
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            *("-n", "2", "--dist", "loadgroup", "--no-loadscope-reorder"),
            *("-v", "-p", "no:cacheprovider", "tests/test_layering.py"),
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    passed = re.findall(r"\[(gw\d)\] .*PASSED (\S+)", result.stdout)
    assert len(passed) == 3, result.stdout
    assert {worker for worker, _ in passed} in ({"gw0"}, {"gw1"}), result.stdout
    assert all(test.endswith("@tests/test_layering.py") for _, test in passed), result.stdout
