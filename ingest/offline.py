"""`svw validate`: the pipeline's own checks on local files, in a throwaway warehouse."""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from pathlib import Path

from ingest.pipeline import CheckedFile, check_return
from ingest.staging import ensure_reference_tables
from ingest.warehouse import ensure_raw_schema, open_warehouse
from svw.settings import Settings


def check_files(paths: list[Path], settings: Settings) -> Iterator[tuple[Path, CheckedFile]]:
    """Verdict on each file as the pipeline would give it; nothing outside a temp dir is written.

    The measure catalogue and places come from the project's seed files, the same
    data `dbt seed` puts in the warehouse.
    """
    with (
        tempfile.TemporaryDirectory(prefix="svw-validate-") as scratch,
        open_warehouse(Path(scratch) / "check.duckdb") as engine,
    ):
        ensure_raw_schema(engine)
        with engine.begin() as connection:
            ensure_reference_tables(connection)
        for number, path in enumerate(paths, start=1):
            checked = check_return(
                engine,
                path.name,
                path.read_bytes(),
                staging_name=f"file_{number}",
                default_edition=settings.default_edition,
                max_file_bytes=settings.max_file_bytes,
            )
            yield path, checked
