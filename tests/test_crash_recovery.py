"""A process killed in the middle of a load: the next run ends as if nothing happened.

The first run is a real child process that dies with os._exit (no cleanup, no
exception handlers, like a kill -9) at a chosen point of loading a file.
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap

import pytest

from configuration import Settings
from ingest.bucket import Bucket
from svw.runner import run_pipeline
from tests.returns import EXPECTED_FATES, EXPECTED_PLACE_TOTALS, FIRST_DROP, SECOND_DROP
from tests.warehouses import place_totals, raw_rows

pytestmark = pytest.mark.slow

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


def killed_run(kill_point: str) -> int:
    script = (
        "import os\n"
        + textwrap.dedent(KILL_POINTS[kill_point])
        + textwrap.dedent(
            """
        from configuration import Settings
        from svw.runner import run_pipeline
        settings = Settings.from_env()
        os.environ.update(settings.child_environment())
        run_pipeline(settings)
        os._exit(0)
        """
        )
    )
    return subprocess.run([sys.executable, "-c", script], env=os.environ.copy()).returncode


@pytest.mark.parametrize("kill_point", sorted(KILL_POINTS))
def test_rerun_after_kill_gives_the_uninterrupted_result(
    engine_settings: Settings, kill_point: str
) -> None:
    bucket = Bucket(engine_settings.bucket_url)
    for path, data in {**FIRST_DROP, **SECOND_DROP}.items():
        bucket.write(path, data)
    # Both drops at once: the corrected file is written later, so it is received later.

    assert killed_run(kill_point) == 137

    outcome = run_pipeline(engine_settings)
    assert outcome.success, outcome.failure
    assert place_totals(engine_settings) == EXPECTED_PLACE_TOTALS
    fates = {
        path: (status, location)
        for path, status, location in raw_rows(
            engine_settings, "select original_path, status, final_location from raw.submissions"
        )
    }
    loaded_twice = raw_rows(
        engine_settings,
        "select count(*) from (select submission_id, source_row from raw.return_lines "
        "group by submission_id, source_row having count(*) > 1) as repeated",
    )[0][0]
    assert fates == EXPECTED_FATES
    assert loaded_twice == 0
    assert bucket.pending(0) == []
