"""The Frictionless Data Package that describes an export: resources, fields, licences.

Written by the Data Package v2 specification (datapackage.org): one resource per mart,
its Table Schema from the exported Arrow schema, each field's description from the dbt
docs (read from dbt's manifest, so the docs site and the export say the same), a unit
where the column name says it, and the licence of the numbers: the measure
catalogue's own (an illustrative catalogue says so), and the Open Government Licence
for the official population, deprivation and geography figures.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import pyarrow as pa

PACKAGE_PROFILE = "https://datapackage.org/profiles/2.0/datapackage.json"
RESOURCE_PROFILE = "https://datapackage.org/profiles/2.0/dataresource.json"
TABLE_SCHEMA_PROFILE = "https://datapackage.org/profiles/2.0/tableschema.json"

OGL = {
    "name": "OGL-UK-3.0",
    "title": "Open Government Licence v3.0 (ONS, MHCLG)",
    "path": "https://www.nationalarchives.gov.uk/doc/open-government-licence/version/3/",
}
# Ancestors (seeds or sources) whose figures are official statistics under the OGL.
OFFICIAL_REFERENCE = ("places", "place_code", "population", "deprivation")
MEASURE_CATALOGUE = "measure_catalogue"

MEDIA_TYPES = {"parquet": "application/vnd.apache.parquet", "csv": "text/csv"}


class ManifestError(RuntimeError):
    """dbt's manifest is missing or has no marts: run `make manifest`."""


@dataclass(frozen=True)
class MartDoc:
    """What dbt's docs say about one mart."""

    name: str
    description: str
    columns: Mapping[str, str]
    deprecated: bool
    # Column types the YAML declares (data_type), where it declares one.
    data_types: Mapping[str, str] = field(default_factory=dict)
    ancestors: frozenset[str] = field(default_factory=frozenset)


@dataclass(frozen=True)
class Edition:
    """A loaded measure-catalogue edition (marts.dim_measure) and its licence."""

    edition: str
    licence: str
    source: str
    is_illustrative: bool


def load_mart_docs(manifest_path: Path) -> dict[str, MartDoc]:
    """Every model under models/marts/, with its column docs and upstream node names."""
    if not manifest_path.exists():
        raise ManifestError(f"dbt's manifest is missing at {manifest_path}: run `make manifest`")
    manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    nodes = {**manifest["nodes"], **manifest.get("sources", {})}
    docs = {}
    for unique_id, node in manifest["nodes"].items():
        if node["resource_type"] != "model" or not node["original_file_path"].startswith(
            "models/marts/"
        ):
            continue
        docs[node["name"]] = MartDoc(
            name=node["name"],
            description=" ".join(node["description"].split()),
            columns={
                name: " ".join(column["description"].split())
                for name, column in node["columns"].items()
            },
            deprecated=node.get("deprecation_date") is not None,
            data_types={
                name: column["data_type"]
                for name, column in node["columns"].items()
                if column.get("data_type")
            },
            ancestors=frozenset(
                nodes[a]["name"] for a in _ancestors(manifest["parent_map"], unique_id)
            ),
        )
    if not docs:
        raise ManifestError(f"no marts in {manifest_path}: run `make manifest`")
    return docs


def _ancestors(parent_map: Mapping[str, list[str]], unique_id: str) -> set[str]:
    seen: set[str] = set()
    stack = list(parent_map.get(unique_id, []))
    while stack:
        parent = stack.pop()
        if parent not in seen:
            seen.add(parent)
            stack.extend(parent_map.get(parent, []))
    return seen


def editions_of(dim_measure: pa.Table) -> list[Edition]:
    """The loaded catalogue editions, one per edition, from the published dim_measure."""
    rows = dim_measure.select(["edition", "licence", "source", "is_illustrative"]).to_pylist()
    unique = {(r["edition"], r["licence"], r["source"], bool(r["is_illustrative"])) for r in rows}
    return [Edition(*row) for row in sorted(unique)]


def unit_of(column: str) -> str | None:
    """The unit a column name states, where it states one."""
    if column.endswith("_per_head_gbp"):
        return "GBP per resident"
    if column.endswith("_gbp"):
        return "GBP"
    if column == "population":
        return "persons"
    if column.endswith("_share"):
        return "fraction (0-1)"
    return None


def _field_type(arrow_type: pa.DataType) -> str:
    if pa.types.is_boolean(arrow_type):
        return "boolean"
    if pa.types.is_integer(arrow_type):
        return "integer"
    if pa.types.is_floating(arrow_type) or pa.types.is_decimal(arrow_type):
        return "number"
    if pa.types.is_date(arrow_type):
        return "date"
    if pa.types.is_timestamp(arrow_type):
        return "datetime"
    return "string"


def _fields(schema: pa.Schema, doc: MartDoc) -> list[dict]:
    fields = []
    for arrow_field in schema:
        described = {
            "name": arrow_field.name,
            "type": _field_type(arrow_field.type),
            "description": doc.columns.get(arrow_field.name, ""),
        }
        if pa.types.is_timestamp(arrow_field.type):
            # Written as ISO 8601 without an offset; the values are UTC (see description).
            described["format"] = "any"
        unit = unit_of(arrow_field.name)
        if unit:
            described["unit"] = unit
        fields.append(described)
    return fields


def _licences(doc: MartDoc, editions: Iterable[Edition]) -> list[dict]:
    licences = []
    if MEASURE_CATALOGUE in doc.ancestors:
        for edition in editions:
            title = f"Measure catalogue {edition.edition}: {edition.source}"
            if edition.is_illustrative:
                title += " (ILLUSTRATIVE: invented proxy values, not official TOMs values)"
            licences.append({"name": edition.licence, "title": title})
    if any(ref in name for name in doc.ancestors for ref in OFFICIAL_REFERENCE):
        licences.append(OGL)
    return licences


@dataclass(frozen=True)
class ResourceFiles:
    """Where one mart was written: its files (relative paths) and Hive partition columns."""

    paths: list[str]
    partitioned_by: list[str] = field(default_factory=list)


def describe(
    tables: Mapping[str, pa.Table],
    files: Mapping[str, ResourceFiles],
    fmt: str,
    docs: Mapping[str, MartDoc],
    editions: list[Edition],
    version: str,
) -> dict:
    """The datapackage.json descriptor of an export (paths relative to the descriptor)."""
    illustrative = any(e.is_illustrative for e in editions)
    resources = []
    for name, written in files.items():
        doc = docs[name]
        resource: dict = {
            "$schema": RESOURCE_PROFILE,
            "name": name,
            "type": "table",
            "description": doc.description,
            "path": written.paths[0] if len(written.paths) == 1 else written.paths,
            "format": fmt,
            "mediatype": MEDIA_TYPES[fmt],
            "schema": {
                "$schema": TABLE_SCHEMA_PROFILE,
                "fields": _fields(tables[name].schema, doc),
            },
            "licenses": _licences(doc, editions),
        }
        if fmt == "csv":
            resource["encoding"] = "utf-8"
        if written.partitioned_by:
            # Hive layout: the column is in the folder names, not in the files.
            resource["partitioning"] = {"flavor": "hive", "fields": written.partitioned_by}
        resources.append(resource)
    licences = {json.dumps(lic, sort_keys=True) for r in resources for lic in r["licenses"]}
    return {
        "$schema": PACKAGE_PROFILE,
        "name": "social-value-warehouse-marts",
        "title": "Social Value Warehouse: published marts",
        "description": _package_description(illustrative),
        "created": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "svw_export_version": version,
        "illustrative": illustrative,
        "licenses": [json.loads(lic) for lic in sorted(licences)],
        "resources": resources,
    }


def _package_description(illustrative: bool) -> str:
    text = (
        "Social value by place from institutions' returns, valued with a TOMs-style measure "
        "catalogue, set against population and deprivation. Each resource is one mart of "
        "the warehouse, as BI tools read it."
    )
    if illustrative:
        text += (
            " ILLUSTRATIVE: values were priced with the project's illustrative catalogue "
            "(invented proxy values, not official TOMs values); do not quote them as real."
        )
    return text
