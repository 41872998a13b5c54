"""A nightly pass: picks up anything the sensor skipped and refreshes the marts."""

import dagster as dg

from orchestration.jobs import social_value_pipeline

nightly_pipeline = dg.ScheduleDefinition(
    job=social_value_pipeline,
    cron_schedule="0 2 * * *",
    execution_timezone="Europe/London",
    default_status=dg.DefaultScheduleStatus.RUNNING,
)
