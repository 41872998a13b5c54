"""The place report: a static, self-contained HTML page per place, and an overview.

Read from the published marts (:mod:`serving.report.data`), charted as inline SVG
(:mod:`serving.report.charts`, :mod:`serving.report.boundaries` for the map) and laid
out by Jinja2 templates with autoescaping on, so sender text (evidence, names) is
always text, never markup. The pages load nothing from anywhere: no script, no font,
no stylesheet outside the file; they open from a folder or an S3 bucket and print to
PDF (print CSS). Layout under the output folder::

    index.html              the overview: every place, linked
    places/<code>.html      one page per place
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import sqlalchemy as sa
from jinja2 import Environment, PackageLoader, StrictUndefined

from serving.need_headline import NeedHeadline
from serving.report import charts
from serving.report.boundaries import HOW_TO_ADD, choropleth, find_boundaries
from serving.report.charts import Figure
from serving.report.data import PlaceReport, ReportData, read_report
from serving.report.formatting import gbp, number, percent
from serving.report.svg_cache import SvgCache
from serving.storage import write_text

INDEX = "index.html"


def place_page(place_code: str) -> str:
    return f"places/{place_code}.html"


# The charts of a place page, in order; each returns None when it has nothing to show.
# A new view of a place is one more function here and nothing else: the template shows
# them all.
PlaceChart = Callable[[ReportData, PlaceReport], Figure | None]
PLACE_CHARTS: tuple[PlaceChart, ...] = (
    lambda data, page: charts.by_year(page.figures.by_year) if page.figures.by_year else None,
    lambda data, page: charts.by_theme(page.figures.by_theme) if page.figures.by_theme else None,
    lambda data, page: charts.by_sector(page.figures.by_sector) if page.figures.by_sector else None,
    lambda data, page: charts.per_head_by_decile(data.per_head, data.latest_year, page.place),
    lambda data, page: (
        charts.need_shares(page.region_shares, data.latest_year, page.place.region_name or "")
        if page.region_shares
        else None
    ),
    lambda data, page: (
        charts.top_organisations(page.figures.organisations) if page.figures.organisations else None
    ),
    lambda data, page: (
        charts.committed_against_delivered(page.figures.progress) if page.figures.progress else None
    ),
)


@dataclass(frozen=True)
class ReportSummary:
    """What was written, for the run summary and the asset's metadata."""

    location: str  # the overview page: a local path or an s3:// URL
    place_pages: int
    charts_drawn: int  # not found among the charts drawn before
    total_gbp: float
    places_reached: int
    latest_year: str | None
    is_illustrative: bool
    has_map: bool
    need: list[NeedHeadline] = field(default_factory=list)


def _environment() -> Environment:
    environment = Environment(
        loader=PackageLoader("serving.report", "templates"),
        autoescape=True,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    environment.filters.update(gbp=gbp, percent=percent, number=number)
    return environment


def _overview_charts(data: ReportData) -> list[Figure]:
    found: list[Figure | None] = [
        charts.by_year(data.figures.by_year),
        charts.by_theme(data.figures.by_theme),
        charts.by_sector(data.figures.by_sector),
        charts.per_head_by_decile(data.per_head, data.latest_year),
        charts.need_shares(data.england_shares, data.latest_year, "England")
        if data.england_shares
        else None,
        charts.top_organisations(data.figures.organisations)
        if data.figures.organisations
        else None,
        charts.committed_against_delivered(data.figures.progress)
        if data.figures.progress
        else None,
    ]
    return [figure for figure in found if figure is not None]


def render_pages(
    data: ReportData, boundaries_note: str, map_figure: Figure | None, cache: SvgCache
) -> dict[str, str]:
    """Every page's HTML by its path under the output folder; place pages first."""
    environment = _environment()
    generated = f"{datetime.now(UTC):%d %B %Y, %H:%M} UTC"
    common = {"data": data, "generated": generated, "place_page": place_page}
    place_template = environment.get_template("place.html")
    pages = {}
    for code, page in data.place_reports.items():
        built = (build(data, page) for build in PLACE_CHARTS)
        figures = [figure.drawn(cache) for figure in built if figure is not None]
        pages[place_page(code)] = place_template.render(
            **common, page=page, figures=figures, root="../"
        )
    overview_figures = _overview_charts(data) if data.latest_year else []
    pages[INDEX] = environment.get_template("overview.html").render(
        **common,
        figures=[figure.drawn(cache) for figure in overview_figures],
        map_figure=map_figure.drawn(cache) if map_figure else None,
        boundaries_note=boundaries_note,
        root="",
    )
    return pages


def write_report(
    connection: sa.Connection,
    output: str,
    *,
    bucket_url: str,
    endpoint_url: str | None = None,
    place_codes: list[str] | None = None,
    chart_cache: Path | None = None,
) -> ReportSummary:
    """Read the published marts, render every page and write them under ``output``.

    ``bucket_url`` is where the boundaries for the map are looked for; ``place_codes``
    limits the place pages (the overview always lists every place); charts drawn before
    are taken from ``chart_cache``, a folder (:mod:`serving.report.svg_cache`).
    """
    data = read_report(connection, place_codes)
    boundaries = find_boundaries(bucket_url, endpoint_url)
    map_figure = (
        choropleth(boundaries, data.per_head, data.latest_year)
        if boundaries is not None and data.latest_year
        else None
    )
    note = f"Boundaries: {boundaries.source}." if boundaries is not None else HOW_TO_ADD
    cache = SvgCache(chart_cache)
    write_text(output, render_pages(data, note, map_figure, cache), endpoint_url)
    if place_codes is None:
        cache.keep_only_used()
    return ReportSummary(
        location=f"{output.rstrip('/')}/{INDEX}",
        place_pages=len(data.place_reports),
        charts_drawn=cache.drawn,
        total_gbp=data.figures.total_gbp,
        places_reached=len(data.places),
        latest_year=data.latest_year,
        is_illustrative=data.figures.is_illustrative,
        has_map=map_figure is not None,
        need=data.need,
    )
