"""`svw validate` and `svw catalogue check`: the pipeline's own checks on local files, in
a throwaway warehouse. A return is a delivery or a commitment return by its folder (as
in the bucket) or as told.

The throwaway holds the project's seeds (loaded by `dbt seed`, as in the pipeline)
and, when the configured warehouse exists and can be read, the catalogue files it has
loaded (editions, crosswalks, local proxies), so a file is checked against the
catalogue in force there, as the next run would check it. `dbt seed` costs seconds, so
its result is kept in the cache folder (``SVW_CACHE_DIR``) under the seeds'
fingerprint, and each check starts from a copy: a submitter's second check runs no dbt.
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import duckdb
import pyarrow as pa
import sqlalchemy as sa

from configuration import DuckDBFile, Settings, WarehouseLocation
from expectations.fields import COMMITMENTS, DELIVERY, FIELD_TABLES, FieldTable
from ingest.pipeline import CheckedFile, check_reference, check_return
from ingest.raw_tables import REFERENCE_TABLES, ensure_raw_tables
from ingest.reference_files import VERSION_KEYS
from orchestration.dbt_cli import seed_reference_tables
from orchestration.seed_builds import seed_fingerprint
from warehouse import Warehouse, open_warehouse

SHIPPED = "the shipped catalogue (no warehouse with loaded editions was found)"
LOADED = "the editions and crosswalks loaded in the warehouse, and the shipped catalogue"


def field_table_of(path: Path, kind: str | None = None) -> FieldTable:
    """The kind of return a local file is: ``kind`` when given, else a commitment return
    when it is in a ``commitments`` folder, as in the bucket, else a delivery return."""
    if kind is not None:
        return FIELD_TABLES[kind]
    return COMMITMENTS if COMMITMENTS.kind in path.absolute().parent.parts else DELIVERY


def _loaded_catalogue(location: WarehouseLocation) -> dict[str, pa.Table] | None:
    """The catalogue rows a warehouse has loaded (versioned kinds), or None if it has
    none or cannot be read now (a DuckDB file a run holds)."""
    queries = {kind: f"select * from {REFERENCE_TABLES[kind]}" for kind in VERSION_KEYS}
    if isinstance(location, DuckDBFile):
        if not location.path.exists():
            return None
        try:
            connection = duckdb.connect(str(location.path), read_only=True)
        except duckdb.Error:
            return None
        try:
            return {kind: connection.sql(sql).to_arrow_table() for kind, sql in queries.items()}
        except duckdb.Error:
            return None
        finally:
            connection.close()
    engine = sa.create_engine(location.sqlalchemy_url())
    try:
        with engine.connect() as connection:
            return {
                kind: pa.Table.from_pylist(
                    [dict(r) for r in connection.execute(sa.text(sql)).mappings()]
                )
                for kind, sql in queries.items()
            }
    except sa.exc.DBAPIError:
        return None
    finally:
        engine.dispose()


def _copy_catalogue(warehouse: Warehouse, loaded: dict[str, pa.Table]) -> None:
    for kind, rows in loaded.items():
        if rows.num_rows == 0:
            continue
        columns = ", ".join(rows.column_names)
        with (
            warehouse.begin() as connection,
            warehouse.arrow_relation(connection, rows, f"loaded_{kind.replace('-', '_')}") as src,
        ):
            connection.execute(
                sa.text(
                    f"insert into {REFERENCE_TABLES[kind]} ({columns}) select {columns} from {src}"
                )
            )


def seeded_catalogue(cache_dir: Path) -> Path:
    """A DuckDB file holding the project's seeds as they are now, built by `dbt seed`
    the first time and kept under the seeds' fingerprint; kept files of other
    fingerprints are removed. Never written in place: a check running beside this one
    copies a whole file or none."""
    folder = cache_dir / "seeded-catalogue"
    kept = folder / f"{seed_fingerprint()[:20]}.duckdb"
    if kept.exists():
        return kept
    folder.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=folder, prefix=".seeding-") as scratch:
        seeded = Path(scratch) / "seeds.duckdb"
        seed_reference_tables(DuckDBFile(seeded), Path(scratch) / "dbt")
        duckdb.connect(str(seeded)).close()  # folds a write-ahead log dbt left into the file
        seeded.replace(kept)
    for stale in folder.glob("*.duckdb"):
        if stale != kept:
            stale.unlink(missing_ok=True)
    return kept


@contextmanager
def throwaway_warehouse(settings: Settings) -> Iterator[tuple[Warehouse, str]]:
    """A temporary DuckDB warehouse like the configured one, and what it checks against."""
    with tempfile.TemporaryDirectory(prefix="svw-validate-") as scratch:
        location = DuckDBFile(Path(scratch) / "check.duckdb")
        shutil.copyfile(seeded_catalogue(settings.cache_dir), location.path)
        loaded = _loaded_catalogue(settings.warehouse)
        with open_warehouse(location) as warehouse:
            ensure_raw_tables(warehouse)
            if loaded:
                _copy_catalogue(warehouse, loaded)
            has_loaded = bool(loaded) and any(t.num_rows for t in loaded.values())
            yield warehouse, LOADED if has_loaded else SHIPPED


def check_files(
    paths: list[Path], settings: Settings, announce=None, kind: str | None = None
) -> Iterator[tuple[Path, CheckedFile]]:
    """Verdict on each return as the pipeline would give it; nothing is written but the
    cache (:func:`seeded_catalogue`). ``announce`` is told once what the codes are
    checked against; ``kind`` (delivery, commitments) overrides the kind each file's
    folder says."""
    with throwaway_warehouse(settings) as (warehouse, against):
        if announce is not None:
            announce(f"Measure codes are checked against {against}.")
        for number, path in enumerate(paths, start=1):
            checked = check_return(
                warehouse,
                path.name,
                path.read_bytes(),
                staging_name=f"file_{number}",
                default_edition=settings.default_edition,
                max_file_bytes=settings.max_file_bytes,
                field_table=field_table_of(path, kind),
            )
            yield path, checked


def check_catalogue_file(path: Path, kind: str, settings: Settings) -> tuple[CheckedFile, str]:
    """Verdict on one catalogue file (an edition, a crosswalk, local proxies) as the
    pipeline would give it, and what it was checked against."""
    with throwaway_warehouse(settings) as (warehouse, against):
        checked = check_reference(
            warehouse, kind, path.name, path.read_bytes(), staging_name="file_1"
        )
        return checked, against
