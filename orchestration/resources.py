"""Resources shared by the assets; configuration comes from svw.settings only."""

import shutil
import sysconfig
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import dagster as dg
from dagster_dbt import DbtCliResource
from filelock import FileLock

from ingest.bucket import Bucket
from svw.settings import DBT_PROJECT_DIR, Settings, prepare_environment


class SvwSettings(dg.ConfigurableResource):
    """Gives assets the environment's :class:`Settings`, read when a run starts."""

    def get(self) -> Settings:
        settings = Settings.from_env()
        prepare_environment(settings)
        return settings

    def bucket(self) -> Bucket:
        settings = self.get()
        return Bucket(settings.bucket_url, settings.s3_endpoint_url)


class WarehouseLock(dg.ConfigurableResource):
    """Held for a whole run, so only one run writes the DuckDB warehouse at a time.

    The job uses the in-process executor, so a run sets this up once and keeps it
    until its last step ends, whether it was launched by the CLI or by the daemon.
    """

    timeout_seconds: float = 3600

    @contextmanager
    def yield_for_execution(self, context: dg.InitResourceContext) -> Iterator["WarehouseLock"]:
        warehouse = Settings.from_env().warehouse_path
        warehouse.parent.mkdir(parents=True, exist_ok=True)
        lock = FileLock(f"{warehouse}.run.lock", timeout=self.timeout_seconds)
        if context.log:
            context.log.info(f"waiting for the warehouse lock {lock.lock_file}")
        with lock:
            yield self


def dbt_executable() -> str:
    """The dbt installed with this Python environment (the venv), else whatever is on PATH.

    Dagster's code server may start without the venv's bin/ on PATH.
    """
    candidate = Path(sysconfig.get_path("scripts")) / "dbt"
    return str(candidate) if candidate.exists() else (shutil.which("dbt") or "dbt")


def build_resources() -> dict[str, object]:
    settings = Settings.from_env()
    return {
        "svw": SvwSettings(),
        "warehouse_lock": WarehouseLock(),
        "dbt": DbtCliResource(
            project_dir=str(DBT_PROJECT_DIR),
            profiles_dir=str(DBT_PROJECT_DIR),
            target=settings.dbt_target,
            dbt_executable=dbt_executable(),
        ),
    }
