"""Python assets: ingestion of the bucket (with its quality gate) and the BI snapshot."""

from collections import Counter
from collections.abc import Iterator

import dagster as dg

from ingest.ledger import DUPLICATE, LOADED, REJECTED
from ingest.pipeline import Ingestor
from ingest.warehouse import open_warehouse
from orchestration.dbt import MART_KEYS, SEED_KEYS
from orchestration.resources import SvwSettings, WarehouseLock
from svw.serving import publish_snapshot

SUBMISSIONS = dg.AssetKey(["raw", "submissions"])
RETURN_LINES = dg.AssetKey(["raw", "return_lines"])
BI_SNAPSHOT = dg.AssetKey(["serving", "bi_snapshot"])


class IngestConfig(dg.Config):
    settle_seconds: float | None = None  # None: SVW_SETTLE_SECONDS


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
    svw: SvwSettings,
    warehouse_lock: WarehouseLock,
) -> Iterator[dg.MaterializeResult | dg.AssetCheckResult]:
    settings = svw.get()
    settle = settings.settle_seconds if config.settle_seconds is None else config.settle_seconds
    with open_warehouse(settings.warehouse_path) as engine:
        report = Ingestor(
            svw.bucket(),
            engine,
            default_edition=settings.default_edition,
            max_file_bytes=settings.max_file_bytes,
            run_id=context.run.run_id,
        ).run(settle)

    for submission in report.submissions:
        if submission.status == REJECTED:
            context.log.warning(
                f"rejected {submission.original_path}: {submission.error_count} errors, "
                f"report at {submission.report_location}"
            )
    yield dg.MaterializeResult(
        asset_key=SUBMISSIONS,
        metadata={
            "files_loaded": report.count(LOADED),
            "files_rejected": report.count(REJECTED),
            "files_duplicate": report.count(DUPLICATE),
        },
    )
    yield dg.MaterializeResult(
        asset_key=RETURN_LINES, metadata={"lines_loaded": report.lines_loaded}
    )
    unexpected: Counter[str] = Counter()
    for gate in report.gate_results:
        for summary in gate.expectations:
            unexpected[summary.name] += summary.unexpected_count
    rejected = report.count(REJECTED)
    yield dg.AssetCheckResult(
        check_name="quality_gate",
        asset_key=RETURN_LINES,
        passed=rejected == 0,
        severity=dg.AssetCheckSeverity.WARN,
        metadata={
            "files_validated": len(report.gate_results),
            "files_rejected": rejected,
            "rows_checked": sum(g.rows_checked for g in report.gate_results),
            "errors_found": sum(g.total_errors for g in report.gate_results),
            **{f"unexpected:{name}": count for name, count in sorted(unexpected.items()) if count},
        },
    )


@dg.asset(
    key=BI_SNAPSHOT,
    deps=MART_KEYS,
    group_name="serving",
    description="Read-only copy of the marts for BI tools, replaced atomically.",
)
def bi_snapshot(svw: SvwSettings, warehouse_lock: WarehouseLock) -> dg.MaterializeResult:
    settings = svw.get()
    counts = publish_snapshot(settings.warehouse_path, settings.serving_path)
    return dg.MaterializeResult(
        metadata={"path": str(settings.serving_path), **{k: v for k, v in counts.items()}}
    )
