"""Dagster resources: the bucket, the warehouse (with the run lock) and ingestion limits.

Each is a resource with fields, built from :class:`configuration.Settings` by
:func:`build_resources`, so the Dagster UI shows the configuration a run used. Nothing
here reads the environment; a secret is passed as ``dg.EnvVar`` so it never shows.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import dagster as dg
from dagster_dbt import DbtCliResource
from pydantic import PrivateAttr

from configuration import (
    DEFAULT_DUCKDB_MEMORY_LIMIT,
    DuckDBFile,
    PostgresDatabase,
    Settings,
    WarehouseLocation,
)
from ingest.bucket import Bucket
from warehouse import Warehouse, open_warehouse

# The environment variable a PostgreSQL password travels in, so Dagster never displays it.
PASSWORD_VARIABLE = "SVW_PG_PASSWORD"


class BucketResource(dg.ConfigurableResource):
    """The drop bucket: a local folder or an s3:// prefix (SVW_BUCKET)."""

    url: str
    endpoint_url: str | None = None

    def open(self) -> Bucket:
        return Bucket(self.url, self.endpoint_url)


class IngestionLimits(dg.ConfigurableResource):
    """How files are picked up and judged (SVW_SETTLE_SECONDS, SVW_MAX_FILE_MB...)."""

    settle_seconds: float
    max_file_bytes: int
    default_edition: str


class WarehouseResource(dg.ConfigurableResource):
    """The warehouse, DuckDB or PostgreSQL (SVW_WAREHOUSE); holds the run lock for a run.

    The job runs in one process (in-process executor), so a run sets this up once and
    keeps the lock until its last step ends, whether launched by the CLI or the daemon.
    """

    duckdb_path: str | None = None
    duckdb_memory_limit: str = DEFAULT_DUCKDB_MEMORY_LIMIT
    pg_host: str | None = None
    pg_port: int = 5432
    pg_user: str = "postgres"
    pg_password: str = ""
    pg_database: str = "svw"
    serving_path: str
    reader_role: str
    lock_timeout_seconds: float = 3600

    _warehouse: Warehouse | None = PrivateAttr(default=None)

    @classmethod
    def from_settings(cls, settings: Settings) -> WarehouseResource:
        common = {"serving_path": str(settings.serving_path), "reader_role": settings.reader_role}
        location = settings.warehouse
        if isinstance(location, DuckDBFile):
            return cls(
                duckdb_path=str(location.path), duckdb_memory_limit=location.memory_limit, **common
            )
        return cls(
            pg_host=location.host,
            pg_port=location.port,
            pg_user=location.user,
            pg_password=dg.EnvVar(PASSWORD_VARIABLE) if location.password else "",
            pg_database=location.database,
            **common,
        )

    @property
    def location(self) -> WarehouseLocation:
        if self.duckdb_path is not None:
            return DuckDBFile(Path(self.duckdb_path), memory_limit=self.duckdb_memory_limit)
        return PostgresDatabase(
            host=self.pg_host or "127.0.0.1",
            port=self.pg_port,
            user=self.pg_user,
            password=self.pg_password,
            database=self.pg_database,
        )

    @contextmanager
    def yield_for_execution(self, context: dg.InitResourceContext) -> Iterator[WarehouseResource]:
        with open_warehouse(self.location) as warehouse:
            if context.log:
                context.log.info("waiting for the warehouse's run lock")
            with warehouse.run_lock(self.lock_timeout_seconds):
                self._warehouse = warehouse
                try:
                    yield self
                finally:
                    self._warehouse = None

    @property
    def warehouse(self) -> Warehouse:
        if self._warehouse is None:
            raise RuntimeError("the warehouse resource is used outside a run")
        return self._warehouse


class ExportResource(dg.ConfigurableResource):
    """Where each run publishes the marts as files (SVW_EXPORT): a folder or s3:// prefix."""

    url: str
    format: str = "parquet"
    endpoint_url: str | None = None


def build_resources(settings: Settings, dbt: DbtCliResource) -> dict[str, object]:
    return {
        "bucket": BucketResource(url=settings.bucket_url, endpoint_url=settings.s3_endpoint_url),
        "limits": IngestionLimits(
            settle_seconds=settings.settle_seconds,
            max_file_bytes=settings.max_file_bytes,
            default_edition=settings.default_edition,
        ),
        "warehouse": WarehouseResource.from_settings(settings),
        "dbt": dbt,
        **_export_resource(settings),
    }


def _export_resource(settings: Settings) -> dict[str, ExportResource]:
    if not settings.export_url:
        return {}  # no SVW_EXPORT: runs publish no export (and have no exports asset)
    return {
        "export": ExportResource(url=settings.export_url, endpoint_url=settings.s3_endpoint_url)
    }
