"""The place report, made from a warehouse built with hand-worked lines.

One ``dbt build`` (DuckDB) over a few lines on real districts, then the report read
from the published marts. Quantities make per-head figures round, from the seeds'
ONS mid-year estimates (quoted beside each line):

- Leeds (E08000035; 822,483 residents mid-2022, 809,036 mid-2021; IoD 2025 decile 3):
  2023-24 NT14 £3,289,932 private (£4.00 a head) + £822,483 public (£1.00 a head) =
  £4,112,415, £5.00 a head, 80.0% private; 2021-22 NT14 £809,036 third sector
  (£1.00 a head); all years £4,921,451.
- Blackpool (E06000009; 141,574 mid-2022; decile 1): 2023-24 NT14 £1,415,740 third
  sector + 100 hours of NT24 at £16.50 = £1,650: £1,417,390, £10.01 a head.
- Cardiff (W06000015; 372,089 mid-2022; Wales, no English index): NT14 £372,089, £1.00.

Overview: £6,710,930 in all, 3 places; 2023-24 in England, Blackpool's £1,417,390 of
£5,529,805 (25.6%) reached the most deprived fifth. Every value is illustrative.
"""

from __future__ import annotations

import json
import re
import shutil
from datetime import date
from pathlib import Path
from types import SimpleNamespace

import dagster as dg
import duckdb
import fsspec
import pytest
from altair.vegalite.v6.schema.core import TopLevelSpec
from click.testing import CliRunner

from configuration import DuckDBFile, PostgresDatabase, Settings
from orchestration.report import ReportResource, place_report
from orchestration.resources import BucketResource, WarehouseResource
from serving.published import published_connection
from serving.report import INDEX, ReportSummary, place_page, write_report
from serving.report.boundaries import BOUNDARIES_FOLDER, HOW_TO_ADD
from serving.report.data import read_report
from serving.report.svg_cache import SvgCache
from svw.cli import main
from tests import browser
from tests.dbt_builds import EDITION, BuiltWarehouse, RawRows, build, submission_row

pytestmark = pytest.mark.slow

FY_2023_24 = (date(2023, 4, 1), date(2024, 3, 31))
FY_2021_22 = (date(2021, 4, 1), date(2022, 3, 31))
LEEDS, BLACKPOOL, CARDIFF = "E08000035", "E06000009", "W06000015"
SCRIPT = "<script>alert('sender')</script>"


def _line(sid: int, row: int, period, code: str, qty: float, place: str, sector: str,
          organisation: str, evidence: str | None):  # fmt: skip
    org_id = f"GB-COH-{organisation.split()[0].upper()}"
    return [sid, row, "north-cc", org_id, organisation, sector, *period, code,
            EDITION, qty, None, place, f"C-{sid}", evidence]  # fmt: skip


RAW = RawRows(
    submissions=[
        submission_row(1, "north-cc", "north-cc/2023-24.csv", "2024-05-01 09:00", "loaded", 5),
        submission_row(2, "north-cc", "north-cc/2021-22.csv", "2024-05-02 09:00", "loaded", 1),
    ],
    return_lines=[
        _line(1, 2, FY_2023_24, "NT14", 3_289_932, LEEDS, "private", "Aire Builders Ltd",
              f"Spent with 40 Leeds firms {SCRIPT}"),
        _line(1, 3, FY_2023_24, "NT14", 822_483, LEEDS, "public", "Leeds Teaching Hospitals",
              "Local catering contract"),
        _line(1, 4, FY_2023_24, "NT14", 1_415_740, BLACKPOOL, "third", "Fylde Coast Trust",
              "Seafront cafe run by a community trust"),
        _line(1, 5, FY_2023_24, "NT24", 100, BLACKPOOL, "third", "Fylde Coast Trust",
              "Staff volunteered <b>100 hours</b> & more"),
        _line(1, 6, FY_2023_24, "NT14", 372_089, CARDIFF, "private", "Taff Supplies", None),
        _line(2, 2, FY_2021_22, "NT14", 809_036, LEEDS, "third", "Leeds Food Aid", None),
    ],
)  # fmt: skip


@pytest.fixture(scope="module")
def warehouse(
    tmp_path_factory: pytest.TempPathFactory, request: pytest.FixtureRequest
) -> BuiltWarehouse:
    on_duckdb = SimpleNamespace(param="duckdb", getfixturevalue=request.getfixturevalue)
    return build(on_duckdb, tmp_path_factory, RAW, data_tests=False)


@pytest.fixture(scope="module")
def serving(warehouse: BuiltWarehouse, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The BI snapshot: a copy of the warehouse (its ``marts`` schema is what BI reads)."""
    path = tmp_path_factory.mktemp("serving") / "serving.duckdb"
    shutil.copy(warehouse.duckdb_path, path)
    return path


def _write(serving: Path, output: Path, bucket: Path, **options) -> ReportSummary:
    with published_connection(DuckDBFile(serving), serving) as connection:
        return write_report(connection, str(output), bucket_url=str(bucket), **options)


@pytest.fixture(scope="module")
def report(serving: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The report with no boundaries in the bucket."""
    folder = tmp_path_factory.mktemp("report")
    _write(serving, folder / "report", folder / "bucket")
    return folder / "report"


def _text(html: str) -> str:
    """The page's text with tags and runs of white space folded, for reading figures."""
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def test_overview_headline_and_links(report: Path) -> None:
    html = (report / INDEX).read_text()
    text = _text(html)
    assert "Total social value (all years) £6,710,930" in text
    assert "Places reached 3" in text
    assert "2023-24: 25.6% of social value in England reached the most deprived fifth" in text
    # every place, largest first, each linked to its page, with its all-years total
    links = re.findall(r'<a href="(places/[^"]+)">([^<]+)</a>', html)
    assert links == [
        (place_page(LEEDS), "Leeds"),
        (place_page(BLACKPOOL), "Blackpool"),
        (place_page(CARDIFF), "Cardiff"),
    ]
    assert "£4,921,451" in text and "£1,417,390" in text and "£372,089" in text


def test_place_page_figures(report: Path) -> None:
    text = _text((report / place_page(LEEDS)).read_text())
    assert "Social value (all years) £4,921,451" in text
    assert "Social value 2023-24 £4,112,415" in text
    assert "Per head 2023-24 £5.00" in text
    assert "Residents 822,483" in text
    assert "decile 3" in text
    # by year: 2021-22 was £809,036 over 809,036 residents
    assert "2021-22 £809,036 Illustrative 809,036 £1.00" in text
    # sector shares of the place's value over all years: 3,289,932 / 4,921,451
    assert "Private 66.8% (£3,289,932)" in text
    blackpool = _text((report / place_page(BLACKPOOL)).read_text())
    assert "Per head 2023-24 £10.01" in blackpool


def test_every_chart_has_alt_text_and_illustrative_values_are_flagged(report: Path) -> None:
    for page in (INDEX, place_page(LEEDS), place_page(CARDIFF)):
        html = (report / page).read_text()
        svgs = re.findall(r"<svg\b[^>]*>", html)
        assert len(svgs) >= 5, page
        assert all('role="img"' in svg and 'aria-label="' in svg for svg in svgs), page
        assert html.count("<figcaption>") == len(svgs)
        assert "Illustrative values." in html  # the page's banner
        assert html.count('<span class="flag">Illustrative values</span>') == len(svgs)
        # and inside each chart itself, as its subtitle
        drawn = html.split("<svg")[1:]
        assert all("Includes illustrative (invented) proxy values" in svg for svg in drawn)


def test_the_scatter_highlights_the_place(report: Path) -> None:
    text = _text((report / place_page(LEEDS)).read_text())
    assert (
        "2 English districts with value in 2023-24; Leeds (decile 3, £5.00 a head) is "
        "highlighted" in text
    )
    cardiff = _text((report / place_page(CARDIFF)).read_text())
    assert "Cardiff has no English deprivation index and is not shown" in cardiff


def test_sender_text_is_escaped(report: Path) -> None:
    for page in report.rglob("*.html"):
        assert "<script" not in page.read_text().lower(), page  # the pages run no script
    leeds = (report / place_page(LEEDS)).read_text()
    assert "Spent with 40 Leeds firms &lt;script&gt;alert(&#39;sender&#39;)&lt;/script&gt;" in leeds
    blackpool = (report / place_page(BLACKPOOL)).read_text()
    assert "Staff volunteered &lt;b&gt;100 hours&lt;/b&gt; &amp; more" in blackpool


def test_no_map_without_boundaries(report: Path) -> None:
    html = (report / INDEX).read_text()
    assert 'id="map"' not in html
    assert _text(HOW_TO_ADD) in _text(html)


def _square(code: str, name: str, x: float, y: float) -> dict:
    ring = [[x, y], [x + 1, y], [x + 1, y + 1], [x, y + 1], [x, y]]
    return {
        "type": "Feature",
        "properties": {"LAD24CD": code, "LAD24NM": name},
        "geometry": {"type": "Polygon", "coordinates": [ring]},
    }


def _boundaries() -> bytes:
    features = [
        _square(LEEDS, "Leeds", -1.6, 53.8),
        _square(BLACKPOOL, "Blackpool", -3.0, 53.8),
        _square("E09000001", "City of London", 0.0, 51.5),
    ]
    return json.dumps({"type": "FeatureCollection", "features": features}).encode()


def test_map_with_boundaries_in_the_bucket(serving: Path, tmp_path: Path) -> None:
    bucket = tmp_path / "bucket"
    (bucket / BOUNDARIES_FOLDER).mkdir(parents=True)
    (bucket / BOUNDARIES_FOLDER / "lad_2024.geojson").write_bytes(_boundaries())
    summary = _write(serving, tmp_path / "report", bucket, place_codes=[LEEDS])
    assert summary.has_map
    html = (tmp_path / "report" / INDEX).read_text()
    figure = html.split('<figure id="map">', 1)[1].split("</figure>", 1)[0]
    assert figure.count("<path") >= 3  # three districts drawn
    # City of London is in the marts with no value: £0.00, a figure all the same
    assert "3 of 3 districts have a figure; highest: Blackpool, £10.01 a head" in figure
    assert "Boundaries: reference/boundaries/lad_2024.geojson." in html


def test_every_chart_drawn_is_valid_vega_lite(
    serving: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The report skips altair's validation; an invalid spec may still draw, wrongly.
    bucket = tmp_path / "bucket"
    (bucket / BOUNDARIES_FOLDER).mkdir(parents=True)
    (bucket / BOUNDARIES_FOLDER / "lad_2024.geojson").write_bytes(_boundaries())
    validated: list[dict] = []
    draw = SvgCache._draw

    def validating(cache: SvgCache, spec: dict) -> str:
        TopLevelSpec.from_dict(spec)  # raises jsonschema's ValidationError
        validated.append(spec)
        return draw(cache, spec)

    monkeypatch.setattr(SvgCache, "_draw", validating)
    summary = _write(serving, tmp_path / "report", bucket)
    assert summary.has_map
    assert len(validated) == summary.charts_drawn >= 15


def test_report_to_s3_with_boundaries_from_s3(serving: Path, s3_settings: Settings) -> None:
    bucket = s3_settings.bucket_url
    fs = fsspec.filesystem("s3", client_kwargs={"endpoint_url": s3_settings.s3_endpoint_url})
    fs.pipe_file(f"{bucket.removeprefix('s3://')}/{BOUNDARIES_FOLDER}/lad.geojson", _boundaries())
    output = f"{bucket}/report"
    with published_connection(DuckDBFile(serving), serving) as connection:
        summary = write_report(
            connection, output, bucket_url=bucket, endpoint_url=s3_settings.s3_endpoint_url,
            place_codes=[BLACKPOOL],
        )  # fmt: skip
    assert summary.location == f"{output}/index.html"
    assert summary.has_map
    root = output.removeprefix("s3://")
    assert "£6,710,930" in fs.cat_file(f"{root}/index.html").decode()
    assert "£1,417,390" in fs.cat_file(f"{root}/{place_page(BLACKPOOL)}").decode()


def test_svw_report_command(serving: Path, tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("SVW_SERVING", str(serving))
    monkeypatch.setenv("SVW_WAREHOUSE", str(tmp_path / "unused.duckdb"))
    monkeypatch.setenv("SVW_BUCKET", str(tmp_path / "bucket"))
    result = CliRunner().invoke(main, ["report", "--place", "e08000035", "-o", str(tmp_path)])
    assert result.exit_code == 0, result.output
    assert f"(1 place pages): {tmp_path}/index.html" in result.output
    assert [p.name for p in (tmp_path / "places").iterdir()] == [f"{LEEDS}.html"]
    # the overview still lists every place, linking those with a page
    assert '<a href="places/E08000035.html">' in (tmp_path / INDEX).read_text()
    assert '<a href="places/E06000009.html">' not in (tmp_path / INDEX).read_text()
    unknown = CliRunner().invoke(main, ["report", "--place", "E07000026", "-o", str(tmp_path)])
    assert unknown.exit_code == 2
    assert "E07000026 is not a current district code" in unknown.output


def _charts(report: Path) -> dict[str, list[str]]:
    """Every page's charts (its ``<svg>`` elements) by the page's path."""
    return {
        str(page.relative_to(report)): re.findall(r"<svg\b.*?</svg>", page.read_text(), re.S)
        for page in sorted(report.rglob("*.html"))
    }


def test_charts_are_drawn_again_only_when_what_they_show_changes(
    serving: Path, tmp_path: Path
) -> None:
    cache, bucket = tmp_path / "charts", tmp_path / "bucket"
    first = _write(serving, tmp_path / "first", bucket, chart_cache=cache)
    charts = _charts(tmp_path / "first")
    # Two pages may show the same drawing under different alt text.
    distinct = {
        re.sub(r'role="img" aria-label="[^"]*"><title>[^<]*</title>', ">", svg)
        for svgs in charts.values()
        for svg in svgs
    }
    assert first.charts_drawn == len(distinct) >= 15
    (cache / "from-an-older-report.svg").write_text("<svg></svg>")

    second = _write(serving, tmp_path / "second", bucket, chart_cache=cache)
    assert second.charts_drawn == 0
    assert _charts(tmp_path / "second") == charts
    # the folder keeps exactly the latest whole report's charts
    assert len(list(cache.iterdir())) == len(distinct)

    # Taff Supplies delivered only in Cardiff: its name is in two charts, the top
    # organisations of Cardiff's page and of the overview.
    renamed = tmp_path / "renamed.duckdb"
    shutil.copy(serving, renamed)
    with duckdb.connect(str(renamed)) as connection:
        connection.execute(
            "update marts.fct_social_value set organisation_name = 'Taff Supplies Cymru' "
            "where organisation_name = 'Taff Supplies'"
        )
    third = _write(renamed, tmp_path / "third", bucket, chart_cache=cache)
    assert third.charts_drawn == 2
    redrawn = {
        page: [svg for svg in svgs if svg not in charts[page]]
        for page, svgs in _charts(tmp_path / "third").items()
    }
    assert {page: len(svgs) for page, svgs in redrawn.items() if svgs} == {
        INDEX: 1,
        place_page(CARDIFF): 1,
    }
    assert all("Taff Supplies Cymru" in svgs[0] for svgs in redrawn.values() if svgs)


def test_the_asset_links_to_the_report(
    warehouse: BuiltWarehouse, serving: Path, tmp_path: Path
) -> None:
    result = dg.materialize(
        [place_report],
        resources={
            "report": ReportResource(
                output=str(tmp_path / "report"), chart_cache=str(tmp_path / "charts")
            ),
            "warehouse": WarehouseResource(
                duckdb_path=str(warehouse.duckdb_path),
                serving_path=str(serving),
                reader_role="svw_reader",
            ),
            "bucket": BucketResource(url=str(tmp_path / "bucket")),
        },
    )
    assert result.success
    metadata = result.asset_materializations_for_node("serving__place_report")[0].metadata
    assert metadata["overview"] == dg.MetadataValue.path(str(tmp_path / "report" / INDEX))
    assert metadata["total_value"] == dg.MetadataValue.text("£6,710,930")
    assert metadata["places_reached"] == dg.MetadataValue.int(3)
    assert metadata["place_pages"] == dg.MetadataValue.int(3)
    assert metadata["charts_drawn"].value >= 15
    assert metadata["illustrative_values"] == dg.MetadataValue.bool(True)
    assert metadata["need_headline"].value.startswith("2023-24: 25.6% of social value")


def test_the_same_report_from_postgres(
    serving: Path, tmp_path_factory: pytest.TempPathFactory, request: pytest.FixtureRequest
) -> None:
    """The report's SQL is portable: PostgreSQL's marts give the same figures."""
    on_server = SimpleNamespace(param="postgres", getfixturevalue=request.getfixturevalue)
    server = build(
        on_server, tmp_path_factory, RAW, database="svw_report", data_tests=False
    ).postgres
    location = PostgresDatabase(
        host=server["host"], port=server["port"], user=server["user"], database=server["dbname"]
    )
    with published_connection(location, Path("unused")) as connection:
        on_postgres = read_report(connection)
    with published_connection(DuckDBFile(serving), serving) as connection:
        on_duckdb = read_report(connection)
    assert on_postgres.figures == on_duckdb.figures
    assert on_postgres.places == on_duckdb.places
    assert on_postgres.place_reports == on_duckdb.place_reports
    assert on_postgres.england_shares == pytest.approx(on_duckdb.england_shares)


def test_in_a_browser(report: Path, tmp_path: Path) -> None:
    """Chromium opens the pages from files: every chart drawn, every link reachable,
    nothing logged to the console, and a screenshot kept under pytest's tmp."""
    overview = browser.load(report / INDEX, tmp_path / "profile")
    assert overview.dom.count("<svg") == (report / INDEX).read_text().count("<svg") >= 5
    targets = re.findall(r'<a href="(places/[^"]+)"', overview.dom)
    assert sorted(targets) == sorted(
        str(p.relative_to(report)) for p in (report / "places").glob("*.html")
    )
    for target in targets:
        page = browser.load(report / target, tmp_path / "profile")
        assert page.dom.count("<svg") >= 5, target
        assert 'href="../index.html"' in page.dom
        for log in (overview.log, page.log):
            assert "Uncaught" not in log and "CONSOLE" not in log, log
            assert not re.search(r"console\(\d+\)|ERR_FILE_NOT_FOUND", log), log
    browser.screenshot(report / place_page(LEEDS), tmp_path / "leeds.png", tmp_path / "profile")
    browser.screenshot(report / INDEX, tmp_path / "overview.png", tmp_path / "profile")
    # a PNG of a drawn page, not an empty one
    assert (tmp_path / "overview.png").stat().st_size > 50_000


def test_no_network_in_the_pages(report: Path) -> None:
    """Self-contained: no external stylesheet, image, font or script is referenced."""
    for page in report.rglob("*.html"):
        html = page.read_text()
        assert not re.search(r'(src|href)="(https?:)?//', html), page
        assert "@import" not in html and "url(" not in html, page


def test_the_job_writes_the_report_after_the_snapshot(svw_settings: Settings) -> None:
    from orchestration.assets import BI_SNAPSHOT
    from orchestration.definitions import build_definitions
    from orchestration.report import PLACE_REPORT

    defs = build_definitions(svw_settings)
    graph = defs.resolve_asset_graph()
    assert graph.get(PLACE_REPORT).parent_keys == {BI_SNAPSHOT}
    job = defs.resolve_job_def("social_value_pipeline")
    assert PLACE_REPORT in job.asset_layer.selected_asset_keys


def test_the_run_summary_says_where_the_report_is(svw_settings: Settings) -> None:
    from svw.runner import RunOutcome

    summary = RunOutcome(run_id="r", success=True, settings=svw_settings).summary_text()
    assert f"  place report: {svw_settings.report_dir}/index.html" in summary
