"""A process killed in the middle of a load: the next run ends as if nothing happened.

The first pass is a real child process that dies with os._exit (no cleanup, no
exception handlers, like a kill -9) at a chosen point of loading a file. Every kill
point runs on both engines at the level of one ingestion pass, where they all lie: the
next pass must leave the ledger, the lines and the bucket exactly as one uninterrupted
pass leaves them. One kill runs through the whole pipeline (Dagster, dbt) on each
engine, against the totals worked out by hand; its second run also finds a seed edited
since the killed run built them, and rebuilds them (tests/test_dbt_runtime.py).
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from collections.abc import Callable

import pytest
import sqlalchemy as sa

import orchestration.dbt
from configuration import Settings, WarehouseLocation
from ingest.bucket import Bucket
from ingest.pipeline import Ingestor
from orchestration.seed_builds import (
    MODEL_BUILDS,
    build_fingerprint,
    current_build,
    current_seed_build,
    seed_fingerprint,
)
from svw.runner import run_pipeline
from tests.returns import EXPECTED_FATES, EXPECTED_PLACE_TOTALS, FIRST_DROP, SECOND_DROP
from tests.test_dbt_runtime import SEED_TABLES
from tests.warehouses import location_code, place_totals, raw_rows
from warehouse import open_warehouse

pytestmark = pytest.mark.slow

EDITION = "svw-illustrative-2026"

# Each kill point patches one step of loading the first file that would be loaded.
KILL_POINTS = {
    # inside the load transaction, after the lines were inserted, before commit
    "before_commit": """
        import ingest.ledger as target
        original = target.record
        def patched(connection, submission):
            original(connection, submission)
            if submission.status == "loaded":
                os._exit(137)
        target.record = patched
    """,
    # committed, but the file never left incoming/
    "after_commit_before_move": """
        import ingest.bucket as target
        original = target.Bucket.move
        def patched(self, source, destination, sha):
            if destination.startswith("archive/"):
                os._exit(137)
            return original(self, source, destination, sha)
        target.Bucket.move = patched
    """,
    # the copy exists in archive/ but the original was not deleted
    "after_copy_before_delete": """
        import ingest.bucket as target
        original = target.Bucket.move
        def patched(self, source, destination, sha):
            if destination.startswith("archive/"):
                self.fs.makedirs(os.path.dirname(self._full(destination)), exist_ok=True)
                self.fs.copy(self._full(source), self._full(destination))
                os._exit(137)
            return original(self, source, destination, sha)
        target.Bucket.move = patched
    """,
    # half of the archive copy written when the process died
    "during_copy": """
        import ingest.bucket as target
        def patched(self, source, destination):
            data = self.read(source)
            self.write(destination + ".partial", data[: len(data) // 2])
            os._exit(137)
        target.Bucket._copy_whole = patched
    """,
    # a rejected file: reports written, ledger row not yet committed
    "rejection_before_commit": """
        import ingest.ledger as target
        original = target.record
        def patched(connection, submission):
            if submission.status == "rejected":
                os._exit(137)
            original(connection, submission)
        target.record = patched
    """,
}


def _drop_everything(bucket: Bucket) -> None:
    # Both drops at once: the corrected file is written later, so it is received later.
    for path, data in {**FIRST_DROP, **SECOND_DROP}.items():
        bucket.write(path, data)


def _ingest(bucket: Bucket, location: WarehouseLocation) -> None:
    with open_warehouse(location) as warehouse:
        Ingestor(bucket, warehouse, default_edition=EDITION, max_file_bytes=10**7).run(0)


def _killed(script: str, kill_point: str, env: dict[str, str] | None = None) -> int:
    code = "import os\n" + textwrap.dedent(KILL_POINTS[kill_point]) + textwrap.dedent(script)
    return subprocess.run(
        [sys.executable, "-c", code], env=env or os.environ.copy(), timeout=600
    ).returncode


# What a user can see of a pass: each file's fate and every line as it was stored, by
# file and row (submission ids differ: a killed pass may have drawn some).
_LEDGER = "select original_path, status, final_location from raw.submissions"
_LINES = """
    select submissions.original_path, lines.source_row, lines.submitter,
        lines.organisation_id, lines.sector, lines.period_start, lines.period_end,
        lines.measure_code, lines.edition, lines.quantity, lines.place_code
    from raw.return_lines as lines
    join raw.submissions as submissions on submissions.submission_id = lines.submission_id
"""


def _state(location: WarehouseLocation, bucket: Bucket) -> tuple:
    with open_warehouse(location) as warehouse, warehouse.connect() as connection:
        ledger = sorted(tuple(row) for row in connection.execute(sa.text(_LEDGER)))
        lines = sorted(tuple(row) for row in connection.execute(sa.text(_LINES)))
    files = sorted(bucket.fs.find(bucket.root))
    return ledger, lines, [path.removeprefix(bucket.root) for path in files]


@pytest.fixture(scope="module")
def uninterrupted() -> dict[str, tuple]:
    """What one uninterrupted pass leaves, by engine: the same for every kill point, so
    each worker makes it once per engine, on the first kill point that needs it."""
    return {}


@pytest.mark.parametrize("kill_point", sorted(KILL_POINTS))
def test_a_pass_killed_at_any_point_is_finished_by_the_next(
    new_seeded_location: Callable[[str], WarehouseLocation],
    uninterrupted: dict[str, tuple],
    request: pytest.FixtureRequest,
    tmp_path,
    kill_point: str,
) -> None:
    engine = request.node.callspec.params["new_seeded_location"]
    if engine not in uninterrupted:
        uninterrupted_bucket = Bucket(str(tmp_path / "uninterrupted"))
        _drop_everything(uninterrupted_bucket)
        location = new_seeded_location("uninterrupted")
        _ingest(uninterrupted_bucket, location)
        uninterrupted[engine] = _state(location, uninterrupted_bucket)

    bucket = Bucket(str(tmp_path / "killed"))
    _drop_everything(bucket)
    killed = new_seeded_location("killed")
    script = f"""
        from pathlib import Path
        from configuration import DuckDBFile, PostgresDatabase
        from ingest.bucket import Bucket
        from ingest.pipeline import Ingestor
        from warehouse import open_warehouse
        with open_warehouse({location_code(killed)}) as warehouse:
            Ingestor(Bucket({bucket.url!r}), warehouse, default_edition={EDITION!r},
                     max_file_bytes=10**7).run(0)
        os._exit(0)
    """
    assert _killed(script, kill_point) == 137
    _ingest(bucket, killed)

    assert _state(killed, bucket) == uninterrupted[engine]
    fates = {path: (status, final) for path, status, final in _state(killed, bucket)[0]}
    assert fates == EXPECTED_FATES
    assert bucket.pending(0) == []


def test_a_run_killed_mid_load_is_finished_by_the_next_run(
    engine_settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The whole pipeline: the killed run is a real `run_pipeline` in a child process.

    The next run also finds a seed edited since the killed run built them: it rebuilds
    the seeds and records that build under its own run."""
    bucket = Bucket(engine_settings.bucket_url)
    _drop_everything(bucket)
    script = """
        from configuration import Settings
        from svw.runner import run_pipeline
        settings = Settings.from_env()
        os.environ.update(settings.child_environment())
        run_pipeline(settings)
        os._exit(0)
    """
    assert _killed(script, "after_commit_before_move") == 137
    with open_warehouse(engine_settings.warehouse) as warehouse:
        # The seeds step ends before ingestion starts, so the killed run recorded it.
        assert current_seed_build(warehouse, seed_fingerprint(), SEED_TABLES) is not None
        # ... but never reached the models: the next run's build is a full refresh.
        assert current_build(warehouse, MODEL_BUILDS, build_fingerprint(MODEL_BUILDS)) is None

    # A seed edited since the last build (the fingerprint is tested in test_dbt_runtime).
    monkeypatch.setattr(orchestration.dbt, "seed_fingerprint", lambda: "edited")
    outcome = run_pipeline(engine_settings)
    assert outcome.success, outcome.failure
    assert outcome.seeds_rebuilt
    with open_warehouse(engine_settings.warehouse) as warehouse:
        assert current_seed_build(warehouse, "edited", SEED_TABLES) == outcome.run_id
        models = build_fingerprint(MODEL_BUILDS)
        assert current_build(warehouse, MODEL_BUILDS, models) == outcome.run_id
    assert place_totals(engine_settings) == EXPECTED_PLACE_TOTALS
    fates = {
        path: (status, location)
        for path, status, location in raw_rows(
            engine_settings, "select original_path, status, final_location from raw.submissions"
        )
    }
    assert fates == EXPECTED_FATES
    assert bucket.pending(0) == []
