"""The one job behind `svw run`, the bucket sensor and the nightly schedule."""

import dagster as dg

PIPELINE_JOB_NAME = "social_value_pipeline"
WAREHOUSE_TAG = {"svw/warehouse": "write"}  # limited to one run at a time (dagster.yaml)
# Who started a run. Sensor and schedule runs carry Dagster's own tags (dagster/sensor_name,
# dagster/schedule_name); a run `svw run` or `svw demo` executes carries these.
LAUNCHED_BY_TAG = "svw/launched_by"
COMMAND_TAG = "svw/command"


def cli_run_tags(command: str) -> dict[str, str]:
    """The tags of a run the ``svw`` command ``command`` (run, demo) executes itself."""
    return {LAUNCHED_BY_TAG: "cli", COMMAND_TAG: command}


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
