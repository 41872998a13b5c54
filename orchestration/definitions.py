"""The code location loaded by workspace.yaml."""

import dagster as dg

from orchestration.assets import bi_snapshot, bucket_files
from orchestration.dbt import reference_seeds, warehouse_models
from orchestration.jobs import social_value_pipeline
from orchestration.resources import build_resources
from orchestration.schedules import nightly_pipeline
from orchestration.sensors import bucket_sensor

defs = dg.Definitions(
    assets=[reference_seeds, bucket_files, warehouse_models, bi_snapshot],
    jobs=[social_value_pipeline],
    sensors=[bucket_sensor],
    schedules=[nightly_pipeline],
    resources=build_resources(),
)
