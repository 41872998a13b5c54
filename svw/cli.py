"""The `svw` command: run the pipeline, check a file before upload, demo, templates."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import click

from configuration import TELEMETRY_OFF, ConfigurationError, Settings

EXIT_REJECTED = 1
EXIT_INFRASTRUCTURE = 2


@click.group()
def main() -> None:
    """Social Value Warehouse: social value returns in, place-level totals out."""
    # GX and dbt read these from the environment, in this process and its children.
    os.environ.update(TELEMETRY_OFF)


@main.command()
@click.option(
    "--settle-seconds",
    type=float,
    default=None,
    help="Minimum age of a file before it is picked up (default: SVW_SETTLE_SECONDS or 30).",
)
def run(settle_seconds: float | None) -> None:
    """One full pass through Dagster: ingest pending files, build the models, publish for BI."""
    sys.exit(_run_and_summarise(_settings(), settle_seconds))


_KIND = click.Choice(["delivery", "commitments"])


@main.command()
@click.argument("files", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False))
@click.option(
    "--kind",
    type=_KIND,
    default=None,
    help="The kind of return (default: commitments for a file in a commitments folder, "
    "else delivery).",
)
def validate(files: tuple[str, ...], kind: str | None) -> None:
    """Check return FILES offline, exactly as the pipeline would. Writes nothing."""
    from svw.offline import check_files  # heavy imports only for this command

    # Offline and side-effect free: no Dagster home, no data folders.
    settings = _settings()
    verdicts = [
        _echo_verdict(path, checked, "lines")
        for path, checked in check_files([Path(f) for f in files], settings, click.echo, kind)
    ]
    sys.exit(0 if all(verdicts) else EXIT_REJECTED)


def _echo_verdict(path: Path, checked, rows_are: str) -> bool:  # noqa: ANN001 - CheckedFile
    """Print a file's verdict as the sender's report says it; True when it would load."""
    if checked.accepted:
        click.echo(f"OK       {path}: {checked.row_count} {rows_are} would load")
    else:
        click.echo(f"REJECTED {path}: {checked.total_errors} error(s)")
        if checked.where.described():
            click.echo(f"  read from {checked.where.described()}")
        for error in checked.errors:
            cell = checked.where.cell(error.column, error.row)
            where = ", ".join(
                part
                for part in (
                    f"cell {cell}" if cell else "",
                    f"row {error.row}" if error.row is not None else "",
                    f"column {error.column}" if error.column else "",
                    f"value {error.value!r}" if error.value is not None else "",
                )
                if part
            )
            click.echo(f"  - {where + ': ' if where else ''}{error.message}")
        if checked.total_errors > len(checked.errors):
            click.echo(f"  ... and {checked.total_errors - len(checked.errors)} more")
    for warning in checked.warnings:
        click.echo(f"  warning: {warning}")
    return checked.accepted


@main.group()
def catalogue() -> None:
    """The measure catalogue: editions loaded from reference/frameworks/, and checks."""


@catalogue.command(name="list")
def catalogue_list() -> None:
    """Every edition and version the published marts hold: measures, licence, illustrative."""
    from serving.published import PublishedMartsError
    from svw.catalogue import edition_lines

    try:
        lines = edition_lines(_settings())
    except PublishedMartsError as problem:
        click.echo(f"svw: {problem}", err=True)
        sys.exit(EXIT_INFRASTRUCTURE)
    for line in lines:
        click.echo(line)


@catalogue.command(name="check")
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@click.option(
    "--kind",
    type=click.Choice(["frameworks", "crosswalks", "local-proxies"]),
    default="frameworks",
    show_default=True,
    help="What the file is: an edition, a crosswalk, or local proxies.",
)
def catalogue_check(file: str, kind: str) -> None:
    """Check a catalogue FILE offline, as the pipeline's suite would. Writes nothing."""
    from svw.offline import check_catalogue_file

    checked, against = check_catalogue_file(Path(file), kind, _settings())
    click.echo(f"Checked against {against}.")
    sys.exit(0 if _echo_verdict(Path(file), checked, "rows") else EXIT_REJECTED)


@main.command()
@click.option("--seed", default=2026, show_default=True, help="Seed of the synthetic data.")
def demo(seed: int) -> None:
    """Write deterministic synthetic returns into the bucket, then run the pipeline."""
    from ingest.bucket import Bucket
    from svw.demo import demo_files
    from svw.demo_catalogue import demo_catalogue_files

    settings = _settings()
    bucket = Bucket(settings.bucket_url, settings.s3_endpoint_url)
    files = demo_files(seed) + demo_catalogue_files()
    for demo_file in files:
        bucket.write(demo_file.path, demo_file.data)
    click.echo(
        f"Wrote {len(files)} demo files under {settings.bucket_url}/incoming/ and reference/"
    )
    # The demo wrote its files itself: nothing is still uploading, so no settling wait.
    sys.exit(_run_and_summarise(settings, settle_seconds=0, command="demo"))


@main.command()
@click.option(
    "--place",
    "places",
    multiple=True,
    metavar="CODE",
    help="A district's code (repeatable): write only these place pages (default: every place).",
)
@click.option(
    "-o", "--output", default=None, help="Folder or s3:// prefix (default: SVW_REPORT_DIR)."
)
def report(places: tuple[str, ...], output: str | None) -> None:
    """Write the place report (static HTML) from the published marts."""
    from serving.published import PublishedMartsError, published_connection
    from serving.report import write_report
    from serving.report.data import UnknownPlace

    settings = _settings()
    target = output or settings.report_dir
    if "://" not in target:
        target = str(Path(target).resolve())
    try:
        with published_connection(settings.warehouse, settings.serving_path) as connection:
            summary = write_report(
                connection,
                target,
                bucket_url=settings.bucket_url,
                endpoint_url=settings.s3_endpoint_url,
                place_codes=[code.upper() for code in places] or None,
                chart_cache=settings.chart_cache_dir,
            )
    except (PublishedMartsError, UnknownPlace) as problem:
        click.echo(f"svw: {problem}", err=True)
        sys.exit(EXIT_INFRASTRUCTURE)
    click.echo(f"Wrote the place report ({summary.place_pages} place pages): {summary.location}")


@main.command()
@click.option("--format", "fmt", type=click.Choice(["csv", "xlsx"]), default="csv")
@click.option("--kind", type=_KIND, default="delivery", show_default=True)
@click.option("-o", "--output", type=click.Path(dir_okay=False), default=None)
def template(fmt: str, kind: str, output: str | None) -> None:
    """Write an empty return template (xlsx: drop-down lists and checks on the Return
    sheet, with Instructions, Measures and Places sheets)."""
    from expectations.fields import FIELD_TABLES
    from ingest.template import csv_template, xlsx_template

    fields = FIELD_TABLES[kind]
    data = csv_template(fields) if fmt == "csv" else xlsx_template(fields)
    name = "return-template" if kind == "delivery" else f"{kind}-template"
    target = Path(output or f"{name}.{fmt}")
    target.write_bytes(data)
    click.echo(f"Wrote {target}")


@main.command(name="export")
@click.option("--format", "fmt", type=click.Choice(["parquet", "csv"]), default="parquet")
@click.option(
    "--to",
    default=None,
    help="A folder or s3://bucket/prefix (default: SVW_EXPORT, else exports/ beside the snapshot).",
)
def export_command(fmt: str, to: str | None) -> None:
    """Export every published mart as files, with a datapackage.json; swapped in atomically."""
    from svw.exports import export_published

    sys.exit(export_published(_settings(), fmt, to, click.echo))


@main.command()
def docs() -> None:
    """Generate dbt's static docs site into the serving area (docs/ beside the snapshot)."""
    from svw.docs import DocsError, generate_docs

    try:
        site = generate_docs(_settings())
    except (ConfigurationError, DocsError) as problem:
        click.echo(f"svw: {problem}", err=True)
        sys.exit(EXIT_INFRASTRUCTURE)
    click.echo(f"Wrote {site}")


def _settings() -> Settings:
    try:
        return Settings.from_env()
    except ConfigurationError as problem:
        click.echo(f"svw: {problem}", err=True)
        sys.exit(EXIT_INFRASTRUCTURE)


def _run_and_summarise(
    settings: Settings, settle_seconds: float | None, command: str = "run"
) -> int:
    from svw.runner import run_pipeline

    # The run's children (dbt) and Dagster's EnvVar resources read the same settings.
    os.environ.update(settings.child_environment())
    try:
        outcome = run_pipeline(settings, settle_seconds, command)
    except ConfigurationError as problem:
        click.echo(f"svw: {problem}", err=True)
        return EXIT_INFRASTRUCTURE
    click.echo(outcome.summary_text())
    return 0 if outcome.success else EXIT_INFRASTRUCTURE


if __name__ == "__main__":
    main()
