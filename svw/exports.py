"""`svw export`: where the export goes by default, and what the command prints."""

from __future__ import annotations

from collections.abc import Callable

from configuration import DBT_MANIFEST, ConfigurationError, Settings, output_location
from serving.datapackage import ManifestError
from serving.export import export_marts
from serving.published import PublishedMartsError

EXIT_FAILED = 2


def default_target(settings: Settings) -> str:
    """SVW_EXPORT, else a folder exports/ in the serving area beside the snapshot."""
    return settings.export_url or str(settings.serving_path.parent / "exports")


def export_published(
    settings: Settings, fmt: str, to: str | None, echo: Callable[..., None]
) -> int:
    """Export the published marts; prints where and how many rows. Returns the exit code."""
    try:
        target = output_location(to) if to else default_target(settings)
        result = export_marts(
            settings.warehouse,
            settings.serving_path,
            target,
            fmt,
            DBT_MANIFEST,
            endpoint_url=settings.s3_endpoint_url,
        )
    except (ConfigurationError, ManifestError, PublishedMartsError) as problem:
        echo(f"svw: {problem}", err=True)
        return EXIT_FAILED
    echo(f"Exported {len(result.rows)} marts as {fmt} to {result.url} (version {result.version})")
    for name, rows in result.rows.items():
        echo(f"  {name}: {rows} rows")
    echo(f"  readers open {result.url}/datapackage.json")
    return 0
