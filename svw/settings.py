"""All configuration, read from environment variables with documented defaults.

This is the only module that reads ``SVW_*`` variables; everything else receives a
:class:`Settings`. The README's "Configuration" section lists the same variables.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DBT_PROJECT_DIR = PROJECT_ROOT / "dbt_project"
MEASURE_CATALOGUE_SEED = DBT_PROJECT_DIR / "seeds" / "measure_catalogue.csv"
PLACES_SEED = DBT_PROJECT_DIR / "seeds" / "places.csv"

DEFAULT_EDITION = "svw-illustrative-2026"

# Usage reporting of every tool in the stack is switched off (no telemetry).
TELEMETRY_OFF = {
    "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
    "DO_NOT_TRACK": "1",
    "GX_ANALYTICS_ENABLED": "false",
    "DAGSTER_DISABLE_TELEMETRY": "true",
}


def _absolute(path: str) -> Path:
    return Path(path).expanduser().resolve()


@dataclass(frozen=True)
class Settings:
    """Resolved configuration. Local paths are absolute, so subprocesses (dbt) agree."""

    bucket_url: str
    warehouse_path: Path
    serving_path: Path
    dagster_home: Path
    settle_seconds: float = 30.0
    max_file_bytes: int = 200 * 1024 * 1024
    default_edition: str = DEFAULT_EDITION
    dbt_target: str = "duckdb"
    s3_endpoint_url: str | None = None

    @classmethod
    def from_env(cls, environ: os._Environ[str] | dict[str, str] | None = None) -> Settings:
        env = os.environ if environ is None else environ
        bucket = env.get("SVW_BUCKET", "./data/bucket")
        if "://" not in bucket:
            bucket = str(_absolute(bucket))
        return cls(
            bucket_url=bucket,
            warehouse_path=_absolute(env.get("SVW_WAREHOUSE", "./data/warehouse.duckdb")),
            serving_path=_absolute(env.get("SVW_SERVING", "./data/serving.duckdb")),
            dagster_home=_absolute(env.get("DAGSTER_HOME", "./data/dagster")),
            settle_seconds=float(env.get("SVW_SETTLE_SECONDS", "30")),
            max_file_bytes=int(float(env.get("SVW_MAX_FILE_MB", "200")) * 1024 * 1024),
            default_edition=env.get("SVW_DEFAULT_EDITION", DEFAULT_EDITION),
            dbt_target=env.get("SVW_DBT_TARGET", "duckdb"),
            # The standard AWS variable; credentials come from the usual AWS chain.
            s3_endpoint_url=env.get("AWS_ENDPOINT_URL") or None,
        )

    def subprocess_env(self) -> dict[str, str]:
        """Variables a child process (dbt, dagster) needs to see the same configuration."""
        return {
            **TELEMETRY_OFF,
            "SVW_BUCKET": self.bucket_url,
            "SVW_WAREHOUSE": str(self.warehouse_path),
            "SVW_SERVING": str(self.serving_path),
            "SVW_SETTLE_SECONDS": str(self.settle_seconds),
            "SVW_DEFAULT_EDITION": self.default_edition,
            "SVW_DBT_TARGET": self.dbt_target,
            "DAGSTER_HOME": str(self.dagster_home),
        }


_DAGSTER_YAML = """\
# Written by svw on first use. Telemetry is off; runs that write the warehouse are
# queued so that only one runs at a time (DuckDB allows a single writer).
telemetry:
  enabled: false
run_queue:
  max_concurrent_runs: 4
  tag_concurrency_limits:
    - key: "svw/warehouse"
      limit: 1
"""


def prepare_environment(settings: Settings) -> None:
    """Export resolved settings for this process and its children; set up DAGSTER_HOME."""
    os.environ.update(settings.subprocess_env())
    settings.dagster_home.mkdir(parents=True, exist_ok=True)
    dagster_yaml = settings.dagster_home / "dagster.yaml"
    if not dagster_yaml.exists():
        dagster_yaml.write_text(_DAGSTER_YAML)
    for path in (settings.warehouse_path, settings.serving_path):
        path.parent.mkdir(parents=True, exist_ok=True)
