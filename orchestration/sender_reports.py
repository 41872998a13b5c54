"""The sender's report of each loaded file that replaced earlier lines, as a Dagster asset.

Supersession is decided by the dbt build, after the file was loaded, so this asset runs
once the marts are published: for every file of this run that holds the current version
of returns earlier files held, it writes ``<archived file>.report.xlsx`` beside the file
in archive/, in the sentences of ``marts.fct_supersessions`` (the one place they are
worded). Its metadata lists the same sentences for the Dagster UI.
"""

from pathlib import Path

import dagster as dg

from ingest.reports import build_load_report, load_report_path
from orchestration.assets import BI_SNAPSHOT
from orchestration.resources import BucketResource, WarehouseResource
from serving.published import published_connection
from serving.supersessions import ReplacingFile, replacing_files

SENDER_REPORTS = dg.AssetKey(["serving", "sender_reports"])


@dg.asset(
    key=SENDER_REPORTS,
    deps=[BI_SNAPSHOT],
    group_name="serving",
    description="For each file of the run that replaced earlier lines of its returns, a "
    "report beside it in archive/ saying which file, return and how many lines.",
)
def sender_reports(
    context: dg.AssetExecutionContext, warehouse: WarehouseResource, bucket: BucketResource
) -> dg.MaterializeResult:
    with published_connection(warehouse.location, Path(warehouse.serving_path)) as connection:
        files = replacing_files(connection, context.run.run_id)
    drop = bucket.open()
    for replacing in files:
        drop.write(load_report_path(replacing.final_location), _report(replacing))
    return dg.MaterializeResult(
        metadata={
            "reports_written": dg.MetadataValue.int(len(files)),
            "replaced": dg.MetadataValue.md(
                "\n".join(f"- {notice}" for f in files for notice in f.notices_shown()) or "nothing"
            ),
        }
    )


def _report(replacing: ReplacingFile) -> bytes:
    return build_load_report(
        replacing.original_path,
        replacing.line_count,
        replacing.current_line_count,
        replacing.notices,
        replacing.warnings,
    )
