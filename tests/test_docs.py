"""The docs agree with the code: the README's configuration table names exactly the
variables the settings read; the format guide lists the vocabulary's unit spellings; the
mission mapping in docs/needs.md is the seed; the numbers the format guide gives are the
code's."""

from __future__ import annotations

import csv
import re

from configuration import PROJECT_ROOT


def _section(text: str, heading: str) -> str:
    return text.split(f"\n## {heading}\n", 1)[1].split("\n## ", 1)[0]


def test_readme_lists_every_setting_and_no_other() -> None:
    code = (PROJECT_ROOT / "configuration" / "__init__.py").read_text(encoding="utf-8")
    # Every read: env.get("X", ...), env["X"] or _number(env, "X", ...).
    reads = r"""(?:env\.get\(|env\[|_number\(env,\s*)["'](SVW_\w+|DAGSTER_HOME)["']"""
    read = set(re.findall(reads, code))
    table = _section((PROJECT_ROOT / "README.md").read_text(encoding="utf-8"), "Configuration")
    documented = {
        name
        for row in table.splitlines()
        if row.startswith("| `")
        for name in re.findall(r"`(SVW_\w+|DAGSTER_HOME)`", row.split(" | ")[0])
    }
    assert read, "no settings found: the pattern above no longer matches the code"
    assert documented == read


def test_readme_commands_are_make_targets() -> None:
    readme = (PROJECT_ROOT / "README.md").read_text(encoding="utf-8")
    targets = set(re.findall(r"^([a-z-]+):", (PROJECT_ROOT / "Makefile").read_text(), re.M))
    assert set(re.findall(r"^make (\w[\w-]*)", readme, re.M)) <= targets
    assert {"demo", "test"} <= set(re.findall(r"^make (\w+)", readme, re.M))


def test_the_mission_mapping_in_the_docs_is_the_seed() -> None:
    seeds = PROJECT_ROOT / "dbt_project" / "seeds"
    with open(seeds / "missions.csv", newline="") as f:
        names = {(r["framing"], r["mission_code"]): r["mission_name"] for r in csv.DictReader(f)}
    with open(seeds / "measure_missions.csv", newline="") as f:
        expected = [
            [
                r["measure_code"] or f"{r['theme']} (theme default)",
                f"{r['mission_number']} {names['levelling_up_2022', r['mission_number']]}",
                names["missions_2024", r["mission_2024"]],
                r["confidence"],
                r["rationale"],
            ]
            for r in csv.DictReader(f)
        ]
    doc = (PROJECT_ROOT / "docs" / "needs.md").read_text(encoding="utf-8")
    table = doc.split("| measure | 2022 mission |", 1)[1].splitlines()[2:]
    documented = [[cell.strip() for cell in row.strip("|").split(" | ")] for row in table if row]
    assert documented == expected


def test_format_guide_lists_every_unit_spelling() -> None:
    from expectations.vocabulary import UNIT_SYNONYMS
    from ingest.headers import HEADER_SEARCH_ROWS

    guide = (PROJECT_ROOT / "docs" / "return-format.md").read_text(encoding="utf-8")
    units = _section(guide.replace("\n### ", "\n## "), "Units")
    listed = {
        cells[1].strip().strip("`"): tuple(text.strip() for text in cells[2].split(","))
        for cells in (row.split("|") for row in units.splitlines())
        if len(cells) == 4 and cells[1].strip().startswith("`")
    }
    assert listed == dict(UNIT_SYNONYMS)
    assert f"It is the row, among the first {HEADER_SEARCH_ROWS}, with the" in guide


def test_format_guide_gives_the_header_quorum_of_a_workbook_sheet() -> None:
    from ingest.readers.xlsx import HEADER_QUORUM

    guide = (PROJECT_ROOT / "docs" / "return-format.md").read_text(encoding="utf-8")
    words = {4: "four"}
    assert f"header row names at least {words[HEADER_QUORUM]} of the" in guide


def test_format_guide_says_how_many_replaced_returns_the_run_summary_names() -> None:
    from serving.supersessions import NOTICES_SHOWN

    guide = (PROJECT_ROOT / "docs" / "return-format.md").read_text(encoding="utf-8")
    words = {5: "five"}
    assert f"The run summary names at most {words[NOTICES_SHOWN]} returns" in guide


def test_the_ledgers_file_kinds_are_the_ones_dbt_accepts() -> None:
    import yaml

    from ingest.ledger import FileKind

    models = PROJECT_ROOT / "dbt_project" / "models" / "staging" / "stg_submissions.yml"
    (model,) = yaml.safe_load(models.read_text(encoding="utf-8"))["models"]
    (column,) = [c for c in model["columns"] if c["name"] == "file_kind"]
    (accepted,) = [t["accepted_values"] for t in column["data_tests"] if "accepted_values" in t]
    assert set(accepted["arguments"]["values"]) == {kind.value for kind in FileKind}
