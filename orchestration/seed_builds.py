"""Whether what dbt built in a warehouse was built by the project's current code.

Two kinds of build are recorded. After every complete build, a fingerprint of
everything that build read (dbt_project.yml, the macros, the seeds or the models, the
dbt versions) is recorded in the warehouse itself (``meta.seed_builds``,
``meta.model_builds``), so the record travels with the data (a restored backup,
another machine).

- **Seeds**: a run needs them built before ingestion, but they change rarely, and
  building them costs a dbt invocation: they are current, and skipped, when the latest
  record has today's fingerprint and every seed table exists.
- **Models**: the line models are incremental (dbt_project/README.md): a run recomputes
  only the returns new files touch, which is right only if the rows already there were
  computed by the same SQL. When the models' code differs from the last complete
  build's, or no build is recorded (a new warehouse, one built before incremental
  models), the build is a ``--full-refresh``.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path

import sqlalchemy as sa

from configuration import DBT_PROJECT_DIR
from warehouse import Warehouse

META_SCHEMA = "meta"
_DBT_PACKAGES = ("dbt-core", "dbt-duckdb", "dbt-postgres")


@dataclass(frozen=True)
class BuildKind:
    """What one kind of dbt build reads, relative to the dbt project, and where its
    complete builds are recorded."""

    table: str
    inputs: tuple[str, ...]

    @property
    def sql_name(self) -> str:
        return f"{META_SCHEMA}.{self.table}"


SEED_BUILDS = BuildKind("seed_builds", ("dbt_project.yml", "seeds", "macros", "tests"))
MODEL_BUILDS = BuildKind("model_builds", ("dbt_project.yml", "models", "macros"))


def build_fingerprint(kind: BuildKind, project_dir: Path = DBT_PROJECT_DIR) -> str:
    """SHA-256 over the build's input files (names and bytes) and dbt's versions."""
    digest = hashlib.sha256()
    for package in _DBT_PACKAGES:
        digest.update(f"{package}=={_version(package)}\n".encode())
    for name in kind.inputs:
        top = project_dir / name
        files = sorted(p for p in top.rglob("*") if p.is_file()) if top.is_dir() else [top]
        for path in files:
            digest.update(f"{path.relative_to(project_dir).as_posix()}\n".encode())
            digest.update(hashlib.sha256(path.read_bytes()).digest())
    return digest.hexdigest()


def seed_fingerprint(project_dir: Path = DBT_PROJECT_DIR) -> str:
    return build_fingerprint(SEED_BUILDS, project_dir)


def _version(package: str) -> str:
    try:
        return metadata.version(package)
    except metadata.PackageNotFoundError:
        return "-"


def current_seed_build(
    warehouse: Warehouse, fingerprint: str, seed_tables: Iterable[tuple[str, str]]
) -> str | None:
    """The run that built the seeds here, when that build had ``fingerprint`` and every
    ``(schema, table)`` of ``seed_tables`` still exists; else None (build them)."""
    return current_build(warehouse, SEED_BUILDS, fingerprint, seed_tables)


def record_seed_build(warehouse: Warehouse, fingerprint: str, run_id: str) -> None:
    """Note a complete, tested build of every seed with ``fingerprint``."""
    record_build(warehouse, SEED_BUILDS, fingerprint, run_id)


def current_build(
    warehouse: Warehouse,
    kind: BuildKind,
    fingerprint: str,
    tables: Iterable[tuple[str, str]] = (),
) -> str | None:
    """The run of the latest complete build of ``kind`` here, when it had
    ``fingerprint`` and every ``(schema, table)`` of ``tables`` still exists; else None."""
    wanted = {*tables, (META_SCHEMA, kind.table)}
    schemas = sorted({schema for schema, _ in wanted})
    with warehouse.connect() as connection:
        found = set(
            connection.execute(
                sa.text(
                    "select table_schema, table_name from information_schema.tables "
                    "where table_schema in :schemas"
                ).bindparams(sa.bindparam("schemas", expanding=True)),
                {"schemas": schemas},
            ).all()
        )
        if not wanted <= found:
            return None
        latest = connection.execute(
            sa.text(
                f"select fingerprint, run_id from {kind.sql_name} order by built_at desc limit 1"
            )
        ).first()
    return latest.run_id if latest is not None and latest.fingerprint == fingerprint else None


def record_build(warehouse: Warehouse, kind: BuildKind, fingerprint: str, run_id: str) -> None:
    """Note a complete, tested build of ``kind`` with ``fingerprint``."""
    with warehouse.begin() as connection:
        connection.execute(sa.text(f"create schema if not exists {META_SCHEMA}"))
        connection.execute(
            sa.text(
                f"create table if not exists {kind.sql_name} ("
                "fingerprint varchar not null, built_at timestamp not null, run_id varchar)"
            )
        )
        connection.execute(
            sa.text(f"insert into {kind.sql_name} values (:fingerprint, :built_at, :run_id)"),
            {
                "fingerprint": fingerprint,
                "built_at": datetime.now(UTC).replace(tzinfo=None),
                "run_id": run_id,
            },
        )
