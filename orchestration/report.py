"""The place report as a Dagster asset, downstream of the BI snapshot.

It reads the marts only once they are published, so a report that fails to render
fails its own step loudly while the marts and snapshot stay published; its metadata
links to the overview page and shows the headline figures.
"""

from __future__ import annotations

from pathlib import Path

import dagster as dg

from orchestration.assets import BI_SNAPSHOT
from orchestration.resources import BucketResource, WarehouseResource
from serving.published import published_connection
from serving.report import ReportSummary, write_report
from serving.report.formatting import gbp

PLACE_REPORT = dg.AssetKey(["serving", "place_report"])


class ReportResource(dg.ConfigurableResource):
    """Where the place report is written: a folder or an s3:// prefix (SVW_REPORT_DIR),
    and the folder of the charts drawn for earlier reports."""

    output: str
    chart_cache: str


@dg.asset(
    key=PLACE_REPORT,
    deps=[BI_SNAPSHOT],
    group_name="serving",
    description="The place report: a static HTML overview and a page per place (value by "
    "year, theme and sector, against need, with evidence), from the published marts.",
)
def place_report(
    report: ReportResource, warehouse: WarehouseResource, bucket: BucketResource
) -> dg.MaterializeResult:
    with published_connection(warehouse.location, Path(warehouse.serving_path)) as connection:
        summary = write_report(
            connection,
            report.output,
            bucket_url=bucket.url,
            endpoint_url=bucket.endpoint_url,
            chart_cache=Path(report.chart_cache),
        )
    return dg.MaterializeResult(metadata=report_metadata(summary))


def report_metadata(summary: ReportSummary) -> dict[str, dg.MetadataValue]:
    location = summary.location
    link = dg.MetadataValue.url(location) if "://" in location else dg.MetadataValue.path(location)
    metadata = {
        "overview": link,
        "total_value": dg.MetadataValue.text(gbp(summary.total_gbp)),
        "places_reached": dg.MetadataValue.int(summary.places_reached),
        "place_pages": dg.MetadataValue.int(summary.place_pages),
        "charts_drawn": dg.MetadataValue.int(summary.charts_drawn),
        "latest_financial_year": dg.MetadataValue.text(summary.latest_year or "none"),
        "illustrative_values": dg.MetadataValue.bool(summary.is_illustrative),
        "map": dg.MetadataValue.bool(summary.has_map),
    }
    if summary.need:
        metadata["need_headline"] = dg.MetadataValue.text(str(summary.need[-1]))
    return metadata
