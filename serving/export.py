"""Exporting the published marts as files: Parquet (Hive-partitioned) or CSV, atomically.

Layout under the target (a folder or an ``s3://`` prefix)::

    datapackage.json                 the current export; its paths name one version
    versions/<version>/              one complete export, with its own datapackage.json
    current -> versions/<version>    (local folders only) the same version, as a folder

A reader opens ``datapackage.json`` (or, locally, the folder ``current``) and never sees
a half-written export: each export is written under a new version, and only once it is
complete is the root ``datapackage.json`` replaced in one step (locally a rename, on S3
a single PUT), after the ``current`` symlink was swapped by rename. A version being
written is never named by either: locally it is written under ``versions/.<version>.tmp``
and renamed when whole; on S3 it is simply not referenced yet. Afterwards every version
but the new one and the one it replaced (which readers may still be reading) is deleted,
including any left by an export that died half-way.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pa_csv
import pyarrow.dataset as ds
import pyarrow.parquet as pq

from configuration import WarehouseLocation
from serving.datapackage import (
    ManifestError,
    ResourceFiles,
    describe,
    editions_of,
    load_mart_docs,
)
from serving.published import read_published_marts
from serving.storage import filesystem

FORMATS = ("parquet", "csv")
PARTITION_COLUMN = "financial_year"
DESCRIPTOR = "datapackage.json"
VERSIONS = "versions"
CURRENT = "current"
VERSION_KEY = "svw_export_version"

Describe = Callable[[Mapping[str, ResourceFiles], str], dict]


@dataclass(frozen=True)
class ExportResult:
    url: str
    version: str
    rows: dict[str, int]
    removed_versions: list[str]


class ExportTarget:
    """The export root on a local or S3 filesystem (fsspec), with the swap each needs."""

    def __init__(self, url: str, endpoint_url: str | None = None):
        self.url = url.rstrip("/")
        self.is_local = not self.url.startswith("s3://")
        self.fs, self.root = filesystem(self.url, endpoint_url)

    def path(self, *parts: str) -> str:
        return "/".join([self.root, *parts])

    def current_version(self) -> str | None:
        """The version the root datapackage.json names, if there is one."""
        try:
            with self.fs.open(self.path(DESCRIPTOR), "rb") as handle:
                return json.load(handle).get(VERSION_KEY)
        except FileNotFoundError:
            return None

    def versions(self) -> list[str]:
        """Names under versions/, complete or not (a local .tmp folder included)."""
        folder = self.path(VERSIONS)
        if not self.fs.exists(folder):
            return []
        return sorted(p.rstrip("/").rsplit("/", 1)[-1] for p in self.fs.ls(folder, detail=False))

    def write_json(self, path: str, document: dict) -> None:
        """Write ``document`` at ``path`` in one step: a rename locally, one PUT on S3."""
        data = json.dumps(document, indent=2, ensure_ascii=False).encode("utf-8") + b"\n"
        if not self.is_local:
            self.fs.pipe_file(path, data)
            return
        staging = f"{os.path.dirname(path)}/.{os.path.basename(path)}.{os.getpid()}.tmp"
        with open(staging, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(staging, path)

    def point_current_at(self, version: str) -> None:
        """Locally: swap the ``current`` symlink to the new version by rename."""
        link = self.path(CURRENT)
        if os.path.lexists(link) and not os.path.islink(link):
            raise FileExistsError(f"{link} exists and is not an export's symlink")
        staging = self.path(f".{CURRENT}.{os.getpid()}.tmp")
        if os.path.lexists(staging):
            os.unlink(staging)
        os.symlink(f"{VERSIONS}/{version}", staging)
        os.replace(staging, link)

    def remove(self, name: str) -> None:
        self.fs.rm(self.path(VERSIONS, name), recursive=True)


def new_version() -> str:
    """Sortable and unique enough for one writer: the UTC time to the microsecond."""
    return datetime.now(UTC).strftime("%Y%m%dT%H%M%S%fZ")


def write_resource(target: ExportTarget, folder: str, name: str, table: pa.Table, fmt: str):
    """Write one mart under ``folder``; returns its files, relative to ``folder``."""
    if fmt == "csv":
        relative = f"{name}.csv"
        with target.fs.open(f"{folder}/{relative}", "wb") as handle:
            pa_csv.write_csv(_csv_ready(table), handle)
        return ResourceFiles([relative])
    partitioned = PARTITION_COLUMN in table.column_names
    if table.num_rows == 0:
        # write_dataset writes no file for no rows; readers need one to find the columns
        # (an empty mart is normal: marts.counting_warnings when nothing is double counted).
        relative = f"{name}/part-0.parquet"
        target.fs.makedirs(f"{folder}/{name}", exist_ok=True)
        with target.fs.open(f"{folder}/{relative}", "wb") as handle:
            pq.write_table(table, handle)
        return ResourceFiles([relative])
    written: list[str] = []
    ds.write_dataset(
        table,
        f"{folder}/{name}",
        format="parquet",
        filesystem=target.fs,
        partitioning=(
            ds.partitioning(pa.schema([(PARTITION_COLUMN, pa.string())]), flavor="hive")
            if partitioned
            else None
        ),
        basename_template="part-{i}.parquet",
        existing_data_behavior="error",
        file_visitor=lambda written_file: written.append(written_file.path),
    )
    relative = sorted(p.removeprefix(f"{folder}/") for p in written)
    return ResourceFiles(relative, [PARTITION_COLUMN] if partitioned else [])


def _csv_ready(table: pa.Table) -> pa.Table:
    """Timestamps as ISO 8601 text (2024-05-01T09:00:00.000000), which CSV readers parse."""
    columns = []
    for column, arrow_field in zip(table.columns, table.schema, strict=True):
        if pa.types.is_timestamp(arrow_field.type):
            text = pc.strftime(column, format="%Y-%m-%dT%H:%M:%S")
            columns.append(text)
        else:
            columns.append(column)
    return pa.table(columns, names=table.column_names)


def export_tables(
    tables: Mapping[str, pa.Table], target: ExportTarget, fmt: str, describe: Describe
) -> ExportResult:
    """Write ``tables`` as a new version, swap it in, then remove versions no one needs."""
    if fmt not in FORMATS:
        raise ValueError(f"format {fmt!r}: one of {', '.join(FORMATS)}")
    previous = target.current_version()
    version = new_version()
    folder = target.path(VERSIONS, f".{version}.tmp" if target.is_local else version)
    try:
        target.fs.makedirs(folder, exist_ok=True)
        files = {name: write_resource(target, folder, name, t, fmt) for name, t in tables.items()}
        target.write_json(f"{folder}/{DESCRIPTOR}", describe(files, version))
        if target.is_local:
            os.rename(folder, target.path(VERSIONS, version))
    except BaseException:
        _discard(target, folder)
        raise
    if target.is_local:
        target.point_current_at(version)
    # The root descriptor is the commit point: one rename or one PUT.
    root = describe(_under(files, f"{VERSIONS}/{version}/"), version)
    target.write_json(target.path(DESCRIPTOR), root)
    keep = {version, previous}
    removed = [v for v in target.versions() if v not in keep]
    for name in removed:
        target.remove(name)
    return ExportResult(
        url=target.url,
        version=version,
        rows={name: t.num_rows for name, t in tables.items()},
        removed_versions=removed,
    )


# dbt data_type names as Arrow types, for the columns whose YAML declares one.
DECLARED_TYPES = {
    "bigint": pa.int64(),
    "integer": pa.int32(),
    "double": pa.float64(),
    "varchar": pa.string(),
    "boolean": pa.bool_(),
}


def _documented_types(table: pa.Table, data_types: Mapping[str, str]) -> pa.Table:
    """The same types from every engine: a column's declared data_type wins (a safe cast)."""
    fields = [
        pa.field(f.name, DECLARED_TYPES[data_types[f.name]])
        if data_types.get(f.name) in DECLARED_TYPES
        else f
        for f in table.schema
    ]
    return table.cast(pa.schema(fields))


def _under(files: Mapping[str, ResourceFiles], prefix: str) -> dict[str, ResourceFiles]:
    return {
        name: ResourceFiles([prefix + p for p in f.paths], f.partitioned_by)
        for name, f in files.items()
    }


def _discard(target: ExportTarget, folder: str) -> None:
    """Best effort: a version that was never swapped in is removed (or by the next export)."""
    try:
        if target.fs.exists(folder):
            target.fs.rm(folder, recursive=True)
    except Exception:  # noqa: BLE001 - the original error is the one to report
        pass


def export_summary(result: ExportResult) -> dict[str, Any]:
    return {"export": result.url, "version": result.version, **result.rows}


def export_marts(
    location: WarehouseLocation,
    serving_path: Path,
    to: str,
    fmt: str,
    manifest_path: Path,
    endpoint_url: str | None = None,
) -> ExportResult:
    """Export every published mart (deprecated aliases left out) to ``to``."""
    docs = load_mart_docs(manifest_path)
    published = read_published_marts(location, serving_path)
    unknown = sorted(set(published) - set(docs))
    if unknown:
        raise ManifestError(
            f"published marts missing from dbt's manifest ({', '.join(unknown)}): "
            "run `make manifest`"
        )
    tables = {
        name: _documented_types(t, docs[name].data_types)
        for name, t in published.items()
        if not docs[name].deprecated
    }
    editions = editions_of(published["dim_measure"])

    def descriptor(files: Mapping[str, ResourceFiles], version: str) -> dict:
        return describe(tables, files, fmt, docs, editions, version)

    return export_tables(tables, ExportTarget(to, endpoint_url), fmt, descriptor)
