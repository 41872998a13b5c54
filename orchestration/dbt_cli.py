"""Running dbt: its environment, where its artefacts and logs go, its parse state.

Every dbt invocation gets a folder of its own under the warehouse's artefacts folder
(:attr:`configuration.Settings.dbt_artefacts_dir`, in the Dagster home), never under
``dbt_project/``: manifest, run results, compiled SQL and ``dbt.log``. The newest few
folders are kept. dbt's partial-parsing state is carried from one invocation to the
next, so a run re-parses only the files that changed since the last one. That state is
kept per warehouse because dbt discards it whenever the profile (the warehouse) differs.

No Dagster here: ``svw validate`` seeds its throwaway warehouse without importing it.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sysconfig
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

from configuration import DBT_PROJECT_DIR, DuckDBFile, WarehouseLocation, dbt_environment

PARTIAL_PARSE_FILE = "partial_parse.msgpack"
INVOCATIONS = "invocations"
# Seeds and models of the last few runs; each folder holds about 5-10 MB.
KEEP_INVOCATIONS = 6


def dbt_target(location: WarehouseLocation) -> str:
    """The output of dbt_project/profiles.yml that reaches ``location``."""
    return "duckdb" if isinstance(location, DuckDBFile) else "postgres"


@contextmanager
def environment_for_dbt(location: WarehouseLocation) -> Iterator[None]:
    """dbt reads its profile only from environment variables: set them for one call.

    This is the one place where settings become environment variables inside a run.
    """
    saved = dict(os.environ)
    os.environ.update(dbt_environment(location))
    try:
        yield
    finally:
        os.environ.clear()
        os.environ.update(saved)


def environment_dbt() -> Path:
    """Where this Python environment (the venv) installs dbt's command."""
    return Path(sysconfig.get_path("scripts")) / "dbt"


def dbt_executable() -> str:
    """The dbt installed with this Python environment, else whatever is on PATH.

    Dagster's code server may start without the venv's bin/ on PATH.
    """
    candidate = environment_dbt()
    return str(candidate) if candidate.exists() else (shutil.which("dbt") or "dbt")


@contextmanager
def invocation_folder(artefacts_dir: Path, name: str) -> Iterator[Path]:
    """A new target folder for one dbt invocation, holding the last parse state.

    On exit the parse state the invocation leaves becomes the next one's, and folders
    beyond the newest :data:`KEEP_INVOCATIONS` are deleted.
    """
    folder = artefacts_dir / INVOCATIONS / f"{datetime.now(UTC):%Y%m%dT%H%M%S.%fZ}-{name}"
    folder.mkdir(parents=True)
    state = artefacts_dir / PARTIAL_PARSE_FILE
    if state.exists():
        shutil.copyfile(state, folder / PARTIAL_PARSE_FILE)
    try:
        yield folder
    finally:
        _keep_parse_state(folder / PARTIAL_PARSE_FILE, state)
        prune_invocations(artefacts_dir, KEEP_INVOCATIONS)


def _keep_parse_state(produced: Path, state: Path) -> None:
    if not produced.exists():
        return  # dbt stopped before parsing: the previous state stays
    # Copy, then rename: a run killed half-way never leaves a torn state file.
    partial = state.with_suffix(".tmp")
    shutil.copyfile(produced, partial)
    partial.replace(state)


def prune_invocations(artefacts_dir: Path, keep: int) -> None:
    """Delete all but the newest ``keep`` invocation folders (names sort by time)."""
    folders = sorted((artefacts_dir / INVOCATIONS).iterdir(), key=lambda p: p.name)
    for old in folders[: max(len(folders) - keep, 0)]:
        shutil.rmtree(old, ignore_errors=True)


def seed_reference_tables(location: WarehouseLocation, artefacts_dir: Path) -> None:
    """``dbt seed`` into ``location`` outside a run (``svw validate``'s throwaway warehouse).

    The seeds are the one owner of the reference tables, offline as in the pipeline.
    """
    with invocation_folder(artefacts_dir, "seed") as target:
        finished = subprocess.run(
            [
                dbt_executable(),
                "seed",
                "--quiet",
                "--project-dir",
                str(DBT_PROJECT_DIR),
                "--profiles-dir",
                str(DBT_PROJECT_DIR),
                "--target",
                dbt_target(location),
                "--target-path",
                str(target),
                "--log-path",
                str(target),
            ],
            env={**os.environ, **dbt_environment(location)},
            cwd=DBT_PROJECT_DIR,
            capture_output=True,
            text=True,
        )
    if finished.returncode != 0:
        raise RuntimeError(f"dbt seed failed:\n{finished.stdout[-3000:]}{finished.stderr[-3000:]}")
