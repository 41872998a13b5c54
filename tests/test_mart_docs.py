"""The dbt docs of the marts: every column described, the exposures in step with the
exports, and `svw docs` writing the static site into the serving area, not the source.

The descriptions are read from dbt's manifest (`make manifest`), as exports read them.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import duckdb
import pytest
from click.testing import CliRunner

from configuration import DBT_MANIFEST, DBT_PROJECT_DIR
from serving.datapackage import load_mart_docs
from svw.cli import main
from tests.published_marts import Published

DUCKDB_ONLY = pytest.mark.parametrize("published_marts", ["duckdb"], indirect=True)


def _undescribed(columns: dict[str, dict[str, str]]) -> list[str]:
    return sorted(
        f"{mart}.{column}"
        for mart, described in columns.items()
        for column, text in described.items()
        if not text.strip()
    )


def test_every_documented_mart_column_has_a_description() -> None:
    docs = load_mart_docs(DBT_MANIFEST)
    assert {name: doc.description != "" for name, doc in docs.items()} == dict.fromkeys(docs, True)
    assert [name for name, doc in docs.items() if not doc.columns] == []
    assert _undescribed({name: dict(doc.columns) for name, doc in docs.items()}) == []


def test_the_check_sees_a_missing_description() -> None:
    assert _undescribed({"place_need": {"place_code": "Code.", "population": " "}}) == [
        "place_need.population"
    ]


def test_exposures_name_the_place_report_and_every_exported_mart() -> None:
    manifest = json.loads(DBT_MANIFEST.read_text())
    exposures = {e["name"]: e for e in manifest["exposures"].values()}
    assert set(exposures) == {"place_report", "exports"}
    exported = {name for name, doc in load_mart_docs(DBT_MANIFEST).items() if not doc.deprecated}
    depends = {n.rsplit(".", 1)[1] for n in exposures["exports"]["depends_on"]["nodes"]}
    assert depends == exported
    assert (
        "model.social_value_warehouse.place_need"
        in (exposures["place_report"]["depends_on"]["nodes"])
    )


@pytest.mark.slow
@DUCKDB_ONLY
def test_every_published_column_is_documented(published_marts: Published) -> None:
    """The columns the marts really have (views included), against the documented ones."""
    docs = load_mart_docs(DBT_MANIFEST)
    connection = duckdb.connect(str(published_marts.settings.serving_path), read_only=True)
    published: dict[str, dict[str, str]] = {}
    for table, column in connection.execute(
        "select table_name, column_name from information_schema.columns "
        "where table_schema = 'marts' order by table_name, ordinal_position"
    ).fetchall():
        doc = docs[table].columns if table in docs else {}
        published.setdefault(table, {})[column] = doc.get(column, "")
    connection.close()
    assert set(published) == set(docs)
    assert _undescribed(published) == []


def _tree(folder: Path) -> dict[str, float]:
    return {
        str(path.relative_to(folder)): path.stat().st_mtime
        for path in folder.rglob("*")
        if path.is_file()
    }


@pytest.mark.slow
@DUCKDB_ONLY
def test_svw_docs_writes_the_static_site_beside_the_snapshot(
    published_marts: Published, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings = published_marts.settings
    monkeypatch.setenv("SVW_WAREHOUSE", str(settings.warehouse.path))
    monkeypatch.setenv("SVW_SERVING", str(settings.serving_path))
    source_before = _tree(DBT_PROJECT_DIR)

    result = CliRunner().invoke(main, ["docs"])
    assert result.exit_code == 0, result.output
    site = settings.serving_path.parent / "docs" / "index.html"
    assert result.output.strip() == f"Wrote {site}"
    html = site.read_text(encoding="utf-8")
    # One self-contained page: the manifest and catalog are inside it, descriptions too.
    assert "Usual residents of the district" in html  # place_need.population
    assert '"exposure.social_value_warehouse.exports"' in html
    assert sorted(os.listdir(site.parent)) == ["index.html"]  # the scratch folder is gone
    assert _tree(DBT_PROJECT_DIR) == source_before  # nothing written into the source tree
