"""dbt at run time: nothing written under dbt_project/, artefacts per warehouse and
pruned, parse state carried between invocations, seeds rebuilt only when they changed."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import sqlalchemy as sa

import orchestration.dbt
from configuration import DBT_PROJECT_DIR, Settings
from orchestration.dbt import SEED_KEYS
from orchestration.dbt_cli import INVOCATIONS, KEEP_INVOCATIONS, PARTIAL_PARSE_FILE
from orchestration.dbt_cli import invocation_folder as new_invocation_folder
from orchestration.seed_builds import current_seed_build, record_seed_build, seed_fingerprint
from svw.runner import run_pipeline
from warehouse import Warehouse, open_warehouse

SEED_TABLES = [(key.path[0], key.path[-1]) for key in SEED_KEYS]


def _tree(root: Path) -> dict[str, tuple[int, int]]:
    """Every file and folder below ``root`` with its size and modification time."""
    return {
        path.relative_to(root).as_posix(): (path.stat().st_size, path.stat().st_mtime_ns)
        for path in sorted(root.rglob("*"))
    }


def test_the_seed_fingerprint_follows_what_a_seed_build_reads(tmp_path: Path) -> None:
    project = tmp_path / "dbt_project"
    shutil.copytree(DBT_PROJECT_DIR, project, ignore=shutil.ignore_patterns("target", "logs"))
    original = seed_fingerprint(project)
    assert seed_fingerprint(project) == original

    model = next((project / "models").rglob("*.sql"))
    model.write_text(model.read_text() + "\n")
    assert seed_fingerprint(project) == original  # models are not part of a seed build

    seed = project / "seeds" / "measure_catalogue.csv"
    seed.write_bytes(seed.read_bytes().replace(b"Jobs", b"Jobz", 1))
    edited = seed_fingerprint(project)
    assert edited != original

    config = project / "dbt_project.yml"
    config.write_text(config.read_text() + "\n# a comment\n")
    assert seed_fingerprint(project) != edited


def test_invocation_folders_carry_the_parse_state_and_are_pruned(tmp_path: Path) -> None:
    for number in range(KEEP_INVOCATIONS + 3):
        with new_invocation_folder(tmp_path, f"step{number}") as target:
            if number:
                # Each invocation starts from the state the previous one left.
                assert (target / PARTIAL_PARSE_FILE).read_text() == f"parse {number - 1}"
            (target / PARTIAL_PARSE_FILE).write_text(f"parse {number}")
    kept = sorted(p.name for p in (tmp_path / INVOCATIONS).iterdir())
    assert [name.rsplit("-", 1)[1] for name in kept] == [
        f"step{n}" for n in range(3, KEEP_INVOCATIONS + 3)
    ]
    assert (tmp_path / PARTIAL_PARSE_FILE).read_text() == f"parse {KEEP_INVOCATIONS + 2}"


def test_seeds_are_current_only_after_a_recorded_build_of_these_seeds(
    seeded_warehouse: Warehouse,
) -> None:
    # The seeded warehouse has the tables but no record: a brand-new warehouse's case.
    assert current_seed_build(seeded_warehouse, "abc", SEED_TABLES) is None
    record_seed_build(seeded_warehouse, "old", "run-1")
    record_seed_build(seeded_warehouse, "abc", "run-2")
    assert current_seed_build(seeded_warehouse, "abc", SEED_TABLES) == "run-2"
    assert current_seed_build(seeded_warehouse, "edited", SEED_TABLES) is None
    with seeded_warehouse.begin() as connection:
        connection.execute(sa.text("drop table reference.places"))
    assert current_seed_build(seeded_warehouse, "abc", SEED_TABLES) is None


@pytest.mark.slow
def test_runs_rebuild_seeds_only_when_changed_and_write_nothing_under_dbt_project(
    engine_settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    before = _tree(DBT_PROJECT_DIR)

    first = run_pipeline(engine_settings)  # a brand-new warehouse: the seeds are built
    assert first.success, first.failure
    assert first.seeds_rebuilt
    assert {"seeds", "ingestion", "models", "publish"} <= set(first.step_seconds)

    second = run_pipeline(engine_settings)  # nothing changed: dbt is not run for them
    assert second.success, second.failure
    assert not second.seeds_rebuilt
    assert "seeds" in second.summary_text() and "(unchanged, not rebuilt)" in second.summary_text()

    # A seed edited since the last build (the fingerprint is tested above).
    monkeypatch.setattr(orchestration.dbt, "seed_fingerprint", lambda: "edited")
    third = run_pipeline(engine_settings)
    assert third.success, third.failure
    assert third.seeds_rebuilt
    with open_warehouse(engine_settings.warehouse) as warehouse:
        assert current_seed_build(warehouse, "edited", SEED_TABLES) == third.run_id

    assert _tree(DBT_PROJECT_DIR) == before
    artefacts = engine_settings.dbt_artefacts_dir
    assert artefacts.is_relative_to(engine_settings.dagster_home)
    invocations = sorted((artefacts / INVOCATIONS).iterdir())
    assert 0 < len(invocations) <= KEEP_INVOCATIONS
    # The models of the last run started from the parse state the seeds left.
    log = (invocations[-1] / "dbt.log").read_text()
    assert "Unable to do partial parsing" not in log
    assert "Partial parsing enabled" in log
