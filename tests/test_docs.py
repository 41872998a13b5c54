"""The docs say what the code does: settings, make targets, the mission mapping."""

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
