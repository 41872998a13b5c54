"""`svw validate`: the pipeline's own checks on local files, in a throwaway warehouse."""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from pathlib import Path

from configuration import DuckDBFile, Settings
from ingest.pipeline import CheckedFile, check_return
from ingest.raw_tables import ensure_raw_tables
from orchestration.dbt_cli import seed_reference_tables
from warehouse import open_warehouse


def check_files(paths: list[Path], settings: Settings) -> Iterator[tuple[Path, CheckedFile]]:
    """Verdict on each file as the pipeline would give it; nothing outside a temp dir is written.

    The measure catalogue and places come from the project's seeds, loaded by `dbt seed`
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
                )
                yield path, checked
