"""Python assets: ingestion of the bucket (with its quality gate) and publishing for BI."""

from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import dagster as dg

from configuration import DBT_MANIFEST
from ingest.ledger import Status
from ingest.pipeline import Ingestor, IngestReport
from orchestration.dbt import MART_KEYS, SEED_KEYS
from orchestration.resources import (
    BucketResource,
    ExportResource,
    IngestionLimits,
    WarehouseResource,
)
from serving import publish
from serving.export import export_marts, export_summary

SUBMISSIONS = dg.AssetKey(["raw", "submissions"])
RETURN_LINES = dg.AssetKey(["raw", "return_lines"])
BI_SNAPSHOT = dg.AssetKey(["serving", "bi_snapshot"])
EXPORTS = dg.AssetKey(["serving", "exports"])


class IngestConfig(dg.Config):
    settle_seconds: float | None = None  # None: the limits resource's (SVW_SETTLE_SECONDS)


@dg.multi_asset(
    specs=[
        dg.AssetSpec(
            SUBMISSIONS,
            deps=SEED_KEYS,
            group_name="ingest",
            description="Ledger of every file seen in the bucket and its fate.",
        ),
        dg.AssetSpec(
            RETURN_LINES,
            deps=SEED_KEYS,
            group_name="ingest",
            description="Every line of every loaded return file.",
        ),
    ],
    check_specs=[
        dg.AssetCheckSpec(
            "quality_gate",
            asset=RETURN_LINES,
            description="Great Expectations suite over every file of the run; "
            "warns when a file was rejected.",
        )
    ],
)
def bucket_files(
    context: dg.AssetExecutionContext,
    config: IngestConfig,
    bucket: BucketResource,
    limits: IngestionLimits,
    warehouse: WarehouseResource,
) -> Iterator[dg.MaterializeResult | dg.AssetCheckResult]:
    settle = limits.settle_seconds if config.settle_seconds is None else config.settle_seconds
    report = Ingestor(
        bucket.open(),
        warehouse.warehouse,
        default_edition=limits.default_edition,
        max_file_bytes=limits.max_file_bytes,
        run_id=context.run.run_id,
    ).run(settle)
    for submission in report.submissions:
        if submission.status == Status.REJECTED:
            context.log.warning(
                f"rejected {submission.original_path}: {submission.error_count} errors, "
                f"report at {submission.report_location}"
            )
    yield dg.MaterializeResult(
        asset_key=SUBMISSIONS,
        metadata={
            "files": dg.MetadataValue.table(_files_table(report, bucket.url), FILES_SCHEMA),
            **_file_counts(report),
        },
    )
    yield dg.MaterializeResult(
        asset_key=RETURN_LINES, metadata={"lines_loaded": report.lines_loaded}
    )
    yield _quality_gate_check(report)


# The run's files as the ingestion asset's metadata shows them, one row per file.
FILES_SCHEMA = dg.TableSchema(
    columns=[
        dg.TableColumn("file", "string", description="Where the file was dropped."),
        dg.TableColumn("submitter", "string", description="Its submitter folder, if valid."),
        dg.TableColumn(
            "kind", "string", description="Delivery or commitment return, or a reference file."
        ),
        dg.TableColumn("status", "string", description="loaded, rejected or duplicate."),
        dg.TableColumn("lines", "int", description="Lines (or rows) read from it."),
        dg.TableColumn("errors", "int", description="Errors found: each rejects the file."),
        dg.TableColumn("now_at", "string", description="Where the file is now."),
        dg.TableColumn(
            "report", "string", description="The report for its sender (rejected files)."
        ),
    ]
)


def _files_table(report: IngestReport, bucket_url: str) -> list[dg.TableRecord]:
    """One record per file of this run, with full locations in the bucket."""
    return [
        dg.TableRecord(
            {
                "file": submission.original_path,
                "submitter": submission.submitter or "",
                "kind": str(submission.file_kind),
                "status": str(submission.status),
                "lines": submission.line_count,
                "errors": submission.error_count,
                "now_at": f"{bucket_url}/{submission.final_location}",
                "report": f"{bucket_url}/{submission.report_location}"
                if submission.report_location
                else "",
            }
        )
        for submission in report.submissions
    ]


def _file_counts(report: IngestReport) -> dict[str, int]:
    """Files of this run: all of them, and how many took each fate (every ledger status)."""
    return {
        "files_validated": len(report.submissions),
        **{f"files_{status}": report.count(status) for status in Status},
    }


def _quality_gate_check(report: IngestReport) -> dg.AssetCheckResult:
    unexpected: Counter[str] = Counter()
    for gate in report.gate_results:
        for summary in gate.expectations:
            unexpected[summary.name] += summary.unexpected_count
    return dg.AssetCheckResult(
        check_name="quality_gate",
        asset_key=RETURN_LINES,
        passed=report.count(Status.REJECTED) == 0,
        severity=dg.AssetCheckSeverity.WARN,
        metadata={
            **_file_counts(report),
            "files_through_suite": len(report.gate_results),
            "rows_checked": sum(g.rows_checked for g in report.gate_results),
            "errors_found": sum(g.total_errors for g in report.gate_results),
            **{f"unexpected:{name}": count for name, count in sorted(unexpected.items()) if count},
        },
    )


@dg.asset(
    key=BI_SNAPSHOT,
    deps=MART_KEYS,
    group_name="serving",
    description="The marts as BI tools read them: a read-only DuckDB snapshot file, or "
    "schema marts on PostgreSQL, replaced atomically.",
)
def bi_snapshot(warehouse: WarehouseResource) -> dg.MaterializeResult:
    counts = publish(warehouse.warehouse, Path(warehouse.serving_path), warehouse.reader_role)
    where = warehouse.serving_path if warehouse.duckdb_path else "schema marts"
    return dg.MaterializeResult(metadata={"published_to": str(where), **counts})


@dg.asset(
    key=EXPORTS,
    deps=[BI_SNAPSHOT],
    group_name="serving",
    description="The published marts as files with a datapackage.json (SVW_EXPORT), "
    "read from what BI tools see and swapped in atomically.",
)
def exports(warehouse: WarehouseResource, export: ExportResource) -> dg.MaterializeResult:
    result = export_marts(
        warehouse.location,
        Path(warehouse.serving_path),
        export.url,
        export.format,
        DBT_MANIFEST,
        endpoint_url=export.endpoint_url,
    )
    return dg.MaterializeResult(metadata=export_summary(result))
