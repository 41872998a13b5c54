"""The one job behind `svw run`, the bucket sensor and the nightly schedule."""

import dagster as dg

PIPELINE_JOB_NAME = "social_value_pipeline"
WAREHOUSE_TAG = {"svw/warehouse": "write"}  # limited to one run at a time (dagster.yaml)
# The job's steps in the words of the run summary, in the order they run.
STEP_LABELS = {
    "reference_seeds": "seeds",
    "bucket_files": "ingestion",
    "warehouse_models": "models",
    "serving__bi_snapshot": "publish",
    "serving__place_report": "report",
    "serving__sender_reports": "sender reports",
    "serving__exports": "exports",
}

social_value_pipeline = dg.define_asset_job(
    PIPELINE_JOB_NAME,
    selection=dg.AssetSelection.all(),
    # One process per run: resources (the warehouse lock) live for the whole run and
    # no step pays Python and dbt start-up twice.
    executor_def=dg.in_process_executor,
    tags=WAREHOUSE_TAG,
    description="Ingest pending bucket files, build the dbt models, publish the BI snapshot.",
)
