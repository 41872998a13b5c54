"""`svw docs`: dbt's static docs site, generated into the serving area.

``dbt docs generate --static`` writes one self-contained ``static_index.html`` (the
project, its lineage, every column's description and, from the warehouse's catalog,
column types and row counts). It runs with its target and log paths in a scratch folder
beside the site, never inside dbt_project/, and holds the warehouse's run lock, so it
never reads a warehouse a run is writing (DuckDB allows one process per file). On
PostgreSQL the catalog is read from the published schema ``marts``.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path

from configuration import (
    DBT_PROJECT_DIR,
    MARTS_SCHEMA,
    TELEMETRY_OFF,
    ConfigurationError,
    DuckDBFile,
    Settings,
    dbt_environment,
)
from orchestration.dbt_cli import dbt_executable
from warehouse import open_warehouse

SITE = "index.html"
LOCK_TIMEOUT_SECONDS = 600.0


class DocsError(RuntimeError):
    """dbt could not generate the docs; the message carries dbt's output."""


def generate_docs(settings: Settings) -> Path:
    """Write the static docs site to ``settings.docs_path / index.html``; returns its path."""
    location = settings.warehouse
    if isinstance(location, DuckDBFile) and not location.path.exists():
        raise ConfigurationError(f"no warehouse at {location.path} yet: run `svw run` first")
    settings.docs_path.mkdir(parents=True, exist_ok=True)
    scratch = Path(tempfile.mkdtemp(prefix=".dbt-docs-", dir=settings.docs_path))
    try:
        with open_warehouse(location) as warehouse, warehouse.run_lock(LOCK_TIMEOUT_SECONDS):
            warehouse.dispose()  # dbt, a subprocess, opens the DuckDB file itself
            _dbt_docs_generate(settings, scratch)
        site = settings.docs_path / SITE
        staging = settings.docs_path / f".{SITE}.tmp"
        shutil.copyfile(scratch / "target" / "static_index.html", staging)
        os.replace(staging, site)  # a browser reloading never sees half a page
        return site
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


def _dbt_docs_generate(settings: Settings, scratch: Path) -> None:
    env = {
        **os.environ,
        **TELEMETRY_OFF,
        **dbt_environment(settings.warehouse),
        # The catalog describes what BI tools read: the published marts.
        "SVW_DBT_MARTS_SCHEMA": MARTS_SCHEMA,
    }
    result = subprocess.run(
        [
            dbt_executable(),
            "docs",
            "generate",
            "--static",
            "--project-dir",
            str(DBT_PROJECT_DIR),
            "--profiles-dir",
            str(DBT_PROJECT_DIR),
            "--target-path",
            str(scratch / "target"),
            "--log-path",
            str(scratch / "logs"),
        ],
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
    )
    if result.returncode != 0:
        raise DocsError(f"dbt docs generate failed:\n{result.stdout[-3000:]}{result.stderr}")
