"""dbt at run time: nothing written under dbt_project/, artefacts per warehouse and
pruned, parse state carried between invocations, seeds rebuilt only when they changed."""

from __future__ import annotations

import shutil
from pathlib import Path

import sqlalchemy as sa

from configuration import DBT_PROJECT_DIR
from orchestration.dbt import SEED_KEYS
from orchestration.dbt_cli import INVOCATIONS, KEEP_INVOCATIONS, PARTIAL_PARSE_FILE
from orchestration.dbt_cli import invocation_folder as new_invocation_folder
from orchestration.seed_builds import (
    MODEL_BUILDS,
    build_fingerprint,
    current_seed_build,
    record_seed_build,
    seed_fingerprint,
)
from warehouse import Warehouse

SEED_TABLES = [(key.path[0], key.path[-1]) for key in SEED_KEYS]


def test_the_seed_fingerprint_follows_what_a_seed_build_reads(tmp_path: Path) -> None:
    project = tmp_path / "dbt_project"
    shutil.copytree(DBT_PROJECT_DIR, project, ignore=shutil.ignore_patterns("target", "logs"))
    original = seed_fingerprint(project)
    assert seed_fingerprint(project) == original

    models_before = build_fingerprint(MODEL_BUILDS, project)
    model = next((project / "models").rglob("*.sql"))
    model.write_text(model.read_text() + "\n")
    assert seed_fingerprint(project) == original  # models are not part of a seed build
    # ... but of a models build, which then rebuilds its incremental models whole.
    models_edited = build_fingerprint(MODEL_BUILDS, project)
    assert models_edited != models_before

    seed = project / "seeds" / "measure_catalogue.csv"
    seed.write_bytes(seed.read_bytes().replace(b"Jobs", b"Jobz", 1))
    edited = seed_fingerprint(project)
    assert edited != original
    # Seed data reaches the line models as data, which they compare themselves.
    assert build_fingerprint(MODEL_BUILDS, project) == models_edited

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
    # The seeded warehouse records the build of the seeds as they are, not of "abc".
    assert current_seed_build(seeded_warehouse, "abc", SEED_TABLES) is None
    record_seed_build(seeded_warehouse, "old", "run-1")
    record_seed_build(seeded_warehouse, "abc", "run-2")
    assert current_seed_build(seeded_warehouse, "abc", SEED_TABLES) == "run-2"
    assert current_seed_build(seeded_warehouse, "edited", SEED_TABLES) is None
    with seeded_warehouse.begin() as connection:
        connection.execute(sa.text("drop table reference.places"))
    assert current_seed_build(seeded_warehouse, "abc", SEED_TABLES) is None


# The runs themselves (seeds rebuilt only when changed, nothing written under dbt_project/,
# artefacts kept per warehouse with the parse state carried) are checked on the whole
# pipeline runs other tests pay for anyway, on both engines: the first and second runs
# in tests/test_end_to_end.py, a run after a seed edit in tests/test_crash_recovery.py.
