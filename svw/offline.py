"""`svw validate`: the pipeline's own checks on local files, in a throwaway warehouse."""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from pathlib import Path

from configuration import DuckDBFile, Settings
from expectations.fields import COMMITMENTS, DELIVERY, FIELD_TABLES, FieldTable
from ingest.pipeline import CheckedFile, check_return
from ingest.raw_tables import ensure_raw_tables
from orchestration.dbt_cli import seed_reference_tables
from warehouse import open_warehouse


def field_table_of(path: Path, kind: str | None = None) -> FieldTable:
    """The kind of return a local file is: ``kind`` when given, else a commitment return
    when it is in a ``commitments`` folder, as in the bucket, else a delivery return."""
    if kind is not None:
        return FIELD_TABLES[kind]
    return COMMITMENTS if COMMITMENTS.kind in path.absolute().parent.parts else DELIVERY


def check_files(
    paths: list[Path], settings: Settings, kind: str | None = None
) -> Iterator[tuple[Path, CheckedFile]]:
    """Verdict on each file as the pipeline would give it; nothing outside a temp dir is written.

    ``kind`` (delivery, commitments) overrides the kind each file's folder says. The
    measure catalogue and places come from the project's seeds, loaded by `dbt seed`
    as in the pipeline.
    """
    with tempfile.TemporaryDirectory(prefix="svw-validate-") as scratch:
        location = DuckDBFile(Path(scratch) / "check.duckdb")
        seed_reference_tables(location, Path(scratch) / "dbt")
        with open_warehouse(location) as warehouse:
            ensure_raw_tables(warehouse)
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
