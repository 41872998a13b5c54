"""District boundaries for the report's map: a GeoJSON file the user puts in the bucket.

Boundaries are not shipped (nor downloadable here): put the ONS "Local Authority
Districts" boundaries as GeoJSON under ``reference/boundaries/`` in the bucket. The
district code is read from a property named like ``LAD23CD``, ``LAD24CD`` or
``LAD25CD``; when several files are there, the last by name is used (``..._2025`` after
``..._2024``). Coordinates may be longitude/latitude or British National Grid metres.
The file is read straight from the bucket through fsspec (a folder or S3).
"""

from __future__ import annotations

import json
import posixpath
import re
from dataclasses import dataclass
from typing import Any

import altair as alt

from serving.report.charts import Figure, render
from serving.report.data import PlaceYear
from serving.report.formatting import gbp
from serving.storage import filesystem

BOUNDARIES_FOLDER = "reference/boundaries"
CODE_PROPERTY = re.compile(r"^LAD\d{2}CD$", re.IGNORECASE)
HOW_TO_ADD = (
    f"No map: put district boundaries (GeoJSON with a LAD23CD, LAD24CD or LAD25CD "
    f"property, e.g. the ONS Local Authority Districts boundaries) in the bucket under "
    f"{BOUNDARIES_FOLDER}/ and run the report again."
)


@dataclass(frozen=True)
class Boundaries:
    source: str  # path in the bucket
    code_property: str
    features: list[dict[str, Any]]


def find_boundaries(bucket_url: str, endpoint_url: str | None = None) -> Boundaries | None:
    """The newest boundaries file in the bucket, or None when there is none."""
    fs, root = filesystem(bucket_url, endpoint_url)
    folder = f"{root}/{BOUNDARIES_FOLDER}"
    if not fs.exists(folder):
        return None
    files = sorted(path for path in fs.find(folder) if path.lower().endswith((".geojson", ".json")))
    if not files:
        return None
    collection = json.loads(fs.cat_file(files[-1]))
    features = [f for f in collection.get("features", []) if f.get("geometry")]
    code_property = _code_property(features)
    if code_property is None:
        raise ValueError(
            f"{files[-1]}: no district code property (LAD23CD, LAD24CD, LAD25CD...) in its features"
        )
    return Boundaries(
        f"{BOUNDARIES_FOLDER}/{posixpath.basename(files[-1])}", code_property, features
    )


def _code_property(features: list[dict[str, Any]]) -> str | None:
    for feature in features[:1]:
        for name in feature.get("properties") or {}:
            if CODE_PROPERTY.match(name):
                return name
    return None


def _is_projected(features: list[dict[str, Any]]) -> bool:
    """British National Grid metres, rather than longitude and latitude in degrees."""

    def first_point(coordinates: Any) -> list[float]:
        while isinstance(coordinates[0], list):
            coordinates = coordinates[0]
        return coordinates

    x, y = first_point(features[0]["geometry"]["coordinates"])[:2]
    return abs(x) > 180 or abs(y) > 90


def choropleth(boundaries: Boundaries, places: list[PlaceYear], year: str) -> Figure:
    """Value per head by district in ``year``; districts without a figure are grey."""
    by_code = {p.place_code: p for p in places}
    features = []
    for feature in boundaries.features:
        code = feature["properties"][boundaries.code_property]
        place = by_code.get(code)
        properties = {
            "code": code,
            "name": place.name if place else code,
            "per_head": place.per_head_gbp if place else None,
        }
        features.append(
            {"type": "Feature", "geometry": feature["geometry"], "properties": properties}
        )
    # British National Grid is already flat (y grows north): draw it as it is.
    projection = (
        {"type": "identity", "reflectY": True} if _is_projected(features) else {"type": "mercator"}
    )
    chart = (
        alt.Chart(alt.Data(values=features), width=460, height=560)
        .mark_geoshape(stroke="white", strokeWidth=0.4)
        .encode(
            color=alt.condition(
                "isValid(datum.properties.per_head)",
                alt.Color(
                    "properties.per_head:Q",
                    title="£ per head",
                    scale=alt.Scale(scheme="viridis", reverse=True),
                    legend=alt.Legend(format="$,.2f"),
                ),
                alt.value("#dddddd"),
            )
        )
        .project(**projection)
    )
    matched = [
        by_code[f["properties"]["code"]]
        for f in features
        if f["properties"]["per_head"] is not None
    ]
    highest = max(matched, key=lambda p: p.per_head_gbp or 0, default=None)
    summary = f"{len(matched)} of {len(features)} districts have a figure"
    if highest is not None:
        summary += f"; highest: {highest.name}, {gbp(highest.per_head_gbp, pence=True)} a head"
    return render(
        chart,
        "map",
        f"Social value per head by district, {year}",
        f"Map of social value per resident by district in {year}, darker is more: {summary}.",
        any(p.is_illustrative for p in matched),
    )
