"""The code location: every asset, the job, the sensor and the schedule, with resources.

:func:`build_definitions` wires them for given settings (``svw run`` calls it);
``defs`` is what workspace.yaml loads, built from the environment when Dagster loads
the code location, not when this module is imported.
"""

import os

import dagster as dg

from configuration import Settings
from orchestration.assets import bi_snapshot, bucket_files, exports
from orchestration.dbt import dbt_resource, reference_seeds, warehouse_models
from orchestration.jobs import social_value_pipeline
from orchestration.report import ReportResource, place_report
from orchestration.resources import build_resources
from orchestration.schedules import nightly_pipeline
from orchestration.sender_reports import sender_reports
from orchestration.sensors import bucket_sensor


def build_definitions(settings: Settings) -> dg.Definitions:
    return dg.Definitions(
        # The export is published after each run only when SVW_EXPORT names a target.
        assets=[
            reference_seeds,
            bucket_files,
            warehouse_models,
            bi_snapshot,
            place_report,
            sender_reports,
        ]
        + ([exports] if settings.export_url else []),
        jobs=[social_value_pipeline],
        sensors=[bucket_sensor],
        schedules=[nightly_pipeline],
        resources={
            **build_resources(settings, dbt_resource(settings)),
            "report": ReportResource(
                output=settings.report_dir, chart_cache=str(settings.chart_cache_dir)
            ),
        },
    )


@dg.definitions
def defs() -> dg.Definitions:
    settings = Settings.from_env()
    # As `svw run` does: runs launched from here, and their dbt, see these settings
    # (a password given inside SVW_WAREHOUSE reaches the resources as SVW_PG_PASSWORD).
    os.environ.update(settings.child_environment())
    return build_definitions(settings)
