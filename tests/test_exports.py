"""`svw export`: the published marts as Parquet (Hive-partitioned by financial year) or
CSV with a Frictionless datapackage.json, on a folder or S3, swapped in atomically.

The warehouse is tests/published_marts.py: four lines whose totals are worked out by
hand there (2023-24: £5,528,155; 2024-25: £2,018,705).
"""

from __future__ import annotations

import csv
import json
import os
from pathlib import Path

import duckdb
import fsspec
import pyarrow.compute as pc
import pyarrow.dataset as ds
import pytest

from configuration import DBT_MANIFEST, Settings
from ingest.bucket import Bucket
from orchestration.definitions import build_definitions
from serving import export as export_module
from serving.datapackage import load_mart_docs
from serving.export import export_marts
from svw.runner import run_pipeline
from tests.published_marts import DISTRICTS, GRAND_TOTAL, YEAR_TOTALS, Published
from tests.returns import LEEDS_Q1

pytestmark = pytest.mark.slow

EXPORTED = {
    "area_totals",
    "commitment_totals",
    "contract_progress",
    "contract_summary",
    "counting_warnings",
    "dim_measure",
    "dim_place",
    "fct_commitments",
    "fct_place_totals",
    "fct_social_value",
    "fct_social_value_by_financial_year",
    "fct_submissions",
    "fct_supersessions",
    "measure_editions",
    "mission_totals",
    "need_distribution",
    "place_need",
    "place_totals_at_price_base",
}
PARTITIONED = {
    "area_totals",
    "commitment_totals",
    "fct_place_totals",
    "fct_social_value_by_financial_year",
    "mission_totals",
    "need_distribution",
    "place_need",
    "place_totals_at_price_base",
}
YEARS = ["financial_year=2023-24", "financial_year=2024-25"]
DUCKDB_ONLY = pytest.mark.parametrize("published_marts", ["duckdb"], indirect=True)


def export(published: Published, to: str, fmt: str = "parquet", endpoint: str | None = None):
    settings = published.settings
    return export_marts(
        settings.warehouse, settings.serving_path, to, fmt, DBT_MANIFEST, endpoint_url=endpoint
    )


def _year_totals(rows) -> dict[str, float]:
    totals: dict[str, float] = {}
    for year, value in rows:
        totals[year] = round(totals.get(year, 0.0) + float(value), 2)
    return totals


def test_parquet_reads_back_with_the_marts_totals(published_marts: Published, tmp_path) -> None:
    result = export(published_marts, str(tmp_path / "out"))
    current = tmp_path / "out" / "current"
    assert set(result.rows) == EXPORTED  # the deprecated alias views are left out
    assert result.rows["place_need"] == DISTRICTS * 2

    # DuckDB, the way a notebook reads a Hive-partitioned folder.
    connection = duckdb.connect()
    by_duckdb = connection.execute(
        "select financial_year, sum(social_value_gbp), count(*) from read_parquet("
        f"'{current}/place_need/**/*.parquet', hive_partitioning = true) "
        "group by 1 order by 1"
    ).fetchall()
    assert by_duckdb == [
        ("2023-24", YEAR_TOTALS["2023-24"], DISTRICTS),
        ("2024-25", YEAR_TOTALS["2024-25"], DISTRICTS),
    ]
    # pyarrow's datasets, on the totals mart.
    totals = ds.dataset(current / "fct_place_totals", format="parquet", partitioning="hive")
    table = totals.to_table(columns=["financial_year", "social_value_gbp"])
    assert _year_totals(zip(*table.to_pydict().values(), strict=True)) == YEAR_TOTALS
    assert pc.sum(table["social_value_gbp"]).as_py() == GRAND_TOTAL
    # Leeds' value per head, read back: £5.00 in 2023-24, £2.00 in 2024-25.
    per_head = connection.execute(
        "select financial_year, social_value_per_head_gbp from read_parquet("
        f"'{current}/place_need/**/*.parquet', hive_partitioning = true) "
        "where place_code = 'E08000035' order by 1"
    ).fetchall()
    assert per_head == [("2023-24", 5.0), ("2024-25", 2.0)]


def test_hive_partitions_by_financial_year(published_marts: Published, tmp_path) -> None:
    export(published_marts, str(tmp_path / "out"))
    current = tmp_path / "out" / "current"
    # This warehouse has no commitments: an empty mart is one empty file, not partitions.
    empty = {"commitment_totals"}
    for mart in EXPORTED:
        listing = sorted(p.name for p in (current / mart).iterdir())
        partitioned = mart in PARTITIONED and mart not in empty
        assert listing == (YEARS if partitioned else ["part-0.parquet"]), mart
    for year in YEARS:
        assert [p.name for p in (current / "place_need" / year).iterdir()] == ["part-0.parquet"]
    # The partition column lives in the folder name, not in the files.
    one_file = ds.dataset(current / "place_need" / YEARS[0] / "part-0.parquet", format="parquet")
    assert "financial_year" not in one_file.schema.names


def test_datapackage_describes_every_mart_column(published_marts: Published, tmp_path) -> None:
    export(published_marts, str(tmp_path / "out"))
    root = tmp_path / "out"
    package = json.loads((root / "datapackage.json").read_text())
    docs = load_mart_docs(DBT_MANIFEST)
    served = duckdb.connect()
    resources = {r["name"]: r for r in package["resources"]}
    assert set(resources) == EXPORTED
    for name, resource in resources.items():
        fields = resource["schema"]["fields"]
        paths = resource["path"] if isinstance(resource["path"], list) else [resource["path"]]
        columns = served.execute(
            f"describe select * from read_parquet({[str(root / p) for p in paths]}, "
            "hive_partitioning = true)"
        ).fetchall()
        # Every column of the mart, and a description of each from the dbt docs.
        assert sorted(f["name"] for f in fields) == sorted(c[0] for c in columns), name
        for field in fields:
            assert field["description"], f"{name}.{field['name']} has no description"
            assert field["description"] == docs[name].columns[field["name"]]
        assert resource["description"] == docs[name].description
    place_need = {f["name"]: f for f in resources["place_need"]["schema"]["fields"]}
    assert place_need["social_value_gbp"]["unit"] == "GBP"
    assert place_need["social_value_per_head_gbp"]["unit"] == "GBP per resident"
    assert (place_need["population"]["type"], place_need["population"]["unit"]) == (
        "integer",
        "persons",
    )
    assert place_need["financial_year"]["type"] == "string"
    assert resources["place_need"]["partitioning"] == {
        "flavor": "hive",
        "fields": ["financial_year"],
    }
    # The numbers' licences: the illustrative catalogue says so; official figures are OGL.
    assert package["illustrative"] is True
    assert "ILLUSTRATIVE" in package["description"]
    licences = {n: {lic["name"] for lic in r["licenses"]} for n, r in resources.items()}
    assert licences["place_need"] == {"Apache-2.0", "OGL-UK-3.0"}
    assert licences["fct_submissions"] == set()  # the ledger: no valued or official figures
    assert licences["dim_place"] == {"OGL-UK-3.0"}
    assert "ILLUSTRATIVE" in resources["fct_place_totals"]["licenses"][0]["title"]


def test_csv_export_opens_with_the_csv_module(published_marts: Published, tmp_path) -> None:
    export(published_marts, str(tmp_path / "out"), fmt="csv")
    current = tmp_path / "out" / "current"
    assert sorted(p.name for p in current.iterdir()) == sorted(
        [f"{m}.csv" for m in EXPORTED] + ["datapackage.json"]
    )
    with open(current / "fct_place_totals.csv", newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    assert _year_totals((r["financial_year"], r["social_value_gbp"]) for r in rows) == YEAR_TOTALS
    with open(current / "fct_submissions.csv", newline="", encoding="utf-8") as handle:
        ledger = list(csv.DictReader(handle))
    assert [(r["original_path"], r["received_at"]) for r in ledger] == [
        ("north-cc/2023-24.csv", "2024-05-01T09:00:00.000000"),
        ("north-cc/2024-25.csv", "2025-05-01T09:00:00.000000"),
    ]
    package = json.loads((current / "datapackage.json").read_text())
    assert {r["path"] for r in package["resources"]} == {f"{m}.csv" for m in EXPORTED}


@DUCKDB_ONLY
def test_export_to_s3(published_marts: Published, s3_settings: Settings) -> None:
    to = f"s3://svw-test/exports-{os.getpid()}"
    first = export(published_marts, to, endpoint=s3_settings.s3_endpoint_url)
    second = export(published_marts, to, endpoint=s3_settings.s3_endpoint_url)
    s3 = fsspec.filesystem("s3", client_kwargs={"endpoint_url": s3_settings.s3_endpoint_url})
    root = to.removeprefix("s3://")
    package = json.loads(s3.cat_file(f"{root}/datapackage.json"))
    assert package["svw_export_version"] == second.version
    # Both versions are kept (a reader may still be on the first); paths name the second.
    assert sorted(p.rsplit("/", 1)[1] for p in s3.ls(f"{root}/versions")) == sorted(
        [first.version, second.version]
    )
    totals = next(r for r in package["resources"] if r["name"] == "fct_place_totals")
    assert all(p.startswith(f"versions/{second.version}/") for p in totals["path"])
    table = ds.dataset(
        [f"{root}/{p}" for p in totals["path"]],
        format="parquet",
        filesystem=s3,
        partitioning=ds.HivePartitioning.discover(),
        partition_base_dir=f"{root}/versions/{second.version}/fct_place_totals",
    ).to_table()
    assert (
        _year_totals(
            zip(
                table["financial_year"].to_pylist(),
                table["social_value_gbp"].to_pylist(),
                strict=True,
            )
        )
        == YEAR_TOTALS
    )


def _reader_view(root: Path) -> tuple[str, dict[str, bytes]]:
    """What a reader sees: the version the descriptor names, and every file it lists."""
    package = json.loads((root / "datapackage.json").read_text())
    paths = [
        p
        for r in package["resources"]
        for p in ([r["path"]] if isinstance(r["path"], str) else r["path"])
    ]
    return package["svw_export_version"], {p: (root / p).read_bytes() for p in paths}


@DUCKDB_ONLY
def test_an_export_that_dies_half_way_leaves_the_previous_one(
    published_marts: Published, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = tmp_path / "out"
    first = export(published_marts, str(root))
    before = _reader_view(root)
    link_before = os.readlink(root / "current")

    written = []
    real_write = export_module.write_resource

    def dies_on_the_fourth(*args, **kwargs):
        if len(written) == 3:
            raise RuntimeError("disk full")
        written.append(args[2])
        return real_write(*args, **kwargs)

    monkeypatch.setattr(export_module, "write_resource", dies_on_the_fourth)
    with pytest.raises(RuntimeError, match="disk full"):
        export(published_marts, str(root))
    assert len(written) == 3  # it did write part of a new version
    # Readers still see the first export whole; no half-written version is anywhere.
    assert _reader_view(root) == before
    assert os.readlink(root / "current") == link_before == f"versions/{first.version}"
    assert sorted(p.name for p in (root / "versions").iterdir()) == [first.version]
    assert sorted(p.name for p in root.iterdir()) == ["current", "datapackage.json", "versions"]


@DUCKDB_ONLY
def test_old_versions_are_removed_keeping_the_one_replaced(
    published_marts: Published, tmp_path: Path
) -> None:
    root = tmp_path / "out"
    # A version left by an export killed before its clean-up could run.
    (root / "versions" / ".20000101T000000000000Z.tmp").mkdir(parents=True)
    results = [export(published_marts, str(root)) for _ in range(3)]
    assert sorted(p.name for p in (root / "versions").iterdir()) == [
        results[1].version,
        results[2].version,
    ]
    assert results[2].removed_versions == [results[0].version]
    assert os.readlink(root / "current") == f"versions/{results[2].version}"
    assert _reader_view(root)[0] == results[2].version


def test_a_run_publishes_the_export_when_svw_export_is_set(
    seeded_svw_settings: Settings, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    without = build_definitions(seeded_svw_settings).resolve_asset_graph().get_all_asset_keys()
    assert "serving/exports" not in {key.to_user_string() for key in without}
    monkeypatch.setenv("SVW_EXPORT", str(tmp_path / "published"))
    settings = Settings.from_env()
    Bucket(settings.bucket_url).write("incoming/leeds-council/q1.csv", LEEDS_Q1)
    outcome = run_pipeline(settings)
    assert outcome.success, outcome.failure
    # Leeds, 2025-26: 100 hours of NT24 at 16.50 and 12 weeks of NT10 at 245.00.
    current = tmp_path / "published" / "current"
    totals = (
        duckdb.connect()
        .execute(
            "select financial_year, sum(social_value_gbp) from read_parquet("
            f"'{current}/fct_place_totals/**/*.parquet', hive_partitioning = true) group by 1"
        )
        .fetchall()
    )
    assert totals == [("2025-26", 1650.0 + 2940.0)]
    package = json.loads((tmp_path / "published" / "datapackage.json").read_text())
    assert {r["name"] for r in package["resources"]} == EXPORTED
