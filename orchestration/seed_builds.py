"""Whether a warehouse's reference tables are the current seeds, so a run may skip them.

A run needs the seeds built before ingestion, but they change rarely, and building them
costs a dbt invocation. After every complete build, a fingerprint of everything that
build read (the seed files and their properties, dbt_project.yml, the macros, the
tests, the dbt versions) is recorded in the warehouse itself, in ``meta.seed_builds``,
so the record travels with the data (a restored backup, another machine). The seeds
are current when the latest record has today's fingerprint and every seed table exists.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path

import sqlalchemy as sa

from configuration import DBT_PROJECT_DIR
from warehouse import Warehouse

META_SCHEMA = "meta"
SEED_BUILDS_TABLE = f"{META_SCHEMA}.seed_builds"
# What a seed build reads, relative to the dbt project: a change to any rebuilds them.
_INPUTS = ("dbt_project.yml", "seeds", "macros", "tests")
_DBT_PACKAGES = ("dbt-core", "dbt-duckdb", "dbt-postgres")


def seed_fingerprint(project_dir: Path = DBT_PROJECT_DIR) -> str:
    """SHA-256 over the seed build's input files (names and bytes) and dbt's versions."""
    digest = hashlib.sha256()
    for package in _DBT_PACKAGES:
        digest.update(f"{package}=={_version(package)}\n".encode())
    for name in _INPUTS:
        top = project_dir / name
        files = sorted(p for p in top.rglob("*") if p.is_file()) if top.is_dir() else [top]
        for path in files:
            digest.update(f"{path.relative_to(project_dir).as_posix()}\n".encode())
            digest.update(hashlib.sha256(path.read_bytes()).digest())
    return digest.hexdigest()


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
    wanted = {*seed_tables, (META_SCHEMA, "seed_builds")}
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
                f"select fingerprint, run_id from {SEED_BUILDS_TABLE} "
                "order by built_at desc limit 1"
            )
        ).first()
    return latest.run_id if latest is not None and latest.fingerprint == fingerprint else None


def record_seed_build(warehouse: Warehouse, fingerprint: str, run_id: str) -> None:
    """Note a complete, tested build of every seed with ``fingerprint``."""
    with warehouse.begin() as connection:
        connection.execute(sa.text(f"create schema if not exists {META_SCHEMA}"))
        connection.execute(
            sa.text(
                f"create table if not exists {SEED_BUILDS_TABLE} ("
                "fingerprint varchar not null, built_at timestamp not null, run_id varchar)"
            )
        )
        connection.execute(
            sa.text(f"insert into {SEED_BUILDS_TABLE} values (:fingerprint, :built_at, :run_id)"),
            {
                "fingerprint": fingerprint,
                "built_at": datetime.now(UTC).replace(tzinfo=None),
                "run_id": run_id,
            },
        )
